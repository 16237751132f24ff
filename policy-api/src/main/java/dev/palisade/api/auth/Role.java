package dev.palisade.api.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The API's roles, as realm (or client) roles in Keycloak and in dev-mode tokens. */
public enum Role
{
    /** Everything. */
    POLICY_ADMIN,
    /** Write policies and DPI rule sets; no releases. */
    POLICY_AUTHOR,
    /** Read-only, and the audit log. */
    AUDITOR,
    /** Read, and quarantine. */
    INCIDENT_RESPONDER;

    /** Every role may read the fleet's policies, rule sets, releases and DPUs. */
    public static final Set<Role> READERS = EnumSet.allOf(Role.class);
    public static final Set<Role> AUTHORS = EnumSet.of(POLICY_ADMIN, POLICY_AUTHOR);
    public static final Set<Role> ADMINS = EnumSet.of(POLICY_ADMIN);
    public static final Set<Role> AUDIT_READERS = EnumSet.of(POLICY_ADMIN, AUDITOR);
    public static final Set<Role> RESPONDERS = EnumSet.of(POLICY_ADMIN, INCIDENT_RESPONDER);

    /** @return the role's name in tokens: {@code policy-admin}, {@code policy-author}, … */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @return the role with this label, or null. */
    public static Role ofLabel(final String label)
    {
        for (final Role role : values())
        {
            if (role.label().equals(label))
            {
                return role;
            }
        }
        return null;
    }
}
