package dev.palisade.policy.bundle;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/** Keys, a certificate and a release made the same way every time (seeded keys, a fixed clock). */
final class BundleFixture
{
    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    static final byte[] POLICY = "palisade-compiled-policy 1\nname test\nset 0 host\nselected\n"
        .getBytes(StandardCharsets.UTF_8);
    static final byte[] RULES = ("alert tcp any any -> any 80 (msg:\"a\"; content:\"x\"; sid:1;)\n" +
        "alert tcp any any -> any 80 (msg:\"b\"; content:\"y\"; sid:2;)\n").getBytes(StandardCharsets.UTF_8);

    final SigningKey root;
    final SigningKey signer;
    final KeyStatement.Signed certificate;

    BundleFixture(final SignatureAlgorithm algorithm)
    {
        root = SigningKey.generate(algorithm, seeded(1));
        signer = SigningKey.generate(algorithm, seeded(2));
        certificate = KeyStatement.certify(root, signer.publicKey(), NOW.minusSeconds(86_400),
            NOW.plusSeconds(365 * 86_400L), 1, "policy signing 2026");
    }

    static SecureRandom seeded(final int seed)
    {
        try
        {
            final SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        }
        catch (final java.security.NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    static Bundle.Content content(final long version, final byte[] previous)
    {
        return new Bundle.Content("test", version, TargetSelector.parse("labels:site=fra1"), NOW.minusSeconds(60),
            NOW.plusSeconds(7 * 86_400L), previous, POLICY, RULES, 2);
    }

    Bundle release(final long version, final byte[] previous)
    {
        return Bundle.sign(content(version, previous), signer, certificate, List.of());
    }

    BundleVerifier.Builder verifier()
    {
        return BundleVerifier.builder().root(root.publicKey()).now(NOW);
    }
}
