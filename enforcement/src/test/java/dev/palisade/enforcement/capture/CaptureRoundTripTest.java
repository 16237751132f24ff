package dev.palisade.enforcement.capture;

import dev.palisade.enforcement.packet.LinkType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packets written with {@link PcapWriter} (micro- and nanosecond) and {@link PcapngWriter} and read back with
 * {@link CaptureReader}: bytes, lengths, timestamps, link type and record offsets must survive.
 */
class CaptureRoundTripTest
{
    /** 2023-11-14T22:13:20Z plus a nanosecond part that microsecond files must truncate. */
    private static final long BASE_NS = 1_700_000_000_123_456_789L;
    private static final int[] LENGTHS = { 0, 1, 2, 3, 4, 5, 60, 61, 62, 63, 64, 1514, 9000, 65_535 };

    @TempDir
    Path directory;

    @Test
    void shouldRoundTripMicrosecondPcap() throws IOException
    {
        final Path file = directory.resolve("micros.pcap");
        final List<Packet> packets = samplePackets();
        try (CaptureWriter writer = new PcapWriter(file, LinkType.ETHERNET, false))
        {
            writeAll(writer, packets);
        }

        try (CaptureReader reader = CaptureReader.open(file))
        {
            final PcapReader pcap = assertInstanceOf(PcapReader.class, reader);
            assertEquals("pcap", reader.format());
            assertFalse(pcap.nanosecondResolution());
            assertEquals(ByteOrder.nativeOrder(), pcap.byteOrder());
            assertEquals(PcapWriter.DEFAULT_SNAPLEN, pcap.snapLength());
            assertReadsBack(reader, packets, 1_000, PcapReader.FILE_HEADER_LENGTH, PcapReader.RECORD_HEADER_LENGTH, 1);
        }
    }

    @Test
    void shouldRoundTripNanosecondPcap() throws IOException
    {
        final Path file = directory.resolve("nanos.pcap");
        final List<Packet> packets = samplePackets();
        try (CaptureWriter writer = new PcapWriter(file, LinkType.RAW, true))
        {
            writeAll(writer, packets);
            assertEquals(packets.size(), writer.packetCount());
        }

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertTrue(((PcapReader)reader).nanosecondResolution());
            assertReadsBack(reader, packets, 1, PcapReader.FILE_HEADER_LENGTH, PcapReader.RECORD_HEADER_LENGTH, 1);
        }
    }

    @Test
    void shouldRoundTripPcapng() throws IOException
    {
        final Path file = directory.resolve("trace.pcapng");
        final List<Packet> packets = samplePackets();
        try (CaptureWriter writer = new PcapngWriter(file, LinkType.LINUX_SLL2))
        {
            writeAll(writer, packets);
        }

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertInstanceOf(PcapngReader.class, reader);
            assertEquals("pcapng", reader.format());
            // Section header (28) and interface description (32) precede the first enhanced packet block, whose
            // fixed part is 32 bytes and whose data is padded to 4.
            assertReadsBack(reader, packets, 1, 60, 32, 4);
        }
    }

    @Test
    void shouldPickTheFormatFromTheFileName() throws IOException
    {
        assertEquals(CaptureWriter.Format.PCAPNG, CaptureWriter.Format.forPath(Path.of("a/b.PCAPNG")));
        assertEquals(CaptureWriter.Format.PCAPNG, CaptureWriter.Format.forPath(Path.of("b.ntar")));
        assertEquals(CaptureWriter.Format.PCAP, CaptureWriter.Format.forPath(Path.of("b.pcap")));
        assertEquals(CaptureWriter.Format.PCAP, CaptureWriter.Format.forPath(Path.of("b.cap")));

        final List<Packet> packets = samplePackets();
        for (final String name : new String[] { "auto.pcapng", "auto.pcap" })
        {
            final Path file = directory.resolve(name);
            try (CaptureWriter writer = CaptureWriter.create(file, LinkType.ETHERNET))
            {
                writeAll(writer, packets);
            }
            try (CaptureReader reader = CaptureReader.open(file))
            {
                assertEquals(name.substring(name.indexOf('.') + 1), reader.format());
                // CaptureWriter.create writes nanosecond pcap, so both keep the full timestamp.
                assertReadsBack(reader, packets, 1);
            }
        }
    }

    @Test
    void shouldWriteMoreThanTheWriteBuffer() throws IOException
    {
        // 3,000 packets of 1,000 bytes: the 1 MiB write buffer is flushed several times.
        final List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < 3_000; i++)
        {
            packets.add(new Packet(BASE_NS + i * 1_000_000L, pattern(1_000, i), 1_000));
        }
        for (final String name : new String[] { "big.pcap", "big.pcapng" })
        {
            final Path file = directory.resolve(name);
            try (CaptureWriter writer = CaptureWriter.create(file, LinkType.ETHERNET))
            {
                writeAll(writer, packets);
            }
            try (CaptureReader reader = CaptureReader.open(file))
            {
                assertReadsBack(reader, packets, 1);
                assertEquals(Files.size(file), reader.fileLength());
            }
        }
    }

    @Test
    void shouldKeepEarlierPacketsReadableUntilClose() throws IOException
    {
        final Path file = directory.resolve("stable.pcapng");
        final List<Packet> packets = samplePackets();
        try (CaptureWriter writer = CaptureWriter.create(file, LinkType.ETHERNET))
        {
            writeAll(writer, packets);
        }

        try (CaptureReader reader = CaptureReader.open(file))
        {
            final List<DirectBuffer> buffers = new ArrayList<>();
            final List<Integer> offsets = new ArrayList<>();
            while (reader.next())
            {
                buffers.add(reader.buffer());
                offsets.add(reader.packetOffset());
            }
            for (int i = 0; i < packets.size(); i++)
            {
                final byte[] data = new byte[packets.get(i).data.length];
                buffers.get(i).getBytes(offsets.get(i), data);
                assertArrayEquals(packets.get(i).data, data, "packet " + i + " after reading to the end");
            }
        }
    }

    @Test
    void shouldWriteSnappedPacketFromAnOffsetInADirectBuffer() throws IOException
    {
        final byte[] frame = pattern(1_514, 9);
        final UnsafeBuffer source = new UnsafeBuffer(new byte[100 + frame.length]);
        source.putBytes(100, frame);
        for (final String name : new String[] { "snap.pcap", "snap.pcapng" })
        {
            final Path file = directory.resolve(name);
            try (CaptureWriter writer = CaptureWriter.create(file, LinkType.ETHERNET))
            {
                writer.write(BASE_NS, source, 100, 96, frame.length);
            }
            try (CaptureReader reader = CaptureReader.open(file))
            {
                assertTrue(reader.next());
                assertEquals(96, reader.capturedLength());
                assertEquals(1_514, reader.wireLength());
                assertArrayEquals(Arrays.copyOf(frame, 96), bytesOf(reader));
                assertFalse(reader.next());
            }
        }
    }

    @Test
    void shouldRejectPacketLargerThanTheWriteBuffer() throws IOException
    {
        final Path file = directory.resolve("huge.pcap");
        try (CaptureWriter writer = CaptureWriter.create(file, LinkType.ETHERNET))
        {
            final byte[] huge = new byte[2 << 20];
            final IOException ex = assertThrows(IOException.class, () -> writer.write(BASE_NS, huge, 0, huge.length));
            assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
            assertEquals(0, writer.packetCount());
        }
        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertFalse(reader.next(), "the file holds only its header");
        }
    }

    @Test
    void shouldWriteHeaderOnlyFileWhenNothingWasWritten() throws IOException
    {
        for (final String name : new String[] { "none.pcap", "none.pcapng" })
        {
            final Path file = directory.resolve(name);
            CaptureWriter.create(file, LinkType.ETHERNET).close();
            assertTrue(Files.exists(file));
            try (CaptureReader reader = CaptureReader.open(file))
            {
                assertFalse(reader.next());
                assertFalse(reader.next(), "stays at the end");
                assertEquals(0, reader.packetCount());
                assertEquals(reader.fileLength(), reader.position());
            }
        }
    }

    private static void assertReadsBack(final CaptureReader reader, final List<Packet> packets, final long resolutionNs)
        throws IOException
    {
        assertReadsBack(reader, packets, resolutionNs, -1, 0, 1);
    }

    /**
     * @param firstRecordOffset where the first record starts, or -1 not to check record offsets.
     * @param recordOverhead    bytes of framing per record besides the padded data.
     * @param dataAlignment     the data is padded to a multiple of this.
     */
    private static void assertReadsBack(
        final CaptureReader reader,
        final List<Packet> packets,
        final long resolutionNs,
        final long firstRecordOffset,
        final int recordOverhead,
        final int dataAlignment) throws IOException
    {
        long expectedRecordOffset = firstRecordOffset;
        for (int i = 0; i < packets.size(); i++)
        {
            final Packet packet = packets.get(i);
            assertTrue(reader.next(), "packet " + i);
            assertEquals(packet.data.length, reader.capturedLength(), "captured length of packet " + i);
            assertEquals(packet.wireLength, reader.wireLength(), "wire length of packet " + i);
            assertEquals(packet.timestampNs / resolutionNs * resolutionNs, reader.timestampNs(), "timestamp of " + i);
            assertArrayEquals(packet.data, bytesOf(reader), "bytes of packet " + i);
            assertEquals(i + 1, reader.packetCount());
            if (firstRecordOffset >= 0)
            {
                assertEquals(expectedRecordOffset, reader.recordOffset(), "record offset of packet " + i);
                final int padded = (packet.data.length + dataAlignment - 1) / dataAlignment * dataAlignment;
                expectedRecordOffset += recordOverhead + padded;
            }
        }
        assertFalse(reader.next());
        assertEquals(reader.fileLength(), reader.position());
    }

    private static byte[] bytesOf(final CaptureReader reader)
    {
        final byte[] data = new byte[reader.capturedLength()];
        reader.buffer().getBytes(reader.packetOffset(), data);
        return data;
    }

    private static void writeAll(final CaptureWriter writer, final List<Packet> packets) throws IOException
    {
        for (final Packet packet : packets)
        {
            if (packet.wireLength == packet.data.length)
            {
                writer.write(packet.timestampNs, packet.data, 0, packet.data.length);
            }
            else
            {
                writer.write(
                    packet.timestampNs, new UnsafeBuffer(packet.data), 0, packet.data.length, packet.wireLength);
            }
        }
    }

    private static List<Packet> samplePackets()
    {
        final List<Packet> packets = new ArrayList<>();
        long timestampNs = BASE_NS;
        for (final int length : LENGTHS)
        {
            packets.add(new Packet(timestampNs, pattern(length, length), length));
            timestampNs += 999_999_999L;
        }
        // Snapped: 96 of 1514 bytes kept.
        packets.add(new Packet(timestampNs, pattern(96, 1), 1_514));
        // The last nanosecond of a second, and the epoch itself.
        packets.add(new Packet(1_700_000_001_999_999_999L, pattern(40, 2), 40));
        packets.add(new Packet(0, pattern(40, 3), 40));
        return packets;
    }

    private static byte[] pattern(final int length, final int seed)
    {
        final byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(i * 31 + seed);
        }
        return data;
    }

    private record Packet(long timestampNs, byte[] data, int wireLength)
    {
    }

    @Test
    void releasingReadPagesNeverChangesWhatIsRead() throws IOException
    {
        final Path file = directory.resolve("release.pcap");
        final int packets = 20_000;
        final byte[] frame = new byte[400];
        try (CaptureWriter writer = CaptureWriter.create(file, CaptureWriter.Format.PCAP, LinkType.ETHERNET, true))
        {
            for (int i = 0; i < packets; i++)
            {
                Arrays.fill(frame, (byte)i);
                writer.write(i, frame, 0, frame.length);
            }
        }
        try (CaptureReader reader = CaptureReader.open(file))
        {
            final List<long[]> seen = new ArrayList<>();
            for (int i = 0; i < packets; i++)
            {
                assertTrue(reader.next());
                assertEquals((byte)i, reader.buffer().getByte(reader.packetOffset()), "packet " + i);
                seen.add(new long[] {reader.segmentIndex(), reader.packetOffset(), i});
                if (i % 1000 == 999)
                {
                    reader.releaseBefore(reader.position()); // everything read so far, including this packet
                }
            }
            // Released pages come back from the file when touched again.
            for (final long[] packet : seen)
            {
                assertEquals((byte)packet[2], reader.segment((int)packet[0]).getByte((int)packet[1] + 399));
            }
        }
    }
}
