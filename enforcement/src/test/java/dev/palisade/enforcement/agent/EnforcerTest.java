package dev.palisade.enforcement.agent;

import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.RuleSet;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.firewall.Decision;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.FirewallProgram;
import dev.palisade.enforcement.firewall.ManagementPlane;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.firewall.RuleRegistry;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A verified release becomes what the data plane enforces: its policy with {@code host} bound to this DPU's host
 * addresses, and its DPI rules; a release whose policy or rules do not load is refused with its reason and changes
 * nothing; fail-closed is where an enforcer starts and what it falls back to.
 */
class EnforcerTest
{
    private static final List<Prefix> HOST = ManagementPlane.parsePrefixes(List.of("10.0.1.0/24"), "host address");
    private static final ManagementPlane PLANE = ManagementPlane.parse(List.of("192.0.2.10:tcp/8443"),
        List.of("198.51.100.0/24"));

    private final Releases releases = new Releases();
    private final Enforcer enforcer = new Enforcer(HOST, PLANE, Firewall.EstablishedFlows.RECHECK,
        DpiConfig.defaults(), RuleVariables.defaults());

    @AfterEach
    void close()
    {
        enforcer.close();
    }

    private static Decision decide(final FirewallProgram program, final String src, final String dst,
        final int dstPort)
    {
        final Cidr s = Addresses.parseCidr(src);
        final Cidr d = Addresses.parseCidr(dst);
        final Decision decision = new Decision();
        program.decide(s.hi(), s.lo(), d.hi(), d.lo(), 40_000, dstPort, 6, decision);
        return decision;
    }

    private Bundle release(final long version, final byte[] policy, final String rules, final int ruleCount)
    {
        return releases.release(version, policy, rules, ruleCount, "labels:site=fra1",
            Releases.NOW.plus(Duration.ofDays(7)));
    }

    @Test
    void anEnforcerStartsFailClosedWithNoRules()
    {
        final Enforcer.Active active = enforcer.active();
        assertTrue(active.failClosed());
        assertEquals(0, active.version());
        assertNull(active.digest());
        assertTrue(enforcer.firewall().program().failClosed());
        assertEquals(0, enforcer.dpi().rules().size());
        assertTrue(decide(enforcer.firewall().program(), "203.0.113.9", "10.0.1.5", 443).dropped());
        assertFalse(decide(enforcer.firewall().program(), "198.51.100.7", "192.0.2.10", 8443).dropped());
    }

    @Test
    void aReleaseBecomesTheProgramWithTheHostBoundAndTheRules() throws Exception
    {
        final Bundle bundle = releases.release(3);
        final Enforcer.Active active = enforcer.apply(bundle);
        assertFalse(active.failClosed());
        assertEquals(3, active.version());
        assertEquals("branch", active.policyName());
        assertArrayEquals(bundle.digest(), active.digest());
        assertEquals(3, active.segmentationRules());
        assertEquals(2, active.dpiRules());
        assertEquals(active, enforcer.active());

        final FirewallProgram program = enforcer.firewall().program();
        assertFalse(program.failClosed());
        assertEquals(active.generation(), program.generation());
        assertEquals(HOST, program.host());
        assertEquals(0, decide(program, "203.0.113.9", "10.0.1.5", 443).rule, "to-host: host is 10.0.1.0/24 here");
        assertEquals(2, decide(program, "203.0.113.9", "10.0.1.77", 22).rule, "host-quiet");
        assertEquals(RuleRegistry.DEFAULT_ALLOW, decide(program, "203.0.113.9", "10.0.2.5", 22).slot,
            "not the host");
        assertEquals(1, decide(program, "203.0.113.9", "10.0.5.10", 80).rule, "to-web");
        assertEquals(2, enforcer.dpi().rules().size());
    }

    @Test
    void aPolicyThatDoesNotReadIsRefusedAndChangesNothing() throws Exception
    {
        enforcer.apply(releases.release(1));
        final FirewallProgram before = enforcer.firewall().program();
        final RuleSet rulesBefore = enforcer.dpi().rules();
        final Enforcer.EnforcementException e = assertThrows(Enforcer.EnforcementException.class,
            () -> enforcer.apply(release(2, "palisade-compiled-policy 9\n".getBytes(StandardCharsets.UTF_8),
                Releases.RULES, 2)));
        assertEquals(Enforcer.Reason.POLICY_INVALID, e.reason());
        assertEquals("policy_invalid", e.reason().label());
        assertTrue(e.getMessage().contains("the policy of release 2") && e.getMessage().contains("line 1") &&
            e.getMessage().contains("the previous policy stays"), e.getMessage());
        assertSame(before, enforcer.firewall().program());
        assertSame(rulesBefore, enforcer.dpi().rules());
        assertEquals(1, enforcer.active().version());
    }

    @Test
    void aPolicyTooBroadForTheDataPlaneIsRefusedAfterTheRulesLoadedAndChangesNothing() throws Exception
    {
        enforcer.apply(releases.release(1));
        final FirewallProgram before = enforcer.firewall().program();
        final RuleSet rulesBefore = enforcer.dpi().rules();
        final StringBuilder cidrs = new StringBuilder();
        for (int i = 0; i < 1500; i++)
        {
            cidrs.append(i == 0 ? "" : ", ").append("10.").append(100 + i / 250).append('.').append(i % 250)
                .append(".7");
        }
        final byte[] huge = Releases.compile("""
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: branch}
            inventory: {workloads: []}
            tiers:
              application:
                - {name: huge, from: {cidrs: [%s]}, to: {cidrs: [%s]}, protocol: tcp, ports: [1, 3, 5],
                   action: allow}
            """.formatted(cidrs, cidrs)).encoded();
        final Enforcer.EnforcementException e = assertThrows(Enforcer.EnforcementException.class,
            () -> enforcer.apply(release(2, huge, Releases.RULES, 2)));
        assertEquals(Enforcer.Reason.POLICY_INVALID, e.reason());
        assertTrue(e.getMessage().contains("application/huge"), e.getMessage());
        assertSame(before, enforcer.firewall().program());
        assertSame(rulesBefore, enforcer.dpi().rules(), "the rules were not swapped in either");
    }

    @Test
    void rulesThatDoNotLoadAreRefusedNamingThemAndChangeNothing() throws Exception
    {
        enforcer.apply(releases.release(1));
        final FirewallProgram before = enforcer.firewall().program();
        final RuleSet rulesBefore = enforcer.dpi().rules();
        final byte[] policy = Releases.compile(Releases.POLICY).encoded();

        final Enforcer.EnforcementException invalid = assertThrows(Enforcer.EnforcementException.class,
            () -> enforcer.apply(release(2, policy, Releases.RULES + "alert tcp any any -> (sid:3;)\n", 3)));
        assertEquals(Enforcer.Reason.RULES_INVALID, invalid.reason());
        assertTrue(invalid.getMessage().startsWith("1 DPI rule of release 2") &&
            invalid.getMessage().contains("line 3") && invalid.getMessage().contains("previous policy and rules stay"),
            invalid.getMessage());

        final Enforcer.EnforcementException miscounted = assertThrows(Enforcer.EnforcementException.class,
            () -> enforcer.apply(release(2, policy, Releases.RULES, 5)));
        assertEquals(Enforcer.Reason.RULES_INVALID, miscounted.reason());
        assertTrue(miscounted.getMessage().contains("counts 5 DPI rules but 2 were found"), miscounted.getMessage());

        assertSame(before, enforcer.firewall().program(), "the policy was fine, and still not installed");
        assertSame(rulesBefore, enforcer.dpi().rules());
        assertEquals(1, enforcer.active().version());
    }

    @Test
    void failingClosedDropsThePolicyAndTheRulesButKeepsTheQuarantine() throws Exception
    {
        enforcer.apply(releases.release(1));
        enforcer.firewall().quarantine(new Quarantine(List.of(Quarantine.Target.parse("workload=web-1")), List.of()));
        final Enforcer.Active closed = enforcer.failClosed();
        assertTrue(closed.failClosed());
        assertEquals(enforcer.firewall().program().generation(), closed.generation());
        assertEquals(0, enforcer.dpi().rules().size());
        final FirewallProgram program = enforcer.firewall().program();
        assertTrue(program.failClosed());
        assertEquals(RuleRegistry.QUARANTINE, decide(program, "198.51.100.7", "10.0.5.10", 80).slot,
            "web-1's address is still isolated");

        final Enforcer.Active again = enforcer.apply(releases.release(2));
        assertEquals(2, again.version());
        assertEquals(RuleRegistry.QUARANTINE, decide(enforcer.firewall().program(), "198.51.100.7", "10.0.5.10",
            80).slot, "and stays so under the next release");
    }
}
