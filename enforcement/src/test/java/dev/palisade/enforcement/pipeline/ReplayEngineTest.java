package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.capture.CaptureFormatException;
import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReplayEngine} over real captures (the nDPI test captures in {@code ../shared/data/dpi/pcap}): whatever the
 * number of workers and the batch size, the totals must be the same, and the same as a plain pass over the file with
 * the parser; flows must be the same too, since the dispatch hash is symmetric and keeps each flow on one worker. And a
 * damaged capture must surface as a {@link CaptureFormatException}, with every worker thread stopped.
 */
class ReplayEngineTest
{
    /** Ethernet, many flows (TCP and UDP), port reuse, one malformed packet and some non-IP frames. */
    private static final String MIXED = "gnutella.pcap";
    /** pcapng, with non-IP frames. */
    private static final String PCAPNG = "alexa-app.pcapng";
    /** Every packet malformed. */
    private static final String MALFORMED = "badpackets.pcap";

    private static Path captures()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            final Path candidate = dir.resolve("shared/data/dpi/pcap");
            if (Files.isDirectory(candidate))
            {
                return candidate;
            }
            dir = dir.getParent();
        }
        return null;
    }

    private static Path capture(final String name)
    {
        final Path dir = captures();
        Assumptions.assumeTrue(dir != null && Files.isRegularFile(dir.resolve(name)),
            "test captures not found: looked for shared/data/dpi/pcap/" + name + " in the folders above " +
            Path.of("").toAbsolutePath() + " (the project's data sits at ../shared/data next to the repository)");
        return dir.resolve(name);
    }

    private static DataPlaneConfig config(final int batchSize)
    {
        return DataPlaneConfig.defaults()
            .withConntrack(ConntrackConfig.defaults().withCapacityFlows(1 << 16))
            .withBatchSize(batchSize);
    }

    /** Totals from a plain pass over the capture with the parser: no workers, batches or flow tables. */
    record Expected(long packets, long bytes, long malformed, long nonIp, Map<String, Long> malformedByReason)
    {
        static Expected of(final Path capture) throws IOException
        {
            long packets = 0;
            long bytes = 0;
            long malformed = 0;
            long nonIp = 0;
            final Map<String, Long> byReason = new LinkedHashMap<>();
            final PacketParser parser = new PacketParser();
            final PacketMeta meta = new PacketMeta();
            try (CaptureReader reader = CaptureReader.open(capture))
            {
                while (reader.next())
                {
                    packets++;
                    bytes += reader.wireLength();
                    final int result = parser.parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                        reader.wireLength(), reader.linkType(), meta);
                    if (result != 0)
                    {
                        malformed++;
                        byReason.merge(MalformedReason.byId(result).label(), 1L, Long::sum);
                    }
                    else if (!meta.isIp())
                    {
                        nonIp++;
                    }
                }
            }
            return new Expected(packets, bytes, malformed, nonIp, byReason);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { MIXED, PCAPNG, MALFORMED })
    void totalsAreTheSameForAnyWorkerCountAndBatchSize(final String name) throws IOException
    {
        final Path capture = capture(name);
        final Expected expected = Expected.of(capture);
        assertTrue(expected.packets() > 0);
        final ReplaySummary reference = new ReplayEngine(config(64), 1).replay(capture);
        if (expected.packets() > expected.malformed() + expected.nonIp())
        {
            assertTrue(reference.flows() > 0, "IP packets make flows");
        }

        for (final int workers : new int[]{ 1, 2, 4 })
        {
            for (final int batchSize : new int[]{ 1, 64 })
            {
                final ReplaySummary summary = new ReplayEngine(config(batchSize), workers).replay(capture);
                final String what = name + " with " + workers + " workers, batches of " + batchSize + ": ";
                assertEquals(workers, summary.workers(), what + "workers");
                assertEquals(expected.packets(), summary.packets(), what + "packets");
                assertEquals(expected.bytes(), summary.bytes(), what + "bytes");
                assertEquals(expected.malformed(), summary.counter(Counter.MALFORMED), what + "malformed");
                assertEquals(expected.malformedByReason(), summary.malformed(), what + "malformed by reason");
                assertEquals(expected.nonIp(), summary.counter(Counter.NON_IP), what + "non-IP");
                assertEquals(expected.malformed(), summary.counter(Counter.DROPPED), what + "dropped (malformed)");
                assertEquals(expected.packets() - expected.malformed(), summary.counter(Counter.PASSED), what);
                assertEquals(reference.flows(), summary.flows(), what + "flows");
                assertEquals(reference.counter(Counter.FLOWS_TCP), summary.counter(Counter.FLOWS_TCP), what);
                assertEquals(reference.counter(Counter.FLOWS_UDP), summary.counter(Counter.FLOWS_UDP), what);
                assertEquals(reference.counter(Counter.FLOWS_REOPENED), summary.counter(Counter.FLOWS_REOPENED), what);
                assertEquals(reference.counter(Counter.TCP_INVALID), summary.counter(Counter.TCP_INVALID), what);
                assertEquals(workers, summary.perWorkerPackets().length, what);
                assertEquals(summary.packets(), Arrays.stream(summary.perWorkerPackets()).sum(), what);
                assertEquals(capture.toString(), summary.capture());
            }
        }
    }

    @Test
    void flowsSpreadOverWorkers() throws IOException
    {
        final ReplaySummary summary = new ReplayEngine(config(64), 4).replay(capture(MIXED));
        for (final long packets : summary.perWorkerPackets())
        {
            assertTrue(packets > 0, "every worker gets some of a capture of over a thousand flows: " +
                Arrays.toString(summary.perWorkerPackets()));
        }
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = { 1, 4 })
    void truncatedRealCaptureSurfacesAFormatError(final int workers, @TempDir final Path dir) throws IOException
    {
        final byte[] whole = Files.readAllBytes(capture(MIXED));
        final Path damaged = dir.resolve("cut.pcap");
        Files.write(damaged, Arrays.copyOf(whole, whole.length / 2 + 7));
        final CaptureFormatException error = assertThrows(CaptureFormatException.class,
            () -> new ReplayEngine(config(64), workers).replay(damaged));
        assertEquals(damaged, error.file());
        assertTrue(error.byteOffset() > 24 && error.byteOffset() < whole.length / 2 + 7, error.getMessage());
        assertNoWorkerThreadsLeft();
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = { 1, 2 })
    void recordClaimingMoreBytesThanTheFileHoldsIsAFormatError(final int workers, @TempDir final Path dir)
        throws IOException
    {
        final Frames frames = new Frames();
        frames.udp(0, Frames.ipv4(10, 0, 0, 1), 1, Frames.ipv4(10, 0, 0, 2), 2, 10);
        final int frameLength = frames.wireLength(0);
        final ByteBuffer file = ByteBuffer.allocate(24 + 2 * (16 + frameLength)).order(ByteOrder.LITTLE_ENDIAN);
        file.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < 2; i++)
        {
            file.putInt(1).putInt(i).putInt(i == 0 ? frameLength : frameLength + 100).putInt(frameLength);
            final byte[] bytes = new byte[frameLength];
            frames.buffer.getBytes(0, bytes);
            file.put(bytes);
        }
        final Path damaged = dir.resolve("claims-too-much.pcap");
        Files.write(damaged, file.array());
        final CaptureFormatException error = assertThrows(CaptureFormatException.class,
            () -> new ReplayEngine(config(64), workers).replay(damaged));
        assertEquals(24 + 16 + frameLength, error.byteOffset(), error.getMessage());
        assertNoWorkerThreadsLeft();
    }

    @Test
    void fileThatIsNoCaptureIsAFormatError(@TempDir final Path dir) throws IOException
    {
        final Path notACapture = dir.resolve("notes.pcap");
        Files.writeString(notACapture, "this is not a capture file");
        final CaptureFormatException error = assertThrows(CaptureFormatException.class,
            () -> new ReplayEngine(config(64), 2).replay(notACapture));
        assertEquals(0, error.byteOffset());
        assertNoWorkerThreadsLeft();
    }

    @Test
    void workerCountIsBounded()
    {
        assertThrows(IllegalArgumentException.class, () -> new ReplayEngine(config(64), 0));
        assertThrows(IllegalArgumentException.class, () -> new ReplayEngine(config(64), 257));
    }

    private static void assertNoWorkerThreadsLeft()
    {
        final long deadlineNs = System.nanoTime() + 5_000_000_000L;
        while (true)
        {
            final boolean alive = Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("palisade-worker"));
            if (!alive)
            {
                return;
            }
            assertFalse(System.nanoTime() > deadlineNs, "worker threads still running after the replay failed");
            Thread.onSpinWait();
        }
    }
}
