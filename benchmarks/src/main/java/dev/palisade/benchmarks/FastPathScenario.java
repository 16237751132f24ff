package dev.palisade.benchmarks;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.OffHeapRegion;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.PacketBatch;
import dev.palisade.enforcement.pipeline.Worker;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * The fast-path scenario: established TCP flows, minimum-size (64-byte) frames, preloaded in memory, one worker.
 * Each packet is parsed, its flow looked up in the connection-tracking table and its counters updated: the work every
 * packet of an established flow costs. Packets visit the flows in random order, several passes, so lookups miss the
 * CPU caches as they would with that many flows on a real link.
 * <p>
 * Frames are laid out back to back (64-byte stride) in one off-heap buffer, and descriptors are prebuilt into batches,
 * so a measured pass is only {@link Worker#process} calls.
 */
public final class FastPathScenario implements AutoCloseable
{
    public static final int FRAME_STRIDE = 64;
    /** 64 bytes on the wire include the 4-byte FCS, which captures do not hold. */
    public static final int CAPTURED_LENGTH = 60;
    public static final int WIRE_LENGTH = 64;

    private final int flows;
    private final int packets;
    private final OffHeapRegion memory;
    private final UnsafeBuffer frames;
    private final PacketBatch[] batches;
    private final Worker worker;

    /**
     * @param flows         established flows.
     * @param packets       frames in the preloaded set (each flow appears about packets / flows times, at random).
     * @param batchSize     packets per batch.
     * @param seed          seed for addresses and order.
     */
    public FastPathScenario(final int flows, final int packets, final int batchSize, final long seed)
    {
        this(flows, packets, batchSize, seed, null);
    }

    /**
     * @param firewall a firewall to enforce (each flow is decided once, at its first packet), or null for none.
     */
    public FastPathScenario(final int flows, final int packets, final int batchSize, final long seed,
        final Firewall firewall)
    {
        if (flows < 1 || packets < flows)
        {
            throw new IllegalArgumentException("need at least one flow and at least as many packets as flows");
        }
        this.flows = flows;
        this.packets = packets;
        memory = new OffHeapRegion(Math.multiplyExact(packets, FRAME_STRIDE));
        frames = memory.buffer();
        final SplittableRandom random = new SplittableRandom(seed);
        final int[] order = order(flows, packets, random);
        for (int i = 0; i < packets; i++)
        {
            writeFrame(frames, i * FRAME_STRIDE, order[i], seed);
        }

        final int batchCount = (packets + batchSize - 1) / batchSize;
        batches = new PacketBatch[batchCount];
        final DirectBuffer[] buffers = {frames};
        for (int b = 0; b < batchCount; b++)
        {
            final PacketBatch batch = new PacketBatch(batchSize);
            batch.buffers(buffers);
            for (int i = b * batchSize; i < Math.min(packets, (b + 1) * batchSize); i++)
            {
                batch.add(0, i * FRAME_STRIDE, CAPTURED_LENGTH, WIRE_LENGTH, LinkType.ETHERNET, 1_000_000_000L + i);
            }
            batches[b] = batch;
        }

        // Room for every flow without eviction; the full-table policy is measured elsewhere.
        final ConntrackConfig conntrack = ConntrackConfig.defaults().withCapacityFlows(flows + flows / 8 + 1);
        worker = new Worker(0, DataPlaneConfig.defaults().withConntrack(conntrack).withBatchSize(batchSize), firewall,
            EventSink.NONE);
    }

    /** Each flow once (so all exist), then random flows for the rest, all shuffled. */
    private static int[] order(final int flows, final int packets, final SplittableRandom random)
    {
        final int[] order = new int[packets];
        for (int i = 0; i < packets; i++)
        {
            order[i] = i < flows ? i : random.nextInt(flows);
        }
        for (int i = packets - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Ethernet / IPv4 / TCP ACK of flow {@code flow}, padded to 60 bytes. */
    static void writeFrame(final UnsafeBuffer buffer, final int at, final int flow, final long seed)
    {
        final ByteOrder be = ByteOrder.BIG_ENDIAN;
        buffer.setMemory(at, FRAME_STRIDE, (byte)0);
        buffer.putLong(at, 0x0200_0000_0001_0200L, be);          // dst MAC 02:00:00:00:00:01, src MAC starts 02:00
        buffer.putInt(at + 8, 0x0000_0002, be);                   // src MAC ends 00:00:00:02
        buffer.putShort(at + 12, (short)0x0800, be);
        final int ip = at + 14;
        buffer.putByte(ip, (byte)0x45);
        buffer.putShort(ip + 2, (short)40, be);                   // total length: 20 IP + 20 TCP
        buffer.putShort(ip + 6, (short)0x4000, be);               // DF
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)6);
        buffer.putInt(ip + 12, 0x0A00_0000 + flow, be);           // 10.x.y.z: the workload side
        buffer.putInt(ip + 16, 0xC633_6400 + (int)((flow * 0x9E37_79B9L + seed) & 0xFF), be); // 198.51.100.x
        final int tcp = ip + 20;
        buffer.putShort(tcp, (short)(1024 + flow % 60_000), be);
        buffer.putShort(tcp + 2, (short)443, be);
        buffer.putInt(tcp + 4, flow * 7919, be);
        buffer.putInt(tcp + 8, flow * 104_729, be);
        buffer.putByte(tcp + 12, (byte)0x50);
        buffer.putByte(tcp + 13, (byte)0x10);                     // ACK
        buffer.putShort(tcp + 14, (short)65_535, be);
    }

    /** Runs every packet once; with midstream pick-up the ACKs create the flows as ESTABLISHED. */
    public void establish()
    {
        runPass();
    }

    /** @return packets processed in one pass over the preloaded set. */
    public long runPass()
    {
        long n = 0;
        for (final PacketBatch batch : batches)
        {
            n += worker.process(batch);
        }
        return n;
    }

    /** Processes batch {@code i} (mod the batch count), for JMH. */
    public int runBatch(final int i)
    {
        return worker.process(batches[i % batches.length]);
    }

    public int batchCount()
    {
        return batches.length;
    }

    public int flows()
    {
        return flows;
    }

    public int packets()
    {
        return packets;
    }

    public Worker worker()
    {
        return worker;
    }

    @Override
    public void close()
    {
        worker.close();
        memory.close();
    }
}
