package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.firewall.RuleStats;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.PSH;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The firewall in a worker: verdicts kept in conntrack, policy swaps, quarantine, per-rule counters and events. */
class FirewallWorkerTest
{
    private static final int WEB = Frames.ipv4(10, 0, 1, 10);
    private static final int DB = Frames.ipv4(10, 0, 2, 10);
    private static final int INTERNET = Frames.ipv4(93, 184, 216, 34);
    private static final int BASTION = Frames.ipv4(10, 0, 9, 9);
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    private static final String HEADER = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: shop}
        inventory:
          workloads:
            - {name: web-1, labels: {app: web}, addresses: [10.0.1.10]}
            - {name: db-1, labels: {app: db}, addresses: [10.0.2.10]}
        """;
    private static final String POLICY = HEADER + """
        tiers:
          application:
            - {name: web-to-db, from: {labels: {app: web}}, to: {labels: {app: db}}, protocol: tcp, ports: [5432],
               action: allow, log: true}
            - {name: web-egress-check, from: {labels: {app: web}}, to: {entity: world}, protocol: tcp, action: deny,
               audit: true}
            - {name: web-out, from: {labels: {app: web}}, to: {entity: world}, protocol: tcp, ports: [443],
               action: allow}
        """;
    private static final String POLICY_WITHOUT_DB = HEADER + """
        tiers:
          application:
            - {name: web-out, from: {labels: {app: web}}, to: {entity: world}, protocol: tcp, ports: [443],
               action: allow}
        """;

    private final Frames frames = new Frames();
    private final StringWriter eventText = new StringWriter();
    private final JsonLinesEventSink events = new JsonLinesEventSink(eventText);
    private long now = SECOND_NS;
    private Worker worker;

    @AfterEach
    void close()
    {
        if (worker != null)
        {
            worker.close();
        }
    }

    private static CompiledPolicy compile(final String yaml) throws Exception
    {
        return PolicyCompiler.compile(PolicyParser.parse("test.yaml", yaml));
    }

    private Firewall start(final String yaml, final Firewall.EstablishedFlows mode) throws Exception
    {
        return start(yaml, mode, 1000);
    }

    private Firewall start(final String yaml, final Firewall.EstablishedFlows mode, final int repliesPerSecond)
        throws Exception
    {
        final Firewall firewall = new Firewall(compile(yaml), List.of(), mode);
        worker = new Worker(0, new DataPlaneConfig(ConntrackConfig.defaults().withCapacityFlows(256),
            DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS, PacketBatch.DEFAULT_CAPACITY, 8,
            repliesPerSecond), firewall, events);
        return firewall;
    }

    @Test
    void rejectAnswersEachRejectedPacketWithinTheReplyRateLimit() throws Exception
    {
        start(HEADER + """
            tiers:
              application:
                - {name: no-smtp, from: {labels: {app: web}}, to: {entity: world}, protocol: tcp, ports: [25],
                   action: reject}
            """, Firewall.EstablishedFlows.RECHECK, 2);
        final List<byte[]> sent = new java.util.ArrayList<>();
        worker.replies((workerId, timestampNs, frame, length, linkType, networkOffset) ->
        {
            final byte[] copy = new byte[length];
            frame.getBytes(0, copy);
            sent.add(copy);
        });
        for (int port = 40000; port < 40005; port++)
        {
            assertTrue(tcp(WEB, port, INTERNET, 25, SYN, 0));
        }
        assertEquals(2, sent.size(), "a burst of two replies a second");
        assertEquals(3, counter(Counter.REJECT_REPLIES_WITHHELD));
        now += SECOND_NS;
        assertTrue(tcp(WEB, 40100, INTERNET, 25, SYN, 0));
        assertEquals(3, sent.size(), "the budget refills with packet time");
        assertEquals(3, counter(Counter.REJECT_REPLIES));
        assertEquals(6, counter(Counter.REJECTED));

        final org.agrona.concurrent.UnsafeBuffer reply = new org.agrona.concurrent.UnsafeBuffer(sent.get(0));
        final java.nio.ByteOrder network = java.nio.ByteOrder.BIG_ENDIAN;
        assertEquals(INTERNET, reply.getInt(Frames.ETHERNET_LENGTH + 12, network), "from the address the SYN was for");
        assertEquals(WEB, reply.getInt(Frames.ETHERNET_LENGTH + 16, network));
        final int tcp = Frames.ETHERNET_LENGTH + Frames.IPV4_LENGTH;
        assertEquals(25, reply.getShort(tcp, network));
        assertEquals(40000, reply.getShort(tcp + 2, network) & 0xFFFF);
        assertEquals(1001, reply.getInt(tcp + 8, network), "acknowledges the SYN (sequence 1000)");
        assertEquals(0x14, reply.getByte(tcp + 13), "RST, ACK");
    }

    /** Sends one TCP packet through the worker; returns true when it was dropped. */
    private boolean tcp(final int src, final int srcPort, final int dst, final int dstPort, final int flags,
        final int payload)
    {
        now += 1_000_000;
        final int frame = frames.tcp(now, src, srcPort, dst, dstPort, flags, payload);
        return send(frame);
    }

    private boolean udp(final int src, final int srcPort, final int dst, final int dstPort, final int payload)
    {
        now += 1_000_000;
        return send(frames.udp(now, src, srcPort, dst, dstPort, payload));
    }

    private boolean send(final int frame)
    {
        final PacketBatch batch = frames.batch(frame, frame + 1);
        assertEquals(1, worker.process(batch));
        return batch.verdict[0] == PacketBatch.VERDICT_DROP;
    }

    /** A TCP handshake and one request; returns the verdicts. */
    private boolean[] connect(final int client, final int port, final int server, final int serverPort)
    {
        return new boolean[] {
            tcp(client, port, server, serverPort, SYN, 0),
            tcp(server, serverPort, client, port, SYN | ACK, 0),
            tcp(client, port, server, serverPort, ACK, 0),
            tcp(client, port, server, serverPort, PSH | ACK, 100),
        };
    }

    private long counter(final Counter counter)
    {
        return worker.counters().get(counter);
    }

    private RuleStats stats(final Firewall firewall, final String name)
    {
        return RuleStats.sum(firewall.registry(), List.of(worker.firewall().snapshot())).stream()
            .filter(s -> s.qualifiedName().equals(name)).findFirst().orElseThrow();
    }

    private List<String> eventLines()
    {
        events.flush();
        return eventText.toString().lines().toList();
    }

    @Test
    void classifiesOnlyTheFirstPacketAndCountsEveryPacketOfTheFlowAgainstItsRule() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        final boolean[] verdicts = connect(WEB, 40_000, DB, 5432);
        assertEquals("[false, false, false, false]", Arrays.toString(verdicts));
        assertEquals(1, counter(Counter.FLOWS_ALLOWED));
        assertEquals(4, counter(Counter.ALLOWED));

        final RuleStats rule = stats(firewall, "application/web-to-db");
        assertEquals(1, rule.flows());
        assertEquals(4, rule.packets());
        assertEquals(4 * 54 + 100, rule.bytes());
        assertEquals(now >>> 20 << 20, rule.lastHitNs());

        final List<String> lines = eventLines();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("\"event\":\"flow.allowed\",\"reason\":\"new_flow\",\"policy\":\"shop\""),
            lines.get(0));
        assertTrue(lines.get(0).contains("\"rule\":\"application/web-to-db\",\"action\":\"allow\",\"src\":\"10.0.1.10\"," +
            "\"dst\":\"10.0.2.10\",\"protocol\":6,\"src_port\":40000,\"dst_port\":5432"), lines.get(0));
    }

    @Test
    void dropsBothDirectionsOfADeniedFlowAndReportsItOnce() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        assertTrue(udp(WEB, 5000, DB, 53, 20), "web to db on udp/53 is not allowed: db is selected, default deny");
        assertTrue(udp(DB, 53, WEB, 5000, 20), "the reply direction of a denied flow");
        assertTrue(udp(WEB, 5000, DB, 53, 20));
        assertEquals(1, counter(Counter.FLOWS_DENIED));
        assertEquals(3, counter(Counter.DENIED));
        final RuleStats deny = stats(firewall, "default-deny");
        assertEquals(1, deny.flows());
        assertEquals(3, deny.packets());
        final List<String> lines = eventLines();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("\"event\":\"flow.denied\"") &&
            lines.get(0).contains("\"rule\":\"default-deny\",\"action\":\"deny\""), lines.get(0));
    }

    @Test
    void auditRuleCountsWhatItWouldDecideWithoutEnforcingIt() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        final boolean[] verdicts = connect(WEB, 40_001, INTERNET, 443);
        assertEquals("[false, false, false, false]", Arrays.toString(verdicts), "web-out allows; audit only counts");
        final RuleStats audit = stats(firewall, "application/web-egress-check");
        assertEquals(0, audit.flows());
        assertEquals(1, audit.auditFlows());
        assertEquals(4, audit.auditPackets());
        assertEquals(1, stats(firewall, "application/web-out").flows());
        assertEquals(1, counter(Counter.AUDIT_HITS));
        final List<String> lines = eventLines();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("\"event\":\"flow.audit\"") &&
            lines.get(0).contains("\"rule\":\"application/web-egress-check\",\"action\":\"allow\",\"would\":\"deny\""),
            lines.get(0));
    }

    @Test
    void recheckModeCutsAnEstablishedFlowThatTheNewPolicyNoLongerAllows() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        connect(WEB, 40_002, DB, 5432);
        firewall.install(compile(POLICY_WITHOUT_DB));
        assertTrue(tcp(WEB, 40_002, DB, 5432, PSH | ACK, 10), "cut at its next packet");
        assertTrue(tcp(DB, 5432, WEB, 40_002, ACK, 0));
        assertEquals(1, counter(Counter.FLOWS_CUT));
        assertEquals(1, counter(Counter.FLOWS_RECHECKED));
        final RuleStats allow = stats(firewall, "application/web-to-db");
        final RuleStats deny = stats(firewall, "default-deny");
        assertEquals(4, allow.packets(), "packets before the change stay with the rule that allowed them");
        assertEquals(2, deny.packets(), "packets after it count against default deny");
        assertEquals(1, deny.flows());
        assertTrue(eventLines().stream().anyMatch(l -> l.contains("\"event\":\"flow.denied\",\"reason\":\"policy_change\"")));
    }

    @Test
    void keepModeLetsEstablishedFlowsFinishButDecidesNewOnesByTheNewPolicy() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.KEEP);
        connect(WEB, 40_003, DB, 5432);
        firewall.install(compile(POLICY_WITHOUT_DB));
        assertEquals(false, tcp(WEB, 40_003, DB, 5432, PSH | ACK, 10), "kept");
        assertTrue(tcp(WEB, 40_004, DB, 5432, SYN, 0), "a new flow is denied");
        assertEquals(0, counter(Counter.FLOWS_CUT));
        assertEquals(5, stats(firewall, "application/web-to-db").packets());
    }

    @Test
    void quarantineCutsExistingFlowsAtOnceLetsManagementInAndLiftsCleanly() throws Exception
    {
        for (final Firewall.EstablishedFlows mode : Firewall.EstablishedFlows.values())
        {
            close();
            final Firewall firewall = start(POLICY, mode);
            connect(WEB, 40_010, DB, 5432);
            firewall.quarantine(new Quarantine(List.of(Quarantine.Target.parse("app=web")),
                List.of(Quarantine.ManagementAccess.parse("10.0.9.9:tcp/22"))));
            assertTrue(tcp(DB, 5432, WEB, 40_010, PSH | ACK, 10), mode + ": existing flow cut, reply direction");
            assertTrue(tcp(WEB, 40_010, DB, 5432, ACK, 0), mode::toString);
            assertTrue(tcp(WEB, 40_011, INTERNET, 443, SYN, 0), mode + ": new flows from it are denied");
            assertEquals(false, tcp(BASTION, 50_000, WEB, 22, SYN, 0), mode + ": management gets in");
            assertTrue(tcp(BASTION, 50_001, WEB, 80, SYN, 0), mode + ": only on the listed port");
            assertEquals(1, stats(firewall, "management").flows());
            assertTrue(stats(firewall, "quarantine").flows() >= 3, mode::toString);

            firewall.quarantine(Quarantine.NONE);
            assertEquals(false, tcp(WEB, 40_010, DB, 5432, PSH | ACK, 10), mode + ": lifted, the flow is decided again");
            assertTrue(eventLines().stream().anyMatch(l -> l.contains("\"reason\":\"quarantine_change\"") &&
                l.contains("\"rule\":\"quarantine\"")), mode::toString);
        }
    }

    @Test
    void quarantineOfAnUnknownWorkloadIsAnErrorAndChangesNothing() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        final long generation = firewall.program().generation();
        final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> firewall.quarantine(new Quarantine(List.of(Quarantine.Target.parse("workload=web-9")), List.of())));
        assertTrue(e.getMessage().contains("workload=web-9 matches no workload address"), e.getMessage());
        assertEquals(generation, firewall.program().generation());
    }

    @Test
    void verdictsStayRightAcrossManyChangesAsEpochTagsAreReused() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        connect(WEB, 40_020, DB, 5432);
        final Quarantine web = new Quarantine(List.of(Quarantine.Target.parse("10.0.1.10")), List.of());
        for (int change = 1; change <= 40; change++)
        {
            final boolean quarantined = change % 2 == 1;
            firewall.quarantine(quarantined ? web : Quarantine.NONE);
            if (change % 7 == 0)
            {
                firewall.install(compile(POLICY)); // same policy, another generation
                firewall.quarantine(quarantined ? web : Quarantine.NONE);
            }
            assertEquals(quarantined, tcp(WEB, 40_020, DB, 5432, ACK, 0), "after change " + change);
        }
    }

    @Test
    void foldingAtExpiryKeepsRuleTotalsExact() throws Exception
    {
        final Firewall firewall = start(POLICY, Firewall.EstablishedFlows.RECHECK);
        connect(WEB, 40_030, DB, 5432);
        udp(WEB, 6000, DB, 53, 10);
        final RuleStats before = stats(firewall, "application/web-to-db");
        final long deniedBefore = stats(firewall, "default-deny").packets();
        assertEquals(2, worker.flows().size());
        worker.flows().expire(now + TimeUnit.DAYS.toNanos(10), worker.flows().slotCount());
        assertEquals(0, worker.flows().size());
        final RuleStats after = stats(firewall, "application/web-to-db");
        assertEquals(before, after, "live flows folded in a snapshot equal the totals folded at expiry");
        assertEquals(deniedBefore, stats(firewall, "default-deny").packets());
    }

    @Test
    void theHostEntityIsBoundFromTheDpusConfiguration() throws Exception
    {
        final String yaml = HEADER + """
            tiers:
              platform:
                - {name: host-dns, from: {entity: host}, to: {cidrs: [10.0.0.53]}, protocol: udp, ports: [53],
                   action: allow}
                - {name: rest, from: {any: true}, to: {any: true}, action: deny}
            """;
        final Firewall firewall = new Firewall(compile(yaml), List.of(new Prefix(0,
            0x0000_FFFF_0000_0000L | (Frames.ipv4(192, 168, 7, 0) & 0xFFFF_FFFFL), 96 + 24)), Firewall.EstablishedFlows.RECHECK);
        worker = new Worker(0, DataPlaneConfig.defaults().withConntrack(ConntrackConfig.defaults()
            .withCapacityFlows(64)), firewall, events);
        assertEquals(false, udp(Frames.ipv4(192, 168, 7, 5), 5353, Frames.ipv4(10, 0, 0, 53), 53, 20));
        assertTrue(udp(Frames.ipv4(192, 168, 8, 5), 5353, Frames.ipv4(10, 0, 0, 53), 53, 20), "not the host");
    }
}
