package dev.palisade.policy;

import dev.palisade.policy.model.Policy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static dev.palisade.policy.PolicyRejectionTest.fixture;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Valid documents, mutated at random (characters and YAML tokens deleted, inserted, replaced; lines duplicated), never
 * make the parser throw anything but {@link PolicyException}, and it always returns promptly. Seeded, so a failure
 * reproduces; the failing document is in the message. (A coverage-guided Jazzer target would go further.)
 */
class PolicyParserMutationTest
{
    private static final long SEED = 0x5EED_CAFEL;
    private static final int DOCUMENTS = 4_000;
    /** Far above the few milliseconds a parse takes; only a hang or a blow-up comes near it. */
    private static final long SLOW_PARSE_NS = Duration.ofSeconds(2).toNanos();

    private static final List<String> TOKENS = List.of(
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "\n", "\n  ", "\n- ", " ", "\t", "'", "\"", "#", "&a ", "*a",
        "&b ", "*b", "!!str ", "!!int ", "!!map ", "!foo ", "? ", "|", ">", "~", "null", "true", "yes", "0x1F", "-1",
        "99999", "1e9", "::", "/", "/129", ".", "\\", "<<: ", "---\n", "...\n", "%YAML 1.2\n", "%TAG ! !x\n", "\u0000",
        "\u0007", "\uFEFF", "\uD800", "\uDC00", "\u00E9", "\u202E", "\uD83D\uDE00", "\r", "\r\n", "@", "`", "%",
        "name", "labels", "group", "cidrs", "any", "entity", "ports", "icmp", "protocol", "action", "tiers",
        "a".repeat(70),
        "[[[[[[[[[[[[[[[[[[[[", "{a: *a}", "&a [*a]", "10.0.0.0/8", "2001:db8::/32", "\"8000-8080\"");

    @Test
    void mutatedDocumentsAreRejectedOrAcceptedButNeverCrashTheParser() throws IOException
    {
        final List<String> seeds = List.of(
            Files.readString(fixture("valid/payments.yaml")),
            Files.readString(fixture("valid/payments.json")),
            Files.readString(fixture("many-problems.yaml")),
            Files.readString(fixture("reject/alias-bomb.yaml")));
        final SplittableRandom random = new SplittableRandom(SEED);
        assertTimeoutPreemptively(Duration.ofMinutes(2), () ->
        {
            int accepted = 0;
            int rejected = 0;
            for (int i = 0; i < DOCUMENTS; i++)
            {
                final String original = seeds.get(random.nextInt(seeds.size()));
                final String text = mutate(original, random, 1 + random.nextInt(6));
                final long startNs = System.nanoTime();
                try
                {
                    final Policy policy = PolicyParser.parse("m.yaml", text);
                    assertNotNull(policy);
                    accepted++;
                }
                catch (final PolicyException e)
                {
                    assertFalse(e.problems().isEmpty());
                    final long lines = text.lines().count() + 1;
                    for (final PolicyProblem problem : e.problems())
                    {
                        assertTrue(problem.at().line() >= 1 && problem.at().line() <= lines &&
                            problem.at().column() >= 1, () -> problem + " outside the document\n" + text);
                        assertFalse(problem.message().isBlank());
                        // The parser turns its own bugs into this problem (fail closed); here they must not occur.
                        assertFalse(problem.message().startsWith("internal error"), () -> problem + "\n" + text);
                        if (System.getenv("PALISADE_MUTATION_STATS") != null)
                        {
                            System.out.println("PROBLEM " + problem.message().replaceAll("'[^']*'", "_"));
                        }
                    }
                    rejected++;
                }
                catch (final Throwable t)
                {
                    fail("document " + i + " (seed " + SEED + ") threw " + t + ":\n" + text, t);
                }
                final long tookNs = System.nanoTime() - startNs;
                if (tookNs > SLOW_PARSE_NS)
                {
                    fail("document " + i + " (seed " + SEED + ") took " + tookNs / 1_000_000 + " ms:\n" + text);
                }
            }
            assertTrue(rejected > DOCUMENTS / 2, "most mutations break a policy: " + rejected);
            assertTrue(accepted > 0, "some mutations (in comments, descriptions) keep it valid: " + accepted);
        });
    }

    private static String mutate(final String text, final SplittableRandom random, final int edits)
    {
        final StringBuilder out = new StringBuilder(text);
        for (int e = 0; e < edits; e++)
        {
            final int at = out.isEmpty() ? 0 : random.nextInt(out.length() + 1);
            switch (random.nextInt(6))
            {
                case 0 -> out.delete(at, Math.min(out.length(), at + 1 + random.nextInt(8)));
                case 1 -> out.insert(at, TOKENS.get(random.nextInt(TOKENS.size())));
                case 2 -> out.insert(at, (char)random.nextInt(0x80));
                case 3 ->
                {
                    if (at < out.length())
                    {
                        final int bound = random.nextBoolean() ? 0x80 : 0x10000;
                        out.setCharAt(at, (char)random.nextInt(bound));
                    }
                }
                case 4 ->
                {
                    // duplicate a line: duplicate keys, duplicate names
                    final int start = out.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
                    final int end = out.indexOf("\n", at);
                    if (end > start)
                    {
                        out.insert(end + 1, out.substring(start, end + 1));
                    }
                }
                default ->
                {
                    // replace a run by a token
                    final int end = Math.min(out.length(), at + random.nextInt(4));
                    out.replace(at, end, TOKENS.get(random.nextInt(TOKENS.size())));
                }
            }
        }
        return out.toString();
    }
}
