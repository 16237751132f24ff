package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.enforcement.firewall.ManagementPlane;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.List;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.PSH;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fail-closed in a worker, in both modes for established flows: falling back to fail-closed cuts every flow but
 * management's at its next packet, and leaving it lets flows it dropped through when the policy allows them, even
 * when the firewall keeps established verdicts across policy changes.
 */
class FailClosedWorkerTest
{
    private static final int SERVER = Frames.ipv4(10, 0, 1, 5);
    private static final int CLIENT = Frames.ipv4(203, 0, 113, 9);
    private static final int PEER = Frames.ipv4(198, 51, 100, 7);
    private static final int DPU = Frames.ipv4(192, 0, 2, 10);
    private static final List<Prefix> HOST = ManagementPlane.parsePrefixes(List.of("10.0.1.0/24"), "host address");
    private static final ManagementPlane PLANE = ManagementPlane.parse(List.of("192.0.2.10:tcp/8443"),
        List.of("198.51.100.0/24"));

    private final Frames frames = new Frames();
    private final StringWriter eventText = new StringWriter();
    private final EventSink events = new JsonLinesEventSink(eventText);
    private long nowNs = 1_000_000_000L;
    private Worker worker;

    @AfterEach
    void close()
    {
        if (worker != null)
        {
            worker.close();
        }
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
                - {name: web, from: {any: true}, to: {labels: {app: server}}, protocol: tcp, ports: [443],
                   action: allow}
            """));
    }

    private void start(final Firewall firewall)
    {
        worker = new Worker(0, DataPlaneConfig.defaults().withConntrack(ConntrackConfig.defaults()
            .withCapacityFlows(256)), firewall, events);
    }

    private boolean tcp(final int src, final int srcPort, final int dst, final int dstPort, final int flags)
    {
        nowNs += 1_000_000;
        final int frame = frames.tcp(nowNs, src, srcPort, dst, dstPort, flags, 0);
        final PacketBatch batch = frames.batch(frame, frame + 1);
        worker.process(batch);
        return batch.verdict[0] == PacketBatch.VERDICT_DROP;
    }

    @Test
    void fallingBackToFailClosedCutsEveryFlowButManagementInBothModes() throws Exception
    {
        for (final Firewall.EstablishedFlows mode : Firewall.EstablishedFlows.values())
        {
            final Firewall firewall = new Firewall(policy(), HOST, mode);
            start(firewall);
            assertFalse(tcp(CLIENT, 40_000, SERVER, 443, SYN), mode::toString);
            assertFalse(tcp(SERVER, 443, CLIENT, 40_000, SYN | ACK), mode::toString);
            assertFalse(tcp(PEER, 50_000, DPU, 8443, SYN), mode + ": management, allowed by default allow");

            firewall.failClose(PLANE);
            assertTrue(tcp(CLIENT, 40_000, SERVER, 443, PSH | ACK), mode + ": the web flow is cut");
            assertFalse(tcp(PEER, 50_000, DPU, 8443, ACK), mode + ": management stays");
            assertEquals(1, worker.counters().get(Counter.FLOWS_CUT), mode::toString);
            worker.close();
            worker = null;
        }
        assertTrue(eventText.toString().contains("\"reason\":\"policy_change\",\"policy\":\"fail-closed\"," +
            "\"policy_digest\":"), eventText.toString());
        assertTrue(eventText.toString().contains("\"rule\":\"fail-closed\",\"action\":\"deny\""));
    }

    @Test
    void flowsFailClosedDroppedPassOnceThePolicyAllowsThemEvenWhenFlowsAreKept() throws Exception
    {
        final Firewall firewall = Firewall.failClosed(PLANE, HOST, Firewall.EstablishedFlows.KEEP);
        start(firewall);
        assertTrue(tcp(CLIENT, 40_001, SERVER, 443, SYN), "fail-closed");
        assertFalse(tcp(PEER, 50_001, DPU, 8443, SYN), "management");

        firewall.install(policy());
        assertFalse(tcp(CLIENT, 40_001, SERVER, 443, SYN), "the retransmitted SYN of the same flow passes");
        assertFalse(tcp(PEER, 50_001, DPU, 8443, ACK), "default allow now");
        assertTrue(tcp(CLIENT, 40_002, SERVER, 22, SYN), "the policy's default deny");
        assertEquals(2, worker.counters().get(Counter.FLOWS_RECHECKED), "both flows decided again");
    }
}
