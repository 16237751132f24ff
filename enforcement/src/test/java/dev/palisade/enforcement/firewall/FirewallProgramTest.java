package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named cases of the program's semantics; {@link FirewallProgramPropertyTest} covers random ones. */
class FirewallProgramTest
{
    private static final long MAPPED = 0x0000_FFFF_0000_0000L;
    private static final long WEB = MAPPED | 0x0A00_010AL;
    private static final long DB = MAPPED | 0x0A00_020AL;
    private static final long OUTSIDE = MAPPED | 0x0808_0808L;

    private static FirewallProgram program(final String tiers) throws Exception
    {
        final CompiledPolicy policy = PolicyCompiler.compile(PolicyParser.parse("p.yaml", """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: p}
            inventory:
              workloads:
                - {name: web-1, labels: {app: web}, addresses: [10.0.1.10, "2001:db8::10"]}
                - {name: db-1, labels: {app: db}, addresses: [10.0.2.10]}
            """ + tiers));
        return new FirewallProgram.Builder(policy).build(new RuleRegistry());
    }

    private static Decision decide(final FirewallProgram program, final long srcHi, final long src, final long dst,
        final int srcPort, final int dstPort, final int protocol)
    {
        final Decision d = new Decision();
        program.decide(srcHi, src, 0, dst, srcPort, dstPort, protocol, d);
        return d;
    }

    @Test
    void passEndsItsTierAndALaterTierDecides() throws Exception
    {
        final FirewallProgram p = program("""
            tiers:
              platform:
                - {name: to-app-tier, from: {labels: {app: web}}, to: {any: true}, action: pass}
                - {name: block-all, from: {any: true}, to: {any: true}, action: deny}
              application:
                - {name: web-db, from: {labels: {app: web}}, to: {labels: {app: db}}, protocol: tcp, ports: [5432],
                   action: allow}
            """);
        assertEquals(2, decide(p, 0, WEB, DB, 1, 5432, 6).rule, "pass skips block-all, application allows");
        assertEquals(RuleRegistry.DEFAULT_DENY, decide(p, 0, WEB, DB, 1, 22, 6).slot, "then default deny");
        assertEquals(1, decide(p, 0, DB, WEB, 1, 5432, 6).rule, "db is not passed: block-all");
    }

    @Test
    void icmpRulesMatchTypeAndCode() throws Exception
    {
        final FirewallProgram p = program("""
            tiers:
              baseline:
                - {name: ping, from: {any: true}, to: {labels: {app: web}}, protocol: icmp, icmp: {type: 8}, action: allow}
                - {name: unreach, from: {any: true}, to: {labels: {app: web}}, protocol: icmp, icmp: {type: 3, code: 4},
                   action: allow}
                - {name: ping6, from: {any: true}, to: {labels: {app: web}}, protocol: icmpv6, icmp: {type: 128},
                   action: allow}
            """);
        assertEquals(0, decide(p, 0, OUTSIDE, WEB, 8, 0, 1).rule);
        assertEquals(0, decide(p, 0, OUTSIDE, WEB, 8, 7, 1).rule, "any code");
        assertEquals(1, decide(p, 0, OUTSIDE, WEB, 3, 4, 1).rule);
        assertEquals(RuleRegistry.DEFAULT_DENY, decide(p, 0, OUTSIDE, WEB, 3, 3, 1).slot);
        assertEquals(RuleRegistry.DEFAULT_DENY, decide(p, 0, OUTSIDE, WEB, 13, 0, 1).slot);
        final Decision v6 = new Decision();
        p.decide(0x2001_0db8_0000_0000L, 0x99, 0x2001_0db8_0000_0000L, 0x10, 128, 0, 58, v6);
        assertEquals(2, v6.rule, "ICMPv6 echo to web-1's IPv6 address");
    }

    @Test
    void rejectAndDenyAreBothDropsOnlyRejectOwesAnAnswer() throws Exception
    {
        final FirewallProgram p = program("""
            tiers:
              application:
                - {name: no-ssh, from: {any: true}, to: {labels: {app: db}}, protocol: tcp, ports: [22], action: reject}
                - {name: no-telnet, from: {any: true}, to: {labels: {app: db}}, protocol: tcp, ports: [23], action: deny}
            """);
        assertEquals(FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP | FlowTable.FLAG_REJECT,
            decide(p, 0, WEB, DB, 1, 22, 6).flags);
        assertEquals(FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP, decide(p, 0, WEB, DB, 1, 23, 6).flags);
        assertEquals(RuleRegistry.DEFAULT_ALLOW, decide(p, 0, OUTSIDE, MAPPED | 0x0909_0909L, 1, 22, 6).slot,
            "no workload involved: default allow");
    }

    @Test
    void aPolicyThatExpandsBeyondTheLimitIsRefusedNamingTheRule() throws Exception
    {
        final StringBuilder cidrs = new StringBuilder();
        for (int i = 0; i < 1500; i++)
        {
            cidrs.append(i == 0 ? "" : ", ").append("10.").append(100 + i / 250).append('.').append(i % 250).append(".7");
        }
        final String tiers = "tiers:\n  application:\n    - {name: huge, from: {cidrs: [" + cidrs + "]}, to: {cidrs: [" +
            cidrs + "]}, protocol: tcp, ports: [1, 3, 5], action: allow}\n";
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> program(tiers));
        assertTrue(e.getMessage().contains("expands to more than 2000000 classifier rules at rule application/huge " +
            "(1500 source prefixes × 1500 destination prefixes × 3 port ranges)"), e.getMessage());
    }

    @Test
    void ruleSlotsAreStableAcrossVersionsByTierAndName() throws Exception
    {
        final RuleRegistry registry = new RuleRegistry();
        final CompiledPolicy v1 = PolicyCompiler.compile(PolicyParser.parse("v1.yaml", """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: p}
            inventory: {workloads: []}
            tiers:
              application:
                - {name: a, from: {any: true}, to: {any: true}, protocol: tcp, action: allow}
                - {name: b, from: {any: true}, to: {any: true}, protocol: udp, action: allow}
            """));
        final CompiledPolicy v2 = PolicyCompiler.compile(PolicyParser.parse("v2.yaml", """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: p}
            inventory: {workloads: []}
            tiers:
              application:
                - {name: c, from: {any: true}, to: {any: true}, protocol: icmp, action: allow}
                - {name: b, from: {any: true}, to: {any: true}, protocol: udp, action: allow}
            """));
        final FirewallProgram first = new FirewallProgram.Builder(v1).build(registry);
        final FirewallProgram second = new FirewallProgram.Builder(v2).generation(2).build(registry);
        assertEquals(first.ruleSlot(1), second.ruleSlot(1), "b keeps its counters");
        assertEquals(List.of("default-allow", "default-deny", "quarantine", "management", "application/a",
            "application/b", "application/c"), registry.entries().stream().map(RuleRegistry.Entry::qualifiedName).toList());
        assertEquals(FirewallProgram.epochOf(2), second.epoch());
        assertTrue(first.epoch() != second.epoch() && second.epoch() >= 1 && second.epoch() <= 15);
    }
}
