package dev.palisade.benchmarks;

import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.OffHeapRegion;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.PacketBatch;
import dev.palisade.enforcement.pipeline.Worker;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * New connections through the whole pipeline on one worker: every frame is the SYN of a flow not seen before, so
 * each is parsed, misses in conntrack, is classified against the policy once, and inserted with its verdict. Frames
 * are preloaded (64 bytes each, back to back) and every round starts on an empty table.
 * <p>
 * The policy ({@link #policyYaml}) is a data-centre shape: {@code apps} applications of 16 workloads (a /20 each) in
 * 10.0.0.0/8, each with a dozen egress rules to service prefixes in 198.51.0.0/16 on various ports, allow and deny
 * mixed, east-west rules between neighbouring applications, and default deny for everything else. Seven flows in ten
 * go where one of their application's rules points (three in four of those rules allow), the rest anywhere in the
 * service space, so verdicts mix.
 */
public final class NewConnectionScenario implements AutoCloseable
{
    private static final int FRAME_STRIDE = 64;
    private static final int CAPTURED_LENGTH = 60;
    private static final int WIRE_LENGTH = 64;
    private static final int[] PORTS = {443, 80, 8443, 5432, 6379, 9092, 22, 53, 8080, 3306, 11211, 25};

    private final int connections;
    private final int batchSize;
    private final OffHeapRegion memory;
    private final PacketBatch[] batches;
    private final Firewall firewall;
    private Worker worker;
    private Worker lastWorker;

    /**
     * @param connections new flows per round.
     * @param apps        applications in the policy (0 for no firewall: conntrack inserts only).
     */
    public NewConnectionScenario(final int connections, final int apps, final int batchSize, final long seed)
        throws Exception
    {
        this.connections = connections;
        this.batchSize = batchSize;
        final int appCount = Math.max(1, apps);
        memory = new OffHeapRegion(Math.multiplyExact(connections, FRAME_STRIDE));
        final UnsafeBuffer frames = memory.buffer();
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < connections; i++)
        {
            final int app = random.nextInt(appCount);
            final int src = 0x0A00_0000 | (app << 16) | random.nextInt(1 << 16); // inside the app's 16 /20s
            // Most connections are what the application's rules expect; the rest go anywhere.
            final boolean expected = random.nextInt(10) < 7;
            final int rule = random.nextInt(PORTS.length);
            final int service = expected ? (app * 7 + rule * 5) % 64 : random.nextInt(64);
            final int dst = 0xC633_0000 | (service << 8) | random.nextInt(256);
            final int port = expected ? PORTS[rule] : PORTS[random.nextInt(PORTS.length)];
            writeSyn(frames, i * FRAME_STRIDE, src, 1024 + (i % 64_000), dst, port, i);
        }
        final int batchCount = (connections + batchSize - 1) / batchSize;
        batches = new PacketBatch[batchCount];
        final DirectBuffer[] buffers = {frames};
        for (int b = 0; b < batchCount; b++)
        {
            final PacketBatch batch = new PacketBatch(batchSize);
            batch.buffers(buffers);
            for (int i = b * batchSize; i < Math.min(connections, (b + 1) * batchSize); i++)
            {
                batch.add(0, i * FRAME_STRIDE, CAPTURED_LENGTH, WIRE_LENGTH, LinkType.ETHERNET, 1_000_000_000L + i);
            }
            batches[b] = batch;
        }
        firewall = apps == 0 ? null : new Firewall(compile(apps), List.of(), Firewall.EstablishedFlows.RECHECK);
    }

    public static CompiledPolicy compile(final int apps) throws Exception
    {
        return PolicyCompiler.compile(PolicyParser.parse("bench.yaml", policyYaml(apps)));
    }

    /** The benchmark's policy, as YAML. */
    public static String policyYaml(final int apps)
    {
        final StringBuilder y = new StringBuilder(64 * 1024);
        y.append("apiVersion: palisade.dev/v1\nkind: Policy\nmetadata: {name: bench}\ninventory:\n  workloads:\n");
        for (int app = 0; app < apps; app++)
        {
            for (int w = 0; w < 16; w++)
            {
                y.append("    - {name: app").append(app).append("-w").append(w).append(", labels: {app: a")
                    .append(app).append(", zone: z").append(app % 4).append("}, addresses: [10.").append(app)
                    .append('.').append(w * 16).append(".0/20]}\n");
            }
        }
        y.append("tiers:\n  platform:\n    - {name: dns, from: {any: true}, to: {cidrs: [198.51.0.53]}, protocol: udp, " +
            "ports: [53], action: allow}\n  application:\n");
        for (int app = 0; app < apps; app++)
        {
            for (int r = 0; r < 12; r++)
            {
                final int service = (app * 7 + r * 5) % 64;
                y.append("    - {name: a").append(app).append("-r").append(r).append(", from: {labels: {app: a")
                    .append(app).append("}}, to: {cidrs: [198.51.").append(service).append(".0/24]}, protocol: tcp, " +
                    "ports: [").append(PORTS[r]).append(r % 3 == 0 ? ", \"8000-8100\"" : "").append("], action: ")
                    .append(r % 4 == 3 ? "deny" : "allow").append("}\n");
            }
            y.append("    - {name: a").append(app).append("-east-west, from: {labels: {app: a").append(app)
                .append("}}, to: {labels: {app: a").append((app + 1) % apps).append("}}, protocol: tcp, action: allow}\n");
        }
        y.append("  baseline:\n    - {name: zone-isolation, from: {labels: {zone: z0}}, to: {labels: {zone: z1}}, " +
            "action: deny, log: true}\n");
        return y.toString();
    }

    /** Ethernet / IPv4 / TCP SYN, padded to 60 bytes. */
    private static void writeSyn(final UnsafeBuffer buffer, final int at, final int src, final int srcPort,
        final int dst, final int dstPort, final int sequence)
    {
        final ByteOrder be = ByteOrder.BIG_ENDIAN;
        buffer.setMemory(at, FRAME_STRIDE, (byte)0);
        buffer.putLong(at, 0x0200_0000_0001_0200L, be);
        buffer.putInt(at + 8, 0x0000_0002, be);
        buffer.putShort(at + 12, (short)0x0800, be);
        final int ip = at + 14;
        buffer.putByte(ip, (byte)0x45);
        buffer.putShort(ip + 2, (short)40, be);
        buffer.putShort(ip + 6, (short)0x4000, be);
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)6);
        buffer.putInt(ip + 12, src, be);
        buffer.putInt(ip + 16, dst, be);
        final int tcp = ip + 20;
        buffer.putShort(tcp, (short)srcPort, be);
        buffer.putShort(tcp + 2, (short)dstPort, be);
        buffer.putInt(tcp + 4, sequence * 7919, be);
        buffer.putByte(tcp + 12, (byte)0x50);
        buffer.putByte(tcp + 13, (byte)0x02); // SYN
        buffer.putShort(tcp + 14, (short)65_535, be);
    }

    /** A fresh worker with an empty table (outside the measured time). */
    public void prepareRound()
    {
        if (worker != null)
        {
            worker.close();
        }
        final ConntrackConfig conntrack = ConntrackConfig.defaults().withCapacityFlows(connections + connections / 8 + 1);
        worker = new Worker(0, DataPlaneConfig.defaults().withConntrack(conntrack).withBatchSize(batchSize), firewall,
            EventSink.NONE);
    }

    /** @return connections processed: every SYN once. */
    public long runRound()
    {
        long n = 0;
        for (final PacketBatch batch : batches)
        {
            n += worker.process(batch);
        }
        lastWorker = worker;
        return n;
    }

    public long lastCounter(final Counter counter)
    {
        return lastWorker.counters().get(counter);
    }

    public Firewall firewall()
    {
        return firewall;
    }

    @Override
    public void close()
    {
        if (worker != null)
        {
            worker.close();
        }
        memory.close();
    }
}
