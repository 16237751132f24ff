package dev.palisade.api.auth;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.authorization.AuthorizationProvider;
import io.vertx.ext.auth.authorization.RoleBasedAuthorization;
import io.vertx.ext.auth.oauth2.authorization.KeycloakAuthorization;

import java.util.EnumSet;
import java.util.Set;

/**
 * Turns a bearer token into a caller with roles. Keycloak's tokens (validated against the realm's keys from OIDC
 * discovery) and dev-mode tokens (signed by a local key) have the same shape, so one {@link KeycloakAuthorization}
 * reads the roles of both: realm roles, and client roles of the API's client.
 */
public final class Authenticator
{
    private final AuthenticationProvider tokens;
    private final AuthorizationProvider roles = KeycloakAuthorization.create();
    private final String clientId;

    /**
     * @param clientId the API's client id: its client roles count as well as realm roles (null: realm roles only).
     */
    public Authenticator(final AuthenticationProvider tokens, final String clientId)
    {
        this.tokens = tokens;
        this.clientId = clientId;
    }

    /** A caller: who, and which roles. */
    public record Caller(String subject, String name, Set<Role> roles)
    {
    }

    /** @return the caller, or a failed future with a 401 {@link ApiException}. */
    public Future<Caller> authenticate(final String authorizationHeader)
    {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            return Future.failedFuture(unauthorized("a bearer token is required (Authorization: Bearer TOKEN)"));
        }
        final String token = authorizationHeader.substring(7).strip();
        if (token.isEmpty() || token.length() > 16_384)
        {
            return Future.failedFuture(unauthorized("the bearer token is empty or too long"));
        }
        return tokens.authenticate(new TokenCredentials(token))
            .recover(e -> Future.failedFuture(unauthorized("the bearer token is not valid (expired, not signed by " +
                "the issuer, or for another audience)")))
            .compose(user -> roles.getAuthorizations(user).map(ignored -> caller(user))
                .recover(e -> Future.failedFuture(unauthorized("the token carries no roles"))));
    }

    private Caller caller(final User user)
    {
        final EnumSet<Role> granted = EnumSet.noneOf(Role.class);
        for (final Role role : Role.values())
        {
            if (RoleBasedAuthorization.create(role.label()).match(user) ||
                (clientId != null && RoleBasedAuthorization.create(role.label()).setResource(clientId).match(user)))
            {
                granted.add(role);
            }
        }
        final String subject = user.subject() == null ? "unknown" : user.subject();
        final String name = user.principal().getString("preferred_username",
            user.attributes().getJsonObject("accessToken", new io.vertx.core.json.JsonObject())
                .getString("preferred_username", subject));
        return new Caller(subject, name, granted);
    }

    public static ApiException unauthorized(final String detail)
    {
        return new ApiException(401, "unauthorized", "Authentication required", detail);
    }

    public static ApiException forbidden(final String detail)
    {
        return new ApiException(403, "forbidden", "Not allowed", detail);
    }
}
