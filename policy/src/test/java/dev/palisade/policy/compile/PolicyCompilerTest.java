package dev.palisade.policy.compile;

import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.Selector;
import dev.palisade.policy.model.SourceLocation;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyCompilerTest
{
    private static final SourceLocation AT = new SourceLocation("test", 1, 1);

    static Cidr v4(final int a, final int b, final int c, final int d, final int length)
    {
        final long address = ((long)a << 24) | (b << 16) | (c << 8) | d;
        return new Cidr(0, Cidr.IPV4_MAPPED | address, Cidr.IPV4_BASE + length, true,
            a + "." + b + "." + c + "." + d + "/" + length);
    }

    static Rule rule(final String name, final Selector from, final Selector to, final int protocol,
        final List<Rule.PortRange> ports, final Rule.Action action)
    {
        return new Rule(name, from, to, protocol, ports, null, action, false, false, AT);
    }

    static Policy policy(final Map<String, String> webLabels)
    {
        final Inventory inventory = new Inventory(
            List.of(
                new Inventory.WorkloadEntry("web-1", webLabels, List.of(v4(10, 0, 1, 10, 32)), AT),
                new Inventory.WorkloadEntry("web-2", webLabels, List.of(v4(10, 0, 1, 11, 32)), AT),
                new Inventory.WorkloadEntry("db-1", Map.of("app", "db"), List.of(v4(10, 0, 2, 10, 32)), AT)),
            List.of(new Inventory.GroupEntry("corp", List.of(v4(192, 168, 0, 0, 16)), Map.of(), AT)));
        final Map<Policy.TierName, List<Rule>> tiers = new EnumMap<>(Policy.TierName.class);
        tiers.put(Policy.TierName.APPLICATION, List.of(
            rule("web-to-db", new Selector.Labels(Map.of("app", "web"), AT), new Selector.Workload("db-1", AT),
                Rule.TCP, List.of(new Rule.PortRange(5432, 5432)), Rule.Action.ALLOW),
            rule("db-egress", new Selector.Workload("db-1", AT), new Selector.Entity(Selector.Entity.Kind.WORLD, AT),
                Rule.ANY_PROTOCOL, List.of(), Rule.Action.DENY)));
        tiers.put(Policy.TierName.EMERGENCY, List.of(
            rule("dns", new Selector.Entity(Selector.Entity.Kind.HOST, AT), new Selector.Cidrs(
                List.of(v4(10, 0, 0, 53, 32)), AT), Rule.UDP, List.of(new Rule.PortRange(53, 53)), Rule.Action.ALLOW)));
        tiers.put(Policy.TierName.BASELINE, List.of(
            rule("corp-any", new Selector.Group("corp", AT), new Selector.Any(AT), Rule.ANY_PROTOCOL, List.of(),
                Rule.Action.PASS)));
        return new Policy("payments", null, inventory, tiers, AT);
    }

    @Test
    void flattensTiersInTheirFixedOrderAndResolvesSelectors()
    {
        final CompiledPolicy compiled = PolicyCompiler.compile(policy(Map.of("app", "web")));
        assertEquals(List.of("dns", "web-to-db", "db-egress", "corp-any"),
            compiled.rules().stream().map(CompiledPolicy.CompiledRule::name).toList());
        final CompiledPolicy.CompiledRule dns = compiled.rules().get(0);
        assertEquals(CompiledPolicy.HOST_SET, dns.sourceSet(), "host stays symbolic, bound per DPU");
        assertEquals(List.of(new Prefix(0, Cidr.IPV4_MAPPED | 0x0A00_0035L, 128)),
            compiled.sets().get(dns.destinationSet()).prefixes());

        final CompiledPolicy.CompiledRule webToDb = compiled.rules().get(1);
        // web-1 and web-2 are 10.0.1.10 and .11: one /127 after normalisation.
        assertEquals(List.of(new Prefix(0, Cidr.IPV4_MAPPED | 0x0A00_010AL, 127)),
            compiled.sets().get(webToDb.sourceSet()).prefixes());

        final AddressSet world = compiled.sets().get(compiled.rules().get(2).destinationSet());
        assertFalse(world.contains(0, Cidr.IPV4_MAPPED | 0x0A00_020AL), "a workload is not world");
        assertFalse(world.contains(0, Cidr.IPV4_MAPPED | 0xC0A8_0101L), "a group's prefix is not world");
        assertTrue(world.contains(0, Cidr.IPV4_MAPPED | 0x0808_0808L));
        assertTrue(world.contains(0x2001_0db8_0000_0000L, 1));

        assertEquals(AddressSet.ALL, compiled.sets().get(compiled.rules().get(3).destinationSet()));
        assertTrue(compiled.selected().contains(0, Cidr.IPV4_MAPPED | 0x0A00_010AL), "web is selected");
        assertTrue(compiled.selected().contains(0, Cidr.IPV4_MAPPED | 0x0A00_020AL), "db is selected");
        assertFalse(compiled.selected().contains(0, Cidr.IPV4_MAPPED | 0xC0A8_0101L), "a CIDR group is no workload");
    }

    @Test
    void sameInputGivesTheSameBytesAndDigest()
    {
        final Map<String, String> ordered = new LinkedHashMap<>();
        ordered.put("app", "web");
        ordered.put("env", "prod");
        final Map<String, String> reversed = new TreeMap<>(java.util.Comparator.reverseOrder());
        reversed.putAll(ordered);
        final CompiledPolicy a = PolicyCompiler.compile(policy(ordered));
        final CompiledPolicy b = PolicyCompiler.compile(policy(reversed));
        assertArrayEquals(a.encoded(), b.encoded());
        assertEquals(a.digest(), b.digest());
        assertEquals(64, a.digest().length());

        final CompiledPolicy other = PolicyCompiler.compile(policy(Map.of("app", "web", "env", "staging")));
        assertEquals(a.rules(), other.rules(), "labels beyond the selector's do not change the rules");
        assertEquals(a.sets(), other.sets());
        assertNotEquals(a.digest(), other.digest(), "but workload labels are in the compiled form: DPUs quarantine " +
            "by label");
        assertEquals(Map.of("app", "web", "env", "staging"), other.workloads().stream()
            .filter(w -> w.name().equals("web-1")).findFirst().orElseThrow().labels());
        final String text = new String(PolicyCompiler.compile(policy(Map.of("app", "web", "team", "red team=1")))
            .encoded(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("workload web-1 label app=web label team=red%20team%3D1 at " +
            "00000000000000000000ffff0a00010a/128\n"), text);
        final Policy changed = new Policy("payments-2", null, policy(ordered).inventory(), policy(ordered).tiers(), AT);
        assertNotEquals(a.digest(), PolicyCompiler.compile(changed).digest());
    }

    @Test
    void encodingIsReadableAndStable()
    {
        final String text = new String(PolicyCompiler.compile(policy(Map.of("app", "web"))).encoded(),
            java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("palisade-compiled-policy 1\nname payments\nset 0 host\n"), text);
        assertTrue(text.contains("rule 0 emergency dns allow from 0 to "), text);
        assertTrue(text.contains(" proto 17 port 53-53\n"), text);
        assertTrue(text.contains("rule 3 baseline corp-any pass from "), text);
    }
}
