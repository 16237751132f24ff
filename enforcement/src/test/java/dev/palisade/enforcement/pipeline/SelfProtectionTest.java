package dev.palisade.enforcement.pipeline;

import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.FirewallEvent;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.enforcement.firewall.ManagementPlane;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.firewall.SelfProtection;
import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.FrameBuilder;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.RST;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Self-protection in a worker: a packet from the host side to the DPU's management addresses is dropped whatever
 * the policy, the quarantine's management allow-list or a DPI pass rule say, with or without a policy, IPv4 and IPv6;
 * packets from the network to the DPU and from the host elsewhere are not its business. Each case first shows the
 * packet passing without self-protection, so that the drop is self-protection's and nothing else's.
 */
class SelfProtectionTest
{
    private static final String HOST_V4 = "10.0.1.5";
    private static final String HOST_V6 = "2001:db8:1::5";
    private static final String DPU_V4 = "192.0.2.10";
    private static final String DPU_V6 = "2001:db8:ff::10";
    private static final String PEER_V4 = "198.51.100.7";
    private static final String PEER_V6 = "2001:db8:aa::7";
    private static final List<Prefix> HOST = ManagementPlane.parsePrefixes(List.of("10.0.1.0/24", "2001:db8:1::/64"),
        "host address");
    private static final ManagementPlane PLANE = ManagementPlane.parse(
        List.of(DPU_V4 + ":tcp/8443", "[" + DPU_V6 + "]:tcp/8443"), List.of("198.51.100.0/24", "2001:db8:aa::/48"));
    /** Allows the host to reach the DPU outright, and everything else. */
    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: lab}
        inventory:
          workloads:
            - {name: server, labels: {app: server}, addresses: [10.0.1.5, "2001:db8:1::5"]}
        tiers:
          application:
            - {name: host-to-dpu, from: {entity: host}, to: {cidrs: [192.0.2.10/32, "2001:db8:ff::10/128"]},
               action: allow}
            - {name: anything, from: {any: true}, to: {any: true}, action: allow}
        """;

    private final StringWriter eventText = new StringWriter();
    private final JsonLinesEventSink events = new JsonLinesEventSink(eventText);
    private final List<Worker> workers = new ArrayList<>();
    private long nowNs = 1_000_000_000L;

    @AfterEach
    void close()
    {
        workers.forEach(Worker::close);
    }

    private static CompiledPolicy policy() throws Exception
    {
        return PolicyCompiler.compile(PolicyParser.parse("lab.yaml", POLICY));
    }

    private static DataPlaneConfig config(final DataPlaneConfig.Action malformed)
    {
        return new DataPlaneConfig(ConntrackConfig.defaults().withCapacityFlows(1024), malformed,
            DataPlaneConfig.Action.PASS, PacketBatch.DEFAULT_CAPACITY, 8, 1000);
    }

    private Worker worker(final Firewall firewall, final DpiEngine dpi, final SelfProtection protection)
    {
        return worker(firewall, dpi, protection, DataPlaneConfig.Action.DROP, events);
    }

    private Worker worker(final Firewall firewall, final DpiEngine dpi, final SelfProtection protection,
        final DataPlaneConfig.Action malformed, final EventSink sink)
    {
        final Worker worker = new Worker(0, config(malformed), firewall, sink, dpi, AlertSink.NONE, protection);
        workers.add(worker);
        return worker;
    }

    private static SelfProtection byAddress()
    {
        return SelfProtection.byHostAddresses(PLANE, HOST);
    }

    private static byte[] tcp(final String src, final int srcPort, final String dst, final int dstPort,
        final int flags)
    {
        final boolean v6 = src.indexOf(':') >= 0;
        final byte[] segment = FrameBuilder.tcp(srcPort, dstPort, flags, FrameBuilder.payload(0));
        return v6 ?
            FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_IPV6, FrameBuilder.ipv6(src, dst, PacketMeta.PROTO_TCP,
                segment)) :
            FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, FrameBuilder.ipv4(src, dst, PacketMeta.PROTO_TCP,
                segment));
    }

    /** Sends one frame through {@code worker}, as if it arrived on {@code ingressPort}; @return true when dropped. */
    private boolean send(final Worker worker, final byte[] frame, final int ingressPort)
    {
        nowNs += 1_000_000;
        final PacketBatch batch = new PacketBatch(1);
        batch.buffers(new DirectBuffer[] {new UnsafeBuffer(frame)});
        batch.add(0, 0, frame.length, frame.length, LinkType.ETHERNET, nowNs);
        batch.ingressPort[0] = ingressPort;
        assertEquals(1, worker.process(batch));
        return batch.verdict[0] == PacketBatch.VERDICT_DROP;
    }

    private boolean send(final Worker worker, final byte[] frame)
    {
        return send(worker, frame, SelfProtection.HostSide.PORT_UNKNOWN);
    }

    private List<String> eventLines()
    {
        events.flush();
        return eventText.toString().lines().toList();
    }

    @Test
    void hostToManagementIsDroppedEvenWhenThePolicyAllowsItIpv4AndIpv6() throws Exception
    {
        for (final String[] pair : new String[][] {{HOST_V4, DPU_V4}, {HOST_V6, DPU_V6}})
        {
            final byte[] frame = tcp(pair[0], 40_000, pair[1], 8443, SYN);
            final Worker unprotected = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK), null,
                null);
            assertFalse(send(unprotected, frame), "the policy allows " + pair[0] + " -> " + pair[1]);

            final Worker protectedWorker = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK),
                null, byAddress());
            assertTrue(send(protectedWorker, frame), pair[0] + " -> " + pair[1]);
            assertTrue(send(protectedWorker, tcp(pair[0], 40_000, pair[1], 22, SYN)), "every port of the address");
            assertEquals(2, protectedWorker.counters().get(Counter.SELF_PROTECTION));
            assertEquals(2, protectedWorker.counters().get(Counter.DROPPED));
            assertEquals(0, protectedWorker.counters().get(Counter.FLOWS_CREATED), "never reaches conntrack");
            assertEquals(0, protectedWorker.counters().get(Counter.DENIED), "the firewall was not consulted");
        }
        final List<String> lines = eventLines();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.getFirst().contains("\"event\":\"flow.denied\",\"reason\":\"self_protection\"," +
            "\"policy\":\"lab\""), lines.getFirst());
        assertTrue(lines.getFirst().contains("\"rule\":\"self-protection\",\"action\":\"deny\",\"src\":\"10.0.1.5\"," +
            "\"dst\":\"192.0.2.10\",\"protocol\":6,\"src_port\":40000,\"dst_port\":8443"), lines.getFirst());
        assertTrue(lines.get(2).contains("\"src\":\"2001:db8:1::5\",\"dst\":\"2001:db8:ff::10\""), lines.get(2));
    }

    @Test
    void theQuarantineManagementAllowListCannotLetTheHostIn() throws Exception
    {
        // Quarantine the DPU's own address and name the host as a management peer: the program then allows it.
        final Quarantine quarantine = new Quarantine(List.of(Quarantine.Target.parse(DPU_V4)),
            List.of(Quarantine.ManagementAccess.parse("10.0.1.0/24:tcp/8443")));
        final Firewall open = new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK);
        open.quarantine(quarantine);
        final Worker unprotected = worker(open, null, null);
        assertFalse(send(unprotected, tcp(HOST_V4, 40_001, DPU_V4, 8443, SYN)));
        assertEquals(1, unprotected.counters().get(Counter.FLOWS_ALLOWED), "allowed as management");

        final Firewall guarded = new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK);
        guarded.quarantine(quarantine);
        final Worker protectedWorker = worker(guarded, null, byAddress());
        assertTrue(send(protectedWorker, tcp(HOST_V4, 40_001, DPU_V4, 8443, SYN)));
        assertEquals(1, protectedWorker.counters().get(Counter.SELF_PROTECTION));
        assertEquals(0, protectedWorker.counters().get(Counter.FLOWS_ALLOWED));
    }

    @Test
    void aDpiPassRuleCannotLetTheHostIn() throws Exception
    {
        final List<LoadResult> rules = RuleFiles.parse(new RuleParser(RuleVariables.defaults()),
            "pass tcp any any -> any any (msg:\"let everything through\"; sid:1;)\n" +
            "drop tcp any any -> any 8443 (msg:\"would drop\"; sid:2;)\n", "test.rules");
        try (DpiEngine dpi = new DpiEngine(DpiConfig.defaults(), rules.stream()
            .map(r -> ((LoadResult.Loaded)r).rule()).toList()))
        {
            final Worker unprotected = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK), dpi,
                null);
            assertFalse(send(unprotected, tcp(HOST_V4, 40_002, DPU_V4, 8443, SYN)), "passed by the pass rule");
            final Worker protectedWorker = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK),
                dpi, byAddress());
            assertTrue(send(protectedWorker, tcp(HOST_V4, 40_002, DPU_V4, 8443, SYN)));
            assertEquals(1, protectedWorker.counters().get(Counter.SELF_PROTECTION));
            assertEquals(0, protectedWorker.counters().get(Counter.INSPECTION_DROPPED), "never inspected");
        }
    }

    @Test
    void theNetworkReachesTheDpuAndTheHostReachesEverythingElse() throws Exception
    {
        final Worker worker = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK), null,
            byAddress());
        assertFalse(send(worker, tcp(PEER_V4, 50_000, DPU_V4, 8443, SYN)), "network -> DPU");
        assertFalse(send(worker, tcp(DPU_V4, 8443, PEER_V4, 50_000, SYN | ACK)), "and its reply");
        assertFalse(send(worker, tcp(PEER_V6, 50_000, DPU_V6, 8443, SYN)), "network -> DPU, IPv6");
        assertFalse(send(worker, tcp(HOST_V4, 40_003, "192.0.2.11", 8443, SYN)), "host -> the DPU's neighbour");
        assertFalse(send(worker, tcp(HOST_V4, 40_004, PEER_V4, 443, SYN)), "host -> a management peer");
        assertFalse(send(worker, tcp(HOST_V6, 40_005, "2001:db8:ff::11", 8443, SYN)), "host -> elsewhere, IPv6");
        assertFalse(send(worker, tcp(DPU_V4, 50_001, HOST_V4, 22, SYN)), "the DPU -> the host");
        assertEquals(0, worker.counters().get(Counter.SELF_PROTECTION));
        assertTrue(eventLines().isEmpty());
    }

    @Test
    void itHoldsWithNoPolicyAtAllAndUnderFailClosed() throws Exception
    {
        final Worker bare = worker(null, null, byAddress());
        assertTrue(send(bare, tcp(HOST_V4, 40_006, DPU_V4, 8443, SYN)));
        assertFalse(send(bare, tcp(HOST_V4, 40_006, PEER_V4, 8443, SYN)), "no firewall: the rest passes");
        assertEquals(1, bare.counters().get(Counter.SELF_PROTECTION));

        final Worker closed = worker(Firewall.failClosed(PLANE, HOST, Firewall.EstablishedFlows.RECHECK), null,
            byAddress());
        assertTrue(send(closed, tcp(HOST_V4, 40_007, DPU_V4, 8443, SYN)));
        assertEquals(1, closed.counters().get(Counter.SELF_PROTECTION), "self-protection, not fail-closed, dropped it");
        assertFalse(send(closed, tcp(PEER_V4, 50_002, DPU_V4, 8443, SYN)), "the management path is open");
        assertTrue(eventLines().getLast().contains("\"policy\":\"fail-closed\""));
    }

    @Test
    void aLiveHostPortCatchesForgedSourcesWithoutDisturbingManagementFlows() throws Exception
    {
        final int hostPort = 0;
        final int networkPort = 1;
        final SelfProtection byPort = new SelfProtection(PLANE.addresses(), SelfProtection.HostSide.port(hostPort));
        final Worker worker = worker(Firewall.failClosed(PLANE, HOST, Firewall.EstablishedFlows.RECHECK), null,
            byPort);
        assertFalse(send(worker, tcp(PEER_V4, 50_003, DPU_V4, 8443, SYN), networkPort), "a peer opens a session");
        assertEquals(1, worker.counters().get(Counter.FLOWS_CREATED));
        // The host forges the peer's address and the session's ports to reset it.
        assertTrue(send(worker, tcp(PEER_V4, 50_003, DPU_V4, 8443, RST), hostPort));
        assertEquals(1, worker.counters().get(Counter.SELF_PROTECTION));
        assertEquals(1, worker.flows().size(), "the session's conntrack entry is untouched");
        assertFalse(send(worker, tcp(DPU_V4, 8443, PEER_V4, 50_003, SYN | ACK), networkPort));
        assertTrue(send(worker, tcp(HOST_V4, 40_008, PEER_V4, 443, SYN), hostPort),
            "from the host port to elsewhere: fail-closed's business");
        assertEquals(1, worker.counters().get(Counter.SELF_PROTECTION), "not self-protection's");
        assertEquals(1, worker.counters().get(Counter.FLOWS_DENIED));
    }

    @Test
    void oneEventPerFlowAndEveryPacketCounted() throws Exception
    {
        final Worker worker = worker(null, null, byAddress());
        for (int i = 0; i < 5; i++)
        {
            assertTrue(send(worker, tcp(HOST_V4, 40_010, DPU_V4, 8443, ACK)));
        }
        assertTrue(send(worker, tcp(HOST_V4, 40_011, DPU_V4, 8443, SYN)));
        assertEquals(6, worker.counters().get(Counter.SELF_PROTECTION));
        final List<String> lines = eventLines();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("\"src_port\":40010") && lines.get(1).contains("\"src_port\":40011"));
        assertTrue(lines.getFirst().contains("\"policy\":null"), "no firewall: no policy in force");
    }

    @Test
    void malformedPacketsPassedByChoiceStillCannotReachTheDpu() throws Exception
    {
        // A TCP header whose data offset (3 words) is shorter than a header: malformed, passed by configuration.
        final byte[] frame = FrameBuilder.putU8(tcp(HOST_V4, 40_012, DPU_V4, 8443, SYN),
            FrameBuilder.ETHERNET_HEADER_LENGTH + FrameBuilder.IPV4_HEADER_LENGTH + 12, 3 << 4);
        final Worker unprotected = worker(null, null, null, DataPlaneConfig.Action.PASS, events);
        assertFalse(send(unprotected, frame));
        assertEquals(1, unprotected.counters().get(Counter.MALFORMED));
        final Worker protectedWorker = worker(null, null, byAddress(), DataPlaneConfig.Action.PASS, events);
        assertTrue(send(protectedWorker, frame));
        assertEquals(1, protectedWorker.counters().get(Counter.SELF_PROTECTION));
    }

    @Test
    void theDropPathAllocatesNothing() throws Exception
    {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean bean && bean.isThreadAllocatedMemorySupported(),
            "this JVM does not count allocations per thread");
        final com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean)threads;
        final long[] events = new long[1];
        final EventSink counting = new EventSink()
        {
            @Override
            public void accept(final FirewallEvent event)
            {
                events[0]++;
            }

            @Override
            public void close()
            {
            }
        };
        final Worker worker = worker(new Firewall(policy(), HOST, Firewall.EstablishedFlows.RECHECK), null,
            byAddress(), DataPlaneConfig.Action.DROP, counting);
        // 128 flows from the host to the DPU (some share a slot of the recently-reported table, so events keep
        // being raised) and 128 elsewhere, IPv4 and IPv6.
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 64; i++)
        {
            frames.add(tcp(HOST_V4, 30_000 + i, DPU_V4, 8443, ACK));
            frames.add(tcp(HOST_V6, 30_000 + i, DPU_V6, 22, ACK));
            frames.add(tcp(HOST_V4, 30_000 + i, PEER_V4, 443, ACK));
            frames.add(tcp(PEER_V6, 30_000 + i, DPU_V6, 8443, ACK));
        }
        final DirectBuffer[] buffers = new DirectBuffer[frames.size()];
        final PacketBatch batch = new PacketBatch(frames.size());
        for (int i = 0; i < frames.size(); i++)
        {
            buffers[i] = new UnsafeBuffer(frames.get(i));
            batch.add(i, 0, frames.get(i).length, frames.get(i).length, LinkType.ETHERNET, nowNs);
        }
        batch.buffers(buffers);
        for (int round = 0; round < 20_000; round++)
        {
            worker.process(batch);
        }
        final long before = bean.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < 2_000; round++)
        {
            worker.process(batch);
        }
        final long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, allocated, "bytes allocated over 2,000 batches of " + frames.size() + " packets");
        assertEquals(22_000L * 128, worker.counters().get(Counter.SELF_PROTECTION));
        assertTrue(events[0] >= 128, "every host -> DPU flow was reported at least once: " + events[0]);
    }
}
