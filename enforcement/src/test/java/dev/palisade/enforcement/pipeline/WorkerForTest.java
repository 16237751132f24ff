package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReplayEngine#workerFor}: the RSS-like dispatch of flows to workers. It must stay in range, send both
 * directions of a flow to the same worker, and spread flows evenly. Evenness is a chi-square bound at {@code z}
 * standard normal deviates (Wilson-Hilferty): z = 4 on a fixed input, where only a skew can fail it; z = 6 (a chance
 * of about 1e-9) where the input depends on the per-process hash key.
 * <p>
 * The generated properties run {@link Seeded} tries. Hashes and addresses are any longs, with 0, 1, -1, the extremes
 * and small values mixed in, and for hashes a low half (which alone chooses the worker) of all zeros or all ones;
 * worker counts, ports and protocols favour their ends and small values.
 */
class WorkerForTest
{
    private static final int[] WORKER_COUNTS = { 2, 3, 4, 5, 7, 8, 16, 64 };

    /** SplitMix64: a fixed, well-mixed sequence of 64-bit values. */
    private static long splitMix(final long i)
    {
        long z = (i + 1) * 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    private static double chiSquare(final long[] observed, final long total)
    {
        final double expected = (double)total / observed.length;
        double sum = 0;
        for (final long o : observed)
        {
            sum += (o - expected) * (o - expected) / expected;
        }
        return sum;
    }

    private static void assertEven(final long[] counts, final long total, final double z, final String what)
    {
        final int freedom = counts.length - 1;
        final double k = 2.0 / (9 * freedom);
        final double bound = freedom * Math.pow(1 - k + z * Math.sqrt(k), 3);
        final double chi = chiSquare(counts, total);
        assertTrue(chi < bound, what + ": chi-square " + chi + " over bound " + bound);
    }

    @Test
    void workerIsInRange()
    {
        Seeded.forAll(
            "workerIsInRange",
            2000,
            random -> new HashAndWorkers(flowHash(random), Seeded.between(random, 1, 256)),
            input ->
            {
                final int w = ReplayEngine.workerFor(input.flowHash(), input.workers());
                assertTrue(w >= 0 && w < input.workers(), "worker " + w + " of " + input.workers());
            });
    }

    record HashAndWorkers(long flowHash, int workers)
    {
        @Override
        public String toString()
        {
            return "flowHash=0x" + Long.toHexString(flowHash) + ", workers=" + workers;
        }
    }

    /** Any long, and now and then one whose low half, which alone chooses the worker, is all zeros or all ones. */
    private static long flowHash(final SplittableRandom random)
    {
        final long hash = Seeded.anyLong(random);
        switch (random.nextInt(16))
        {
            case 0:
                return hash & 0xFFFF_FFFF_0000_0000L;

            case 1:
                return hash | 0x0000_0000_FFFF_FFFFL;

            default:
                return hash;
        }
    }

    @Test
    void oneWorkerTakesEverything()
    {
        for (long i = 0; i < 1000; i++)
        {
            assertEquals(0, ReplayEngine.workerFor(splitMix(i), 1));
        }
        assertEquals(0, ReplayEngine.workerFor(-1L, 1));
    }

    @Test
    void extremesOfTheLowHalfMapToTheFirstAndLastWorker()
    {
        assertEquals(0, ReplayEngine.workerFor(0xFFFF_FFFF_0000_0000L, 4), "the high half does not choose");
        assertEquals(3, ReplayEngine.workerFor(0x0000_0000_FFFF_FFFFL, 4));
        assertEquals(255, ReplayEngine.workerFor(-1L, 256));
    }

    @Test
    void spreadsAFixedWellMixedSequenceEvenly()
    {
        final int samples = 200_000;
        for (final int workers : WORKER_COUNTS)
        {
            final long[] counts = new long[workers];
            for (int i = 0; i < samples; i++)
            {
                counts[ReplayEngine.workerFor(splitMix(i), workers)]++;
            }
            assertEven(counts, samples, 4, workers + " workers");
        }
    }

    /**
     * Real flow keys that differ only a little (consecutive addresses and ports), through the flow hash: spread over
     * workers, and, among one worker's flows, over the table slots (the high half of the hash), so that each worker's
     * table is used evenly too.
     */
    @Test
    void spreadsNearbyFlowKeysEvenlyAndIndependentlyOfTheTableSlot()
    {
        final PacketMeta meta = new PacketMeta();
        final int samples = 1 << 16;
        final int workers = 4;
        final int slots = 64;
        final long[] perWorker = new long[workers];
        final long[] slotsOfWorkerZero = new long[slots];
        long onWorkerZero = 0;
        for (int i = 0; i < samples; i++)
        {
            meta.l3 = PacketMeta.L3_IPV4;
            meta.srcHi = 0;
            meta.srcLo = PacketMeta.IPV4_MAPPED_PREFIX | 0x0A00_0000L | (i >>> 4);
            meta.dstHi = 0;
            meta.dstLo = PacketMeta.IPV4_MAPPED_PREFIX | 0xC0A8_0001L;
            meta.srcPort = 40_000 + (i & 15);
            meta.dstPort = 443;
            meta.protocol = PacketMeta.PROTO_TCP;
            meta.zone = 0;
            meta.computeFlowKey();
            final int w = ReplayEngine.workerFor(meta.flowHash, workers);
            perWorker[w]++;
            if (w == 0)
            {
                onWorkerZero++;
                slotsOfWorkerZero[(int)(meta.flowHash >>> 32) & (slots - 1)]++;
            }
        }
        assertEven(perWorker, samples, 6, "workers");
        assertEven(slotsOfWorkerZero, onWorkerZero, 6, "table slots of one worker's flows");
    }

    @Test
    void bothDirectionsOfAFlowGoToTheSameWorker()
    {
        Seeded.forAll("bothDirectionsOfAFlowGoToTheSameWorker", 500, Endpoints::random, input ->
        {
            final PacketMeta forward = meta(input.ipv6(), input.addressA(), input.portA(), input.addressB(),
                input.portB(), input.protocol());
            final PacketMeta backward = meta(input.ipv6(), input.addressB(), input.portB(), input.addressA(),
                input.portA(), input.protocol());
            assertEquals(forward.flowHash, backward.flowHash);
            final boolean sameEndpoint = forward.srcHi == forward.dstHi && forward.srcLo == forward.dstLo &&
                input.portA() == input.portB();
            if (!sameEndpoint)
            {
                assertNotEquals(forward.keyReversed, backward.keyReversed);
            }
            assertEquals(ReplayEngine.workerFor(forward.flowHash, input.workers()),
                ReplayEngine.workerFor(backward.flowHash, input.workers()));
        });
    }

    record Endpoints(
        long addressA, long addressB, boolean ipv6, int portA, int portB, int protocol, int workers)
    {
        static Endpoints random(final SplittableRandom random)
        {
            final long addressA = Seeded.anyLong(random);
            // Now and then one address, or one endpoint, at both ends, where the ports (or nothing) tell them apart.
            final long addressB = random.nextInt(8) == 0 ? addressA : Seeded.anyLong(random);
            final int portA = Seeded.between(random, 0, 65535);
            final int portB = random.nextInt(8) == 0 ? portA : Seeded.between(random, 0, 65535);
            return new Endpoints(addressA, addressB, random.nextBoolean(), portA, portB,
                Seeded.between(random, 0, 255), Seeded.between(random, 1, 256));
        }
    }

    private static PacketMeta meta(final boolean ipv6, final long src, final int srcPort, final long dst,
        final int dstPort, final int protocol)
    {
        final PacketMeta meta = new PacketMeta();
        meta.l3 = ipv6 ? PacketMeta.L3_IPV6 : PacketMeta.L3_IPV4;
        meta.srcHi = ipv6 ? src >>> 7 : 0;
        meta.srcLo = ipv6 ? src : PacketMeta.IPV4_MAPPED_PREFIX | (src & 0xFFFF_FFFFL);
        meta.dstHi = ipv6 ? dst >>> 7 : 0;
        meta.dstLo = ipv6 ? dst : PacketMeta.IPV4_MAPPED_PREFIX | (dst & 0xFFFF_FFFFL);
        meta.srcPort = srcPort;
        meta.dstPort = dstPort;
        meta.protocol = protocol;
        meta.computeFlowKey();
        return meta;
    }

    @Test
    void parsedFramesOfBothDirectionsGoToTheSameWorker()
    {
        final Frames frames = new Frames();
        final PacketParser parser = new PacketParser();
        final PacketMeta request = new PacketMeta();
        final PacketMeta response = new PacketMeta();
        for (int i = 0; i < 100; i++)
        {
            final int client = Frames.ipv4(10, 0, i, 1);
            final int server = Frames.ipv4(172, 16, 0, i);
            final int a = frames.tcp(0, client, 30_000 + i, server, 443, 0x02, 0);
            final int b = frames.tcp(0, server, 443, client, 30_000 + i, 0x12, 0);
            final PacketBatch batch = frames.batch(a, b + 1);
            assertEquals(0, parser.parse(frames.buffer, batch.offset[0], batch.capturedLength[0],
                batch.wireLength[0], LinkType.ETHERNET, request));
            assertEquals(0, parser.parse(frames.buffer, batch.offset[1], batch.capturedLength[1],
                batch.wireLength[1], LinkType.ETHERNET, response));
            assertEquals(request.flowHash, response.flowHash);
            for (final int workers : WORKER_COUNTS)
            {
                assertEquals(ReplayEngine.workerFor(request.flowHash, workers),
                    ReplayEngine.workerFor(response.flowHash, workers));
            }
        }
    }
}
