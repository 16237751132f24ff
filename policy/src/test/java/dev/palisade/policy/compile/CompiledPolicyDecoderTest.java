package dev.palisade.policy.compile;

import dev.palisade.policy.PolicyParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What a DPU reads from a bundle: every valid policy we have decodes to the policy that was compiled, and bytes that
 * are not exactly the canonical form are refused with the line.
 */
class CompiledPolicyDecoderTest
{
    static List<Path> policies() throws Exception
    {
        final Path valid = Path.of(CompiledPolicyDecoderTest.class.getResource("/policies/valid").toURI());
        try (Stream<Path> files = Files.list(valid))
        {
            final List<Path> all = new java.util.ArrayList<>(files.filter(p -> p.toString().endsWith(".yaml") ||
                p.toString().endsWith(".json")).sorted().toList());
            all.add(Path.of("../examples/policies/branch.yaml"));
            return all;
        }
    }

    @Test
    void everyCompiledPolicyDecodesToItself() throws Exception
    {
        final List<Path> files = policies();
        assertFalse(files.isEmpty());
        for (final Path file : files)
        {
            final CompiledPolicy compiled = PolicyCompiler.compile(PolicyParser.parse(file));
            final CompiledPolicy decoded = CompiledPolicyDecoder.decode(compiled.encoded());
            assertEquals(compiled.name(), decoded.name(), file.toString());
            assertEquals(compiled.sets(), decoded.sets(), file.toString());
            assertEquals(compiled.rules(), decoded.rules(), file.toString());
            assertEquals(compiled.selected(), decoded.selected(), file.toString());
            assertEquals(compiled.workloads(), decoded.workloads(), file.toString());
            assertEquals(compiled.digest(), decoded.digest(), file.toString());
            assertArrayEquals(compiled.encoded(), decoded.encoded(), file.toString());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "palisade-compiled-policy 2\\n|line 1: expected 'palisade-compiled-policy 1'",
        "palisade-compiled-policy 1\\nname x\\n|line 3: expected set 0 (host)",
        "palisade-compiled-policy 1\\nname x\\nset 0\\nselected\\n|line 3: set 0 is the host set",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nset 2\\nselected\\n|line 4: expected set 1",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nrule 0 application r allow from 0 to 3 proto 6\\n" +
            "selected\\n|line 4: destination set 3 is outside 0..0",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nrule 0 middle r allow from 0 to 0 proto 6\\n" +
            "selected\\n|line 4: unknown tier 'middle'",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nrule 0 application r allow from 0 to 0 proto 6 port 9-2" +
            "\\nselected\\n|line 4: port range end 2 is outside 9..65535",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nselected 00000000000000000000ffff0a000000/129\\n|" +
            "line 4: prefix length 129 is outside 0..128",
        "palisade-compiled-policy 1\\nname x\\nset 0 host 00000000000000000000ffff0a000001/120\\nselected\\n|" +
            "line 3: not in canonical form",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nselected\\nworkload w label a=%4 at\\n|" +
            "line 5: a truncated %-escape",
        "palisade-compiled-policy 1\\nname x\\nset 0 host\\nselected|line 1: does not end with a newline",
    })
    void notCanonicalBytesAreRefusedWithTheLine(final String text, final String message)
    {
        final CompiledPolicyDecoder.FormatException e = assertThrows(CompiledPolicyDecoder.FormatException.class,
            () -> CompiledPolicyDecoder.decode(text.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8)));
        assertEquals(message, e.getMessage().substring(0, Math.min(e.getMessage().length(), message.length())),
            e.getMessage());
    }
}
