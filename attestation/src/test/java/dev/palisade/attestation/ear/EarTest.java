package dev.palisade.attestation.ear;

import dev.palisade.attestation.Status;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** EAR tokens: what is signed verifies and reads back; anything altered, unsigned, early or late is refused. */
class EarTest
{
    private static final long NOW = 1_800_000_000L;

    private final EarSigner signer = EarSigner.generate("verifier-1");
    private final EarVerifier verifier = new EarVerifier(signer.publicKey());

    private static Ear ear(final Status tpm, final Status spdm)
    {
        final Map<String, Ear.Submod> submods = new java.util.LinkedHashMap<>();
        submods.put("tpm", new Ear.Submod(tpm, new TrustworthinessVector(2, 2, 2, null), "p1"));
        submods.put("spdm", new Ear.Submod(spdm, new TrustworthinessVector(2, null, 33, 2), "p2"));
        return new Ear(submods, new byte[] {1, 2, 3}, NOW, NOW + 300, "test", "palisade", "dpu-7");
    }

    @Test
    void aSignedResultVerifiesAndCarriesTheEarClaims() throws Exception
    {
        final String token = signer.sign(ear(Status.AFFIRMING, Status.WARNING));
        final Map<String, Object> claims = verifier.verify(token, NOW + 10);
        assertEquals("warning", claims.get("ear.status"), "the worst of the components");
        assertEquals(Ear.PROFILE, claims.get("eat_profile"));
        assertEquals("AQID", claims.get("eat_nonce"));
        assertEquals("dpu-7", claims.get("sub"));
        @SuppressWarnings("unchecked")
        final Map<String, Map<String, Object>> submods = (Map<String, Map<String, Object>>)claims.get("submods");
        assertEquals("affirming", submods.get("tpm").get("ear.status"));
        assertEquals(Map.of("instance-identity", 2, "executables", 33, "hardware", 2),
            submods.get("spdm").get("ear.trustworthiness-vector"));
        final String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        assertEquals("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"verifier-1\"}", header);
    }

    @Test
    void everyAlterationIsRefusedWithItsReason()
    {
        final String token = signer.sign(ear(Status.AFFIRMING, Status.AFFIRMING));
        final String[] parts = token.split("\\.");
        final String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
            new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"warning\"", "\"affirming\"").replace("dpu-7", "dpu-8").getBytes(StandardCharsets.UTF_8));
        assertCode("bad_signature", parts[0] + "." + forgedClaims + "." + parts[2]);
        final String none = Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        assertCode("unsupported_algorithm", none + "." + parts[1] + ".");
        assertCode("unsupported_algorithm", Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2]);
        assertCode("malformed_token", parts[0] + "." + parts[1]);
        assertCode("malformed_token", "!!." + parts[1] + "." + parts[2]);
        assertCode("bad_signature", parts[0] + "." + parts[1] + "." + parts[2].substring(4));
        final char last = parts[2].charAt(10);
        assertCode("bad_signature", parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) +
            (last == 'A' ? 'B' : 'A') + parts[2].substring(11));
        assertCode("bad_signature", new EarVerifier(EarSigner.generate("other").publicKey()), token, NOW);
        assertCode("expired", verifier, token, NOW + 300 + EarVerifier.SKEW_SECONDS);
        assertCode("not_yet_valid", verifier, token, NOW - 3600);
        assertCode("malformed_token", "x".repeat(EarVerifier.MAX_TOKEN_CHARS + 1));
    }

    private void assertCode(final String code, final String token)
    {
        assertCode(code, verifier, token, NOW);
    }

    private static void assertCode(final String code, final EarVerifier v, final String token, final long now)
    {
        final EarVerifier.EarException e = assertThrows(EarVerifier.EarException.class, () -> v.verify(token, now));
        assertEquals(code, e.code(), e.getMessage());
    }
}
