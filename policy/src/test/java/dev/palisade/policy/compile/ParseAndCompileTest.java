package dev.palisade.policy.compile;

import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Policy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec's example, written as YAML and as JSON, compiles to the same bytes; the result is what the spec says. */
class ParseAndCompileTest
{
    private static Path fixture(final String name) throws Exception
    {
        return Path.of(ParseAndCompileTest.class.getResource("/policies/" + name).toURI());
    }

    @Test
    void yamlAndJsonCompileToTheSameBytes() throws Exception
    {
        final CompiledPolicy yaml = PolicyCompiler.compile(PolicyParser.parse(fixture("valid/payments.yaml")));
        final CompiledPolicy json = PolicyCompiler.compile(PolicyParser.parse(fixture("valid/payments.json")));
        assertArrayEquals(yaml.encoded(), json.encoded());
        assertEquals(yaml.digest(), json.digest());
    }

    @Test
    void specExampleCompilesAsTheSpecDescribes() throws Exception
    {
        final Policy policy = PolicyParser.parse(fixture("valid/payments.yaml"));
        final CompiledPolicy compiled = PolicyCompiler.compile(policy);
        assertEquals(List.of("dns", "web-to-db", "db-egress", "ping"),
            compiled.rules().stream().map(CompiledPolicy.CompiledRule::name).toList());
        final CompiledPolicy.CompiledRule webToDb = compiled.rules().get(1);
        final AddressSet web = compiled.sets().get(webToDb.sourceSet());
        assertTrue(web.contains(0, Cidr.IPV4_MAPPED | 0x0A00_010AL), "web-1's IPv4 address");
        assertTrue(web.contains(0x2001_0db8_0000_0000L, 0x10), "web-1's IPv6 address");
        assertFalse(web.contains(0, Cidr.IPV4_MAPPED | 0x0A00_020AL), "db-1 is not web");
        final AddressSet world = compiled.sets().get(compiled.rules().get(2).destinationSet());
        assertFalse(world.contains(0, Cidr.IPV4_MAPPED | 0xC0A8_0001L), "corp (192.168/16) is in the inventory");
        assertTrue(world.contains(0, Cidr.IPV4_MAPPED | 0x0101_0101L));
        assertTrue(compiled.rules().get(2).audit());
        assertEquals(8, compiled.rules().get(3).icmpType());
    }
}
