package dev.palisade.attestation.ear;

import dev.palisade.attestation.Status;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An attestation result in EAR form (EAT Attestation Results, draft-ietf-rats-ear): per component ("submods": tpm,
 * spdm) a status, a trustworthiness vector and the appraisal policy used; the overall status is the worst of them.
 * Signed as a JWT by {@link EarSigner}; relying parties (the policy service) check it with {@link EarVerifier}.
 *
 * @param submods           component name → its appraisal.
 * @param nonce             the verifier's nonce the evidence answered (bytes; base64url in the token).
 * @param issuedAtSeconds   iat.
 * @param expiresAtSeconds  exp: after this the result has lapsed and the attester counts as contraindicated.
 * @param verifierBuild     ear.verifier-id.build.
 * @param verifierDeveloper ear.verifier-id.developer.
 * @param subject           the attester's identity (the DPU id), in sub.
 */
public record Ear(
    Map<String, Submod> submods,
    byte[] nonce,
    long issuedAtSeconds,
    long expiresAtSeconds,
    String verifierBuild,
    String verifierDeveloper,
    String subject)
{
    /** The EAT profile this follows. */
    public static final String PROFILE = "tag:github.com,2023:veraison/ear";

    /**
     * One component's appraisal.
     *
     * @param status   its ear.status.
     * @param vector   its ear.trustworthiness-vector.
     * @param policyId its ear.appraisal-policy-id.
     */
    public record Submod(Status status, TrustworthinessVector vector, String policyId)
    {
    }

    /** The worst status of the components ({@link Status#NONE} with none). */
    public Status status()
    {
        Status s = Status.NONE;
        for (final Submod m : submods.values())
        {
            s = s.worst(m.status());
        }
        return s;
    }

    /** The claims set, as the JWT payload carries it. */
    public Map<String, Object> claims()
    {
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("eat_profile", PROFILE);
        c.put("iat", issuedAtSeconds);
        c.put("exp", expiresAtSeconds);
        if (subject != null)
        {
            c.put("sub", subject);
        }
        final Map<String, Object> verifier = new LinkedHashMap<>();
        verifier.put("build", verifierBuild);
        verifier.put("developer", verifierDeveloper);
        c.put("ear.verifier-id", verifier);
        c.put("ear.status", status().label());
        if (nonce != null)
        {
            c.put("eat_nonce", Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
        }
        final Map<String, Object> subs = new LinkedHashMap<>();
        submods.forEach((name, m) ->
        {
            final Map<String, Object> s = new LinkedHashMap<>();
            s.put("ear.status", m.status().label());
            s.put("ear.trustworthiness-vector", m.vector().toJson());
            s.put("ear.appraisal-policy-id", m.policyId());
            subs.put(name, s);
        });
        c.put("submods", subs);
        return c;
    }
}
