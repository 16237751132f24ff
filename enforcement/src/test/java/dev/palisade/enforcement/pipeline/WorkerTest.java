package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.conntrack.FlowState;
import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import dev.palisade.enforcement.packet.TcpFlyweight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.PSH;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Worker#process} on hand-built batches: per-packet verdicts by the configured actions, the worker's counters,
 * and the flows it tracks (time is each packet's own timestamp; expiry sweeps run after each batch).
 */
class WorkerTest
{
    private static final int CLIENT = Frames.ipv4(10, 0, 0, 1);
    private static final int SERVER = Frames.ipv4(10, 0, 0, 2);
    private static final int RESOLVER = Frames.ipv4(10, 0, 0, 53);
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    private static DataPlaneConfig config(final DataPlaneConfig.Action malformed, final DataPlaneConfig.Action nonIp)
    {
        return new DataPlaneConfig(
            ConntrackConfig.defaults().withCapacityFlows(64), malformed, nonIp, PacketBatch.DEFAULT_CAPACITY, 8, 1000);
    }

    /** A parsed packet of a frame, to look its flow up in a worker's table. */
    private static PacketMeta parse(final Frames frames, final PacketBatch batch, final int i)
    {
        final PacketMeta meta = new PacketMeta();
        assertEquals(0, new PacketParser().parse(frames.buffer, batch.offset[i], batch.capturedLength[i],
            batch.wireLength[i], LinkType.ETHERNET, meta));
        return meta;
    }

    @ParameterizedTest(name = "malformed {0}")
    @EnumSource(DataPlaneConfig.Action.class)
    void countsAndVerdictsFollowTheConfiguredActions(final DataPlaneConfig.Action malformedAction)
    {
        final Frames frames = new Frames();
        final int syn = frames.tcp(SECOND_NS, CLIENT, 40_000, SERVER, 80, SYN, 0);
        final int synAck = frames.tcp(SECOND_NS + 1_000, SERVER, 80, CLIENT, 40_000, SYN | ACK, 0);
        final int ack = frames.tcp(SECOND_NS + 2_000, CLIENT, 40_000, SERVER, 80, ACK, 0);
        final int request = frames.tcp(SECOND_NS + 3_000, CLIENT, 40_000, SERVER, 80, PSH | ACK, 100);
        final int arp = frames.arp(SECOND_NS + 4_000);
        final int truncated = frames.truncatedIpv4(SECOND_NS + 5_000);
        final int query = frames.udp(SECOND_NS + 6_000, CLIENT, 5353, RESOLVER, 53, 30);
        final int badOffset = frames.badTcpOffset(SECOND_NS + 7_000, CLIENT, SERVER);
        final int response = frames.tcp(SECOND_NS + 8_000, SERVER, 80, CLIENT, 40_000, PSH | ACK, 0);
        frames.snap(response, 54, 1514);
        final PacketBatch batch = frames.batch(0, frames.count());
        long wireBytes = 0;
        for (int i = 0; i < frames.count(); i++)
        {
            wireBytes += frames.wireLength(i);
        }

        try (Worker worker = new Worker(3, config(malformedAction, DataPlaneConfig.Action.PASS)))
        {
            assertEquals(3, worker.id());
            assertEquals(frames.count(), worker.process(batch));

            final byte malformedVerdict = malformedAction == DataPlaneConfig.Action.DROP ?
                PacketBatch.VERDICT_DROP : PacketBatch.VERDICT_PASS;
            for (int i = 0; i < frames.count(); i++)
            {
                final byte expected = i == truncated || i == badOffset ? malformedVerdict : PacketBatch.VERDICT_PASS;
                assertEquals(expected, batch.verdict[i], "verdict of packet " + i);
            }

            final WorkerCounters counters = worker.counters();
            final long dropped = malformedAction == DataPlaneConfig.Action.DROP ? 2 : 0;
            assertEquals(9, counters.get(Counter.PACKETS));
            assertEquals(wireBytes, counters.get(Counter.BYTES));
            assertTrue(wireBytes > 1514, "the snapped packet counts its wire length");
            assertEquals(2, counters.get(Counter.MALFORMED));
            assertEquals(1, counters.malformed(MalformedReason.TRUNCATED_IPV4));
            assertEquals(1, counters.malformed(MalformedReason.BAD_TCP_OFFSET));
            assertEquals(1, counters.get(Counter.NON_IP));
            assertEquals(dropped, counters.get(Counter.DROPPED));
            assertEquals(9 - dropped, counters.get(Counter.PASSED));
            assertEquals(2, counters.get(Counter.FLOWS_CREATED));
            assertEquals(1, counters.get(Counter.FLOWS_TCP));
            assertEquals(1, counters.get(Counter.FLOWS_UDP));
            assertEquals(0, counters.get(Counter.TCP_INVALID));
            assertEquals(1, worker.batches());

            final FlowTable flows = worker.flows();
            assertEquals(2, flows.size());
            final int tcp = flows.lookup(parse(frames, batch, syn));
            assertEquals(FlowState.ESTABLISHED, flows.state(tcp));
            assertEquals(3, flows.packets(tcp, false));
            assertEquals(2, flows.packets(tcp, true));
            assertEquals(54 + 54 + 154, flows.bytes(tcp, false));
            assertEquals(54 + 1514, flows.bytes(tcp, true));
            final int udp = flows.lookup(parse(frames, batch, query));
            assertEquals(FlowState.UDP_UNREPLIED, flows.state(udp));
            assertEquals(72, flows.bytes(udp, false));
            assertEquals(tcp, flows.lookup(parse(frames, batch, synAck)), "both directions are one flow");
            assertEquals(tcp, flows.lookup(parse(frames, batch, ack)));
            assertEquals(tcp, flows.lookup(parse(frames, batch, request)));
            assertEquals(PacketBatch.VERDICT_PASS, batch.verdict[arp]);
        }
    }

    @Test
    void fragmentsWithoutTransportHeaderPassUntracked()
    {
        final Frames frames = new Frames();
        final int first = frames.udp(0, CLIENT, 5353, RESOLVER, 53, 40);
        final int later = frames.udp(0, CLIENT, 5353, RESOLVER, 53, 40);
        final int lastTcp = frames.tcp(0, CLIENT, 40_000, SERVER, 80, TcpFlyweight.ACK, 20);
        frames.fragment(first, true, 0);
        frames.fragment(later, true, 6);
        frames.fragment(lastTcp, false, 9);
        final PacketBatch batch = frames.batch(0, frames.count());
        try (Worker worker = new Worker(0, config(DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS)))
        {
            worker.process(batch);
            assertEquals(3, worker.counters().get(Counter.FRAGMENTS));
            assertEquals(2, worker.counters().get(Counter.FRAGMENTS_UNTRACKED), "the two later fragments");
            assertEquals(1, worker.flows().size(), "only the first fragment, which holds the UDP header, is tracked");
            assertEquals(1, worker.counters().get(Counter.FLOWS_UDP));
            assertEquals(0, worker.counters().get(Counter.TCP_INVALID), "a later TCP fragment is not a TCP event");
            assertEquals(3, worker.counters().get(Counter.PASSED));
        }
    }

    @Test
    void nonIpFramesCanBeDropped()
    {
        final Frames frames = new Frames();
        frames.arp(0);
        frames.udp(0, CLIENT, 5353, RESOLVER, 53, 10);
        frames.arp(0);
        final PacketBatch batch = frames.batch(0, frames.count());
        try (Worker worker = new Worker(0, config(DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.DROP)))
        {
            worker.process(batch);
            assertEquals(PacketBatch.VERDICT_DROP, batch.verdict[0]);
            assertEquals(PacketBatch.VERDICT_PASS, batch.verdict[1]);
            assertEquals(PacketBatch.VERDICT_DROP, batch.verdict[2]);
            assertEquals(2, worker.counters().get(Counter.NON_IP));
            assertEquals(2, worker.counters().get(Counter.DROPPED));
            assertEquals(1, worker.counters().get(Counter.PASSED));
            assertEquals(0, worker.counters().get(Counter.MALFORMED));
            assertEquals(1, worker.flows().size());
        }
    }

    @Test
    void countersAccumulateOverBatchesAndVerdictsAreRewritten()
    {
        final Frames frames = new Frames();
        frames.truncatedIpv4(0);
        frames.udp(0, CLIENT, 5353, RESOLVER, 53, 10);
        frames.udp(1, RESOLVER, 53, CLIENT, 5353, 40);
        frames.truncatedIpv4(2);
        final PacketBatch batch = new PacketBatch(2);
        try (Worker worker = new Worker(0, config(DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS)))
        {
            frames.fill(batch, 0, 2);
            assertEquals(2, worker.process(batch));
            assertEquals(PacketBatch.VERDICT_DROP, batch.verdict[0]);
            frames.fill(batch, 2, 4);
            assertEquals(2, worker.process(batch));
            assertEquals(PacketBatch.VERDICT_PASS, batch.verdict[0], "the reply, in the slot the bad frame had");
            assertEquals(PacketBatch.VERDICT_DROP, batch.verdict[1]);
            assertEquals(4, worker.counters().get(Counter.PACKETS));
            assertEquals(2, worker.counters().get(Counter.DROPPED));
            assertEquals(2, worker.counters().get(Counter.PASSED));
            assertEquals(1, worker.counters().get(Counter.FLOWS_CREATED));
            assertEquals(2, worker.batches());
            final int flow = worker.flows().lookup(parse(frames, frames.batch(1, 2), 0));
            assertEquals(FlowState.UDP_REPLIED, worker.flows().state(flow));
        }
    }

    @Test
    void emptyBatchChangesNothing()
    {
        try (Worker worker = new Worker(0, DataPlaneConfig.defaults().withConntrack(
            ConntrackConfig.defaults().withCapacityFlows(16))))
        {
            assertEquals(0, worker.process(new PacketBatch(4)));
            for (final Counter counter : Counter.values())
            {
                assertEquals(0, worker.counters().get(counter), counter.label());
            }
        }
    }

    @Test
    void eachPacketIsTrackedAtItsOwnTimestamp()
    {
        final Frames frames = new Frames();
        frames.udp(0, CLIENT, 5353, RESOLVER, 53, 10);
        frames.udp(31 * SECOND_NS, CLIENT, 5353, RESOLVER, 53, 10); // past the 30 s unreplied timeout
        frames.udp(31 * SECOND_NS, RESOLVER, 53, CLIENT, 5353, 10);
        final PacketBatch batch = frames.batch(0, frames.count());
        try (Worker worker = new Worker(0, config(DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS)))
        {
            worker.process(batch);
            assertEquals(2, worker.counters().get(Counter.FLOWS_CREATED));
            assertEquals(1, worker.counters().get(Counter.FLOWS_EXPIRED));
            final int flow = worker.flows().lookup(parse(frames, batch, 0));
            assertEquals(FlowState.UDP_REPLIED, worker.flows().state(flow));
            assertEquals(1, worker.flows().packets(flow, false));
            assertEquals(1, worker.flows().packets(flow, true));
        }
    }

    @Test
    void sweepAfterABatchExpiresIdleFlowsAsOfItsLastPacket()
    {
        final Frames frames = new Frames();
        frames.udp(0, CLIENT, 5353, RESOLVER, 53, 10);
        frames.udp(SECOND_NS, CLIENT, 5354, RESOLVER, 53, 10);
        frames.udp(31 * SECOND_NS, CLIENT, 5355, RESOLVER, 53, 10);
        final DataPlaneConfig sweeping = new DataPlaneConfig(ConntrackConfig.defaults().withCapacityFlows(16),
            DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS, 4, 4096, 1000);
        final DataPlaneConfig idle = new DataPlaneConfig(ConntrackConfig.defaults().withCapacityFlows(16),
            DataPlaneConfig.Action.DROP, DataPlaneConfig.Action.PASS, 4, 0, 1000);
        try (Worker worker = new Worker(0, sweeping); Worker lazy = new Worker(1, idle))
        {
            worker.process(frames.batch(0, 1));
            lazy.process(frames.batch(0, 1));
            worker.process(frames.batch(1, 3));
            lazy.process(frames.batch(1, 3));
            assertEquals(2, worker.flows().size(), "at the batch's last packet the first flow was idle 31 s");
            assertEquals(1, worker.counters().get(Counter.FLOWS_EXPIRED));
            assertEquals(-1, worker.flows().lookup(parse(frames, frames.batch(0, 1), 0)));
            assertTrue(worker.flows().lookup(parse(frames, frames.batch(1, 2), 0)) >= 0, "idle 30 s: not past 30 s");
            assertEquals(3, lazy.flows().size(), "no sweep, so it stays until its flow's next packet");
            assertEquals(0, lazy.counters().get(Counter.FLOWS_EXPIRED));
        }
    }
}
