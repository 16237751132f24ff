package dev.palisade.policy.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.analysis.PolicyAnalyzer;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Policy;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a policy document (policies arrive as API bodies): parsing may only end in a policy or in a
 * {@link PolicyException} whose problems are located inside the document and are not the parser's internal-error safety
 * net; a policy that parses must also compile and analyse without throwing. In {@code mvn test} only the seeds in
 * {@code PolicyParserFuzzTestInputs/parseArbitraryPolicy} run; {@code JAZZER_FUZZ=1} fuzzes.
 */
class PolicyParserFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void parseArbitraryPolicy(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        final Policy policy;
        try
        {
            policy = PolicyParser.parse("fuzz.yaml", text);
        }
        catch (final PolicyException ex)
        {
            assertFalse(ex.problems().isEmpty(), "a rejection names at least one problem");
            final long lines = text.lines().count() + 1;
            for (final PolicyProblem problem : ex.problems())
            {
                assertTrue(problem.at().line() >= 1 && problem.at().line() <= Math.max(1, lines) + 1,
                    "problem inside the document: " + problem);
                assertFalse(problem.message().startsWith("internal error"), "no internal error: " + problem);
            }
            return;
        }
        PolicyAnalyzer.analyze(policy, PolicyCompiler.compile(policy));
    }
}
