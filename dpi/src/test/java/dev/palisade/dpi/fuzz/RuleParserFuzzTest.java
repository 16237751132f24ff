package dev.palisade.dpi.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a rule file (rule sets are uploaded through the policy API): every rule ends loaded, skipped with
 * a keyword, or invalid with a message, and nothing throws. In {@code mvn test} only the seeds in
 * {@code RuleParserFuzzTestInputs/parseArbitraryRule} run; {@code JAZZER_FUZZ=1} fuzzes.
 */
class RuleParserFuzzTest
{
    private static final RuleParser PARSER = new RuleParser(RuleVariables.defaults());

    @FuzzTest(maxDuration = "30s")
    void parseArbitraryRule(final byte[] input)
    {
        final List<LoadResult> results = RuleFiles.parse(PARSER, new String(input, StandardCharsets.UTF_8), "fuzz.rules");
        for (final LoadResult result : results)
        {
            assertTrue(result.line() >= 1, "located: " + result);
            switch (result)
            {
                case LoadResult.Skipped skipped -> assertFalse(skipped.keyword().isBlank(), "names its keyword");
                case LoadResult.Invalid invalid -> assertFalse(invalid.message().isBlank(), "says why");
                case LoadResult.Loaded loaded -> assertTrue(loaded.rule().sid() > 0, "a loaded rule has a sid");
            }
        }
    }
}
