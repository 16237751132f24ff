package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.enforcement.testing.Seeded;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fail-closed program: nothing passes but the management plane's connections, opened by a peer from the network
 * side to an endpoint's protocol and ports, or by the DPU to a peer; a quarantine still comes first; and the
 * firewall moves into and out of it keeping the quarantine.
 */
class FailClosedProgramTest
{
    private static final int TCP = 6;
    private static final int UDP = 17;
    /** The host sits inside the peers' 10.0.0.0/8: it must not count as a peer. */
    private static final List<Prefix> HOST = ManagementPlane.parsePrefixes(List.of("10.0.1.0/24", "2001:db8:1::/64"),
        "host address");
    private static final ManagementPlane PLANE = ManagementPlane.parse(
        List.of("192.0.2.10:tcp/8443", "192.0.2.10:tcp/22", "[2001:db8:ff::10]:tcp/8443", "192.0.2.20:udp/161-162"),
        List.of("10.0.0.0/8", "2001:db8::/32"));

    private static long[] address(final String text)
    {
        final Cidr cidr = Addresses.parseCidr(text);
        return new long[] {cidr.hi(), cidr.lo()};
    }

    private static Decision decide(final FirewallProgram program, final String src, final int srcPort,
        final String dst, final int dstPort, final int protocol)
    {
        final long[] s = address(src);
        final long[] d = address(dst);
        final Decision decision = new Decision();
        program.decide(s[0], s[1], d[0], d[1], srcPort, dstPort, protocol, decision);
        return decision;
    }

    private static FirewallProgram failClosed(final RuleRegistry registry)
    {
        return FirewallProgram.failClosed(PLANE).host(HOST).build(registry);
    }

    @Test
    void onlyTheManagementPlanePasses()
    {
        final RuleRegistry registry = new RuleRegistry();
        final FirewallProgram program = failClosed(registry);
        assertTrue(program.failClosed());
        final int failClosed = registry.existingReservedSlot(RuleRegistry.FAIL_CLOSED);
        assertTrue(failClosed >= 0);

        final Decision in = decide(program, "10.0.2.7", 50_000, "192.0.2.10", 8443, TCP);
        assertEquals(RuleRegistry.MANAGEMENT, in.slot, "a peer reaches the API");
        assertFalse(in.dropped());
        assertFalse(decide(program, "10.0.2.7", 50_000, "192.0.2.10", 22, TCP).dropped(), "and SSH");
        assertFalse(decide(program, "2001:db8:aa::7", 50_000, "2001:db8:ff::10", 8443, TCP).dropped(), "IPv6");
        assertFalse(decide(program, "10.0.2.7", 50_000, "192.0.2.20", 162, UDP).dropped(), "a port range");
        assertFalse(decide(program, "192.0.2.10", 41_000, "10.0.2.7", 443, TCP).dropped(),
            "the DPU reaches its peers (policy service, verifier)");

        for (final Decision out : new Decision[] {
            decide(program, "10.0.2.7", 50_000, "192.0.2.10", 8080, TCP),
            decide(program, "10.0.2.7", 50_000, "192.0.2.10", 8443, UDP),
            decide(program, "10.0.2.7", 50_000, "192.0.2.11", 8443, TCP),
            decide(program, "203.0.113.9", 50_000, "192.0.2.10", 8443, TCP),
            decide(program, "10.0.1.5", 50_000, "192.0.2.10", 8443, TCP),
            decide(program, "2001:db8:1::5", 50_000, "2001:db8:ff::10", 8443, TCP),
            decide(program, "192.0.2.10", 41_000, "10.0.1.5", 443, TCP),
            decide(program, "10.0.2.7", 50_000, "10.0.1.5", 80, TCP),
            decide(program, "203.0.113.9", 8, "10.0.1.5", 0, 1)})
        {
            assertEquals(failClosed, out.slot);
            assertEquals(FlowTable.FLAG_DECIDED | FlowTable.FLAG_DROP, out.flags);
        }
        assertEquals("fail-closed", registry.entry(failClosed).qualifiedName());
        assertEquals("fail-closed", program.policy().name());
    }

    /** On random packets over a small universe of addresses: allowed exactly when the plane says so. */
    @Test
    void decidesAsTheManagementPlaneReads()
    {
        final String[] universe = {"10.0.1.5", "10.0.1.255", "10.0.2.7", "10.255.0.1", "11.0.0.1", "192.0.2.10",
            "192.0.2.11", "192.0.2.20", "2001:db8:1::5", "2001:db8:aa::7", "2001:db8:ff::10", "2001:db9::1"};
        final AddressSet peers = AddressSet.of(List.of(Prefix.of(Addresses.parseCidr("10.0.0.0/8")),
            Prefix.of(Addresses.parseCidr("2001:db8::/32"))));
        final AddressSet host = AddressSet.of(HOST);
        final FirewallProgram program = failClosed(new RuleRegistry());
        final int[] protocols = {TCP, UDP, 1};
        final int[] ports = {0, 22, 161, 162, 163, 443, 8443, 65535};
        Seeded.forEachTry("fail-closed decides as its management plane", 3000, random ->
        {
            final String src = universe[random.nextInt(universe.length)];
            final String dst = universe[random.nextInt(universe.length)];
            final int protocol = protocols[random.nextInt(protocols.length)];
            final int srcPort = ports[random.nextInt(ports.length)];
            final int dstPort = ports[random.nextInt(ports.length)];
            final long[] s = address(src);
            final long[] d = address(dst);
            final boolean peerSource = peers.contains(s[0], s[1]) && !host.contains(s[0], s[1]);
            final boolean peerDestination = peers.contains(d[0], d[1]) && !host.contains(d[0], d[1]);
            boolean expected = false;
            for (final ManagementPlane.Endpoint endpoint : PLANE.endpoints())
            {
                final boolean protocolMatches = endpoint.protocol() == protocol;
                final Prefix address = endpoint.address();
                final boolean toEndpoint = AddressSet.of(List.of(address)).contains(d[0], d[1]);
                final boolean fromEndpoint = AddressSet.of(List.of(address)).contains(s[0], s[1]);
                expected |= peerSource && toEndpoint && protocolMatches && dstPort >= endpoint.portLo() &&
                    dstPort <= endpoint.portHi();
                expected |= fromEndpoint && peerDestination && protocolMatches;
            }
            final Decision decision = decide(program, src, srcPort, dst, dstPort, protocol);
            assertEquals(expected, !decision.dropped(), src + ":" + srcPort + " -> " + dst + ":" + dstPort + " proto " +
                protocol);
        });
    }

    @Test
    void aQuarantineComesFirstEvenForManagement()
    {
        final FirewallProgram program = FirewallProgram.failClosed(PLANE).host(HOST)
            .quarantine(new Quarantine(List.of(Quarantine.Target.parse("10.0.2.0/24")), List.of()))
            .build(new RuleRegistry());
        assertEquals(RuleRegistry.QUARANTINE, decide(program, "10.0.2.7", 50_000, "192.0.2.10", 8443, TCP).slot);
        assertFalse(decide(program, "10.0.3.7", 50_000, "192.0.2.10", 8443, TCP).dropped());
    }

    @Test
    void aFirewallListsTheFailClosedSlotOnlyOnceItFailsClosed() throws Exception
    {
        final Firewall firewall = new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK);
        assertEquals(-1, firewall.registry().existingReservedSlot(RuleRegistry.FAIL_CLOSED));
        assertFalse(firewall.registry().entries().stream().anyMatch(e -> e.name().equals("fail-closed")),
            "replay's rule list stays as it was");
        firewall.failClose(PLANE);
        assertTrue(firewall.registry().existingReservedSlot(RuleRegistry.FAIL_CLOSED) >= 0);
    }

    @Test
    void theFirewallMovesInAndOutOfFailClosedKeepingTheQuarantine() throws Exception
    {
        final Firewall firewall = Firewall.failClosed(PLANE, HOST, Firewall.EstablishedFlows.KEEP);
        assertTrue(firewall.program().failClosed());
        assertTrue(firewall.program().recheck(), "fail-closed re-checks flows whatever the mode");

        final FirewallProgram quarantinedWhileClosed = firewall.quarantine(new Quarantine(
            List.of(Quarantine.Target.parse("10.0.2.0/24")), List.of()));
        assertTrue(quarantinedWhileClosed.failClosed(), "a quarantine keeps the management plane");
        assertFalse(decide(quarantinedWhileClosed, "10.0.3.7", 1, "192.0.2.10", 8443, TCP).dropped());
        assertTrue(decide(quarantinedWhileClosed, "10.0.2.7", 1, "192.0.2.10", 8443, TCP).dropped());

        final FirewallProgram enforcing = firewall.install(policy());
        assertFalse(enforcing.failClosed());
        assertEquals("lab", enforcing.policy().name());
        assertTrue(enforcing.quarantined().contains(address("10.0.2.7")[0], address("10.0.2.7")[1]),
            "the quarantine carried over into the policy");
        assertFalse(enforcing.recheck(), "the policy's program keeps flows, as configured");

        final FirewallProgram closedAgain = firewall.failClose(PLANE);
        assertTrue(closedAgain.failClosed());
        assertTrue(closedAgain.quarantined().contains(address("10.0.2.7")[0], address("10.0.2.7")[1]));
        assertEquals(enforcing.generation() + 1, closedAgain.generation());
    }

    @Test
    void aPreparedProgramIsPublishedOnlyIfNothingChangedInBetween() throws Exception
    {
        final Firewall firewall = Firewall.failClosed(PLANE, HOST, Firewall.EstablishedFlows.RECHECK);
        final FirewallProgram prepared = firewall.prepare(policy());
        assertTrue(firewall.program().failClosed(), "preparing changes nothing");
        firewall.quarantine(new Quarantine(List.of(Quarantine.Target.parse("10.0.2.0/24")), List.of()));
        final IllegalStateException stale = assertThrows(IllegalStateException.class, () -> firewall.publish(prepared));
        assertTrue(stale.getMessage().contains("prepare it again"), stale.getMessage());
        assertTrue(firewall.program().failClosed());
        final FirewallProgram again = firewall.prepare(policy());
        assertEquals(again, firewall.publish(again));
        assertEquals("lab", firewall.program().policy().name());
    }

    @Test
    void managementAddressesParseWithTheirPortsAndSayWhatIsWrong()
    {
        final ManagementPlane.Endpoint endpoint = ManagementPlane.Endpoint.parse("[2001:db8::10]:tcp/8443-8444");
        assertEquals(TCP, endpoint.protocol());
        assertEquals(8443, endpoint.portLo());
        assertEquals(8444, endpoint.portHi());
        assertEquals(-1, ManagementPlane.Endpoint.parse("192.0.2.10").protocol());
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> ManagementPlane.Endpoint.parse("192.0.2.10:tcp/70000"));
        assertTrue(bad.getMessage().contains("invalid port range '70000' in '192.0.2.10:tcp/70000'") &&
            bad.getMessage().contains("expected ADDRESS[/LENGTH][:PROTO[/PORT[-PORT]]]"), bad.getMessage());
        final IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
            () -> ManagementPlane.parse(List.of(), List.of("10.0.0.0/8")));
        assertTrue(none.getMessage().contains("a DPU needs at least one"), none.getMessage());
        final IllegalArgumentException peer = assertThrows(IllegalArgumentException.class,
            () -> ManagementPlane.parse(List.of("192.0.2.10"), List.of("10.0.0.0/33")));
        assertTrue(peer.getMessage().startsWith("invalid management peer '10.0.0.0/33'"), peer.getMessage());
    }

    private static CompiledPolicy policy() throws Exception
    {
        return PolicyCompiler.compile(PolicyParser.parse("lab.yaml", """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: lab}
            inventory:
              workloads:
                - {name: server, labels: {app: server}, addresses: [10.0.1.5]}
            tiers:
              application:
                - {name: web, from: {any: true}, to: {entity: host}, protocol: tcp, ports: [443], action: allow}
            """));
    }
}
