package dev.palisade.policy.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.compile.CompiledPolicyDecoder;

import java.time.Instant;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Arbitrary bytes as a policy bundle (what a DPU receives from the network and reads from its disk) and as the compiled
 * policy inside one: verification may only end in a rejection with a reason (nothing here is signed by the pinned
 * root), and decoding in a policy or a {@link CompiledPolicyDecoder.FormatException}; a policy that decodes encodes to
 * the same bytes. The first byte chooses the target. In {@code mvn test} only the seeds in
 * {@code BundleFuzzTestInputs/parseArbitraryBundle} run; {@code JAZZER_FUZZ=1} fuzzes.
 */
class BundleFuzzTest
{
    private static final BundleVerifier VERIFIER = BundleVerifier.builder()
        .root(PolicyKeyFiles.publicFromPem("""
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
            -----END PUBLIC KEY-----
            """, "fuzz root"))
        .now(Instant.parse("2026-11-21T12:00:00Z"))
        .build();

    @FuzzTest(maxDuration = "30s")
    void parseArbitraryBundle(final byte[] input)
    {
        if (input.length == 0)
        {
            return;
        }
        final byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) == 0)
        {
            final BundleVerifier.Rejected rejected = assertInstanceOf(BundleVerifier.Rejected.class,
                VERIFIER.verify(rest));
            assertFalse(rejected.detail().isEmpty());
            return;
        }
        try
        {
            assertEquals(Arrays.toString(rest), Arrays.toString(CompiledPolicyDecoder.decode(rest).encoded()));
        }
        catch (final CompiledPolicyDecoder.FormatException e)
        {
            assertFalse(e.getMessage().isEmpty());
        }
    }
}
