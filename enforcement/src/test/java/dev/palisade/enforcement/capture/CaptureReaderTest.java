package dev.palisade.enforcement.capture;

import dev.palisade.enforcement.packet.LinkType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Capture files crafted byte by byte: both byte orders of pcap and pcapng, pcapng timestamp resolutions and offsets,
 * several sections and interfaces, and every packet block type.
 */
class CaptureReaderTest
{
    private static final byte[] FRAME_A = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
    private static final byte[] FRAME_B = { (byte)0xFF, (byte)0xEE, (byte)0xDD };
    private static final long SECONDS = 1_600_000_000L;

    @TempDir
    Path directory;

    static Stream<ByteOrder> byteOrders()
    {
        return Stream.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN);
    }

    @ParameterizedTest
    @MethodSource("byteOrders")
    void shouldReadMicrosecondPcapInEitherByteOrder(final ByteOrder order) throws IOException
    {
        final Path file = new CaptureBytes(order)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET)
            .pcapRecord(SECONDS, 999_999, FRAME_A, 1_514)
            .pcapRecord(SECONDS + 1, 1, FRAME_B, FRAME_B.length)
            .writeTo(directory.resolve("micros.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            final PcapReader pcap = (PcapReader)reader;
            assertEquals(order, pcap.byteOrder());
            assertFalse(pcap.nanosecondResolution());
            assertEquals(65_535, pcap.snapLength());
            assertPacket(reader, FRAME_A, 1_514, SECONDS * 1_000_000_000L + 999_999_000L, LinkType.ETHERNET);
            assertEquals(PcapReader.FILE_HEADER_LENGTH, reader.recordOffset());
            assertPacket(reader, FRAME_B, FRAME_B.length, (SECONDS + 1) * 1_000_000_000L + 1_000L, LinkType.ETHERNET);
            assertEquals(PcapReader.FILE_HEADER_LENGTH + 16 + FRAME_A.length, reader.recordOffset());
            assertFalse(reader.next());
        }
    }

    @ParameterizedTest
    @MethodSource("byteOrders")
    void shouldReadNanosecondPcapInEitherByteOrder(final ByteOrder order) throws IOException
    {
        final Path file = new CaptureBytes(order)
            .pcapHeader(PcapReader.MAGIC_NANOS, 262_144, LinkType.RAW)
            .pcapRecord(SECONDS, 999_999_999, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("nanos.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertEquals(order, ((PcapReader)reader).byteOrder());
            assertTrue(((PcapReader)reader).nanosecondResolution());
            assertPacket(reader, FRAME_A, FRAME_A.length, SECONDS * 1_000_000_000L + 999_999_999L, LinkType.RAW);
            assertFalse(reader.next());
        }
    }

    @Test
    void shouldReadTimestampsPast2038AsUnsignedSeconds() throws IOException
    {
        // ts_sec is unsigned 32-bit: 0x80000000 is 2038-01-19, not 1901.
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET)
            .pcapRecord(0x8000_0000L, 0, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("y2038.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertTrue(reader.next());
            assertEquals(0x8000_0000L * 1_000_000_000L, reader.timestampNs());
        }
    }

    @Test
    void shouldIgnoreFcsBitsAboveThePcapLinkType() throws IOException
    {
        // draft-ietf-opsawg-pcap section 4: F bit (26) and FCS length (28-31) share the link type field.
        final Path file = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, 0x4400_0000 | LinkType.ETHERNET)
            .pcapRecord(SECONDS, 0, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("fcs.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertTrue(reader.next());
            assertEquals(LinkType.ETHERNET, reader.linkType());
        }
    }

    @Test
    void shouldReadWireLengthUnsignedAndCapIt() throws IOException
    {
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET)
            .pcapRecord(SECONDS, 0, FRAME_A, 0xF3FD_FE30)
            .writeTo(directory.resolve("huge-wire.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertTrue(reader.next());
            assertEquals(FRAME_A.length, reader.capturedLength());
            assertEquals(CaptureReader.MAX_WIRE_LENGTH, reader.wireLength(),
                "4,093,509,168 is a snapped giant, not 'same as captured'");
        }
    }

    @Test
    void shouldNeverReportWireLengthBelowCapturedLength() throws IOException
    {
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET)
            .pcapRecord(SECONDS, 0, FRAME_A, 4)
            .writeTo(directory.resolve("short-wire.pcap"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertTrue(reader.next());
            assertEquals(FRAME_A.length, reader.capturedLength());
            assertEquals(FRAME_A.length, reader.wireLength());
        }
    }

    @ParameterizedTest
    @MethodSource("byteOrders")
    void shouldReadPcapngInEitherByteOrder(final ByteOrder order) throws IOException
    {
        // No if_tsresol: the default is microseconds (draft-ietf-opsawg-pcapng section 4.2).
        final CaptureBytes bytes = new CaptureBytes(order)
            .sectionHeader()
            .interfaceDescription(LinkType.ETHERNET, 0)
            .enhancedPacket(0, SECONDS * 1_000_000L + 250_000, FRAME_A, 1_514);
        final int secondPacketAt = bytes.length();
        final Path file = bytes
            .enhancedPacket(0, SECONDS * 1_000_000L + 250_001, FRAME_B, FRAME_B.length)
            .writeTo(directory.resolve("order.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertEquals("pcapng", reader.format());
            assertPacket(reader, FRAME_A, 1_514, SECONDS * 1_000_000_000L + 250_000_000L, LinkType.ETHERNET);
            assertPacket(reader, FRAME_B, FRAME_B.length, SECONDS * 1_000_000_000L + 250_001_000L, LinkType.ETHERNET);
            assertEquals(secondPacketAt, reader.recordOffset());
            assertFalse(reader.next());
        }
    }

    static Stream<Arguments> resolutions()
    {
        final long wholeSecondsNs = SECONDS * 1_000_000_000L;
        return Stream.of(
            Arguments.of("10^-6 (microseconds)", 6, SECONDS * 1_000_000L + 123_456L, wholeSecondsNs + 123_456_000L),
            Arguments.of("10^-9 (nanoseconds)", 9, SECONDS * 1_000_000_000L + 123_456_789L,
                wholeSecondsNs + 123_456_789L),
            Arguments.of("10^-3 (milliseconds)", 3, SECONDS * 1_000L + 7L, wholeSecondsNs + 7_000_000L),
            Arguments.of("10^0 (seconds)", 0, SECONDS, wholeSecondsNs),
            Arguments.of("10^-12 (picoseconds)", 12, 1_000_000_000_000L + 5_999L, 1_000_000_000L + 5L),
            Arguments.of("2^-0 (seconds)", 0x80, SECONDS, wholeSecondsNs),
            // Half and a quarter of a second in 2^-20 units.
            Arguments.of("2^-20", 0x80 | 20, (SECONDS << 20) | (3 << 18), wholeSecondsNs + 750_000_000L),
            // One 2^-30 tick is 0.93 ns: truncated to 0.
            Arguments.of("2^-30", 0x80 | 30, (SECONDS << 30) | 1, wholeSecondsNs),
            Arguments.of("2^-30 (half second less one tick)", 0x80 | 30, (SECONDS << 30) | ((1L << 29) - 1),
                wholeSecondsNs + 499_999_999L),
            Arguments.of("2^-63", 0x80 | 63, 1L << 62, 500_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resolutions")
    void shouldConvertEachTimestampResolutionToNanoseconds(
        final String name, final int resolution, final long units, final long expectedNs) throws IOException
    {
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceWithResolution(LinkType.ETHERNET, resolution)
            .enhancedPacket(0, units, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("resolution.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, expectedNs, LinkType.ETHERNET);
        }
    }

    @Test
    void shouldAddTheInterfaceTimestampOffset() throws IOException
    {
        final CaptureBytes options = new CaptureBytes(ByteOrder.BIG_ENDIAN);
        options.option(PcapngReader.OPTION_IF_TSRESOL, new byte[] { 9 })
            .option(PcapngReader.OPTION_IF_TSOFFSET, options.body().u64(SECONDS).toArray())
            .endOfOptions();
        final Path file = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.ETHERNET, 0, options.toArray())
            .enhancedPacket(0, 5L, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("offset.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, SECONDS * 1_000_000_000L + 5L, LinkType.ETHERNET);
        }
    }

    @Test
    void shouldSkipUnknownInterfaceOptions() throws IOException
    {
        final CaptureBytes options = new CaptureBytes(ByteOrder.LITTLE_ENDIAN);
        options.option(2, "eth0".getBytes(US_ASCII))   // if_name
            .option(3, "uplink port".getBytes(US_ASCII)) // if_description
            .option(PcapngReader.OPTION_IF_TSRESOL, new byte[] { 9 })
            .endOfOptions();
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.ETHERNET, 0, options.toArray())
            .enhancedPacket(0, 42L, FRAME_A, FRAME_A.length)
            .writeTo(directory.resolve("options.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, 42L, LinkType.ETHERNET);
        }
    }

    @Test
    void shouldReadSeveralSectionsWithTheirOwnByteOrderAndInterfaces() throws IOException
    {
        final CaptureBytes first = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceWithResolution(LinkType.ETHERNET, 9)
            .interfaceWithResolution(LinkType.RAW, 6)
            .enhancedPacket(1, 11L, FRAME_A, FRAME_A.length)
            .enhancedPacket(0, 12L, FRAME_B, FRAME_B.length);
        // The second section is big-endian; its interface 0 is Linux SLL in milliseconds.
        final CaptureBytes second = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .sectionHeader()
            .interfaceWithResolution(LinkType.LINUX_SLL, 3)
            .enhancedPacket(0, 13L, FRAME_B, FRAME_B.length);
        final CaptureBytes third = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.NULL, 0)
            .enhancedPacket(0, 14L, FRAME_A, FRAME_A.length);
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .bytes(first.toArray()).bytes(second.toArray()).bytes(third.toArray())
            .writeTo(directory.resolve("sections.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, 11_000L, LinkType.RAW);
            assertPacket(reader, FRAME_B, FRAME_B.length, 12L, LinkType.ETHERNET);
            assertPacket(reader, FRAME_B, FRAME_B.length, 13_000_000L, LinkType.LINUX_SLL);
            // The last block of the second section: an enhanced packet block of 32 + 4 bytes.
            assertEquals(first.length() + second.length() - 36, reader.recordOffset());
            assertPacket(reader, FRAME_A, FRAME_A.length, 14_000L, LinkType.NULL);
            assertFalse(reader.next());
            assertEquals(4, reader.packetCount());
        }
    }

    @Test
    void shouldReadSimplePacketBlocks() throws IOException
    {
        // Interface 0 keeps at most 16 bytes: the second packet's 17 bytes were snapped on capture.
        final byte[] sixteen = Arrays.copyOf(FRAME_A, 16);
        final Path file = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.RAW, 16)
            .simplePacket(FRAME_B.length, FRAME_B)
            .simplePacket(1_500, sixteen)
            .writeTo(directory.resolve("simple.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            // Simple packet blocks carry no timestamp.
            assertPacket(reader, FRAME_B, FRAME_B.length, 0, LinkType.RAW);
            assertPacket(reader, sixteen, 1_500, 0, LinkType.RAW);
            assertFalse(reader.next());
        }
    }

    @Test
    void shouldTakeSimplePacketLengthFromTheWireLengthNotThePadding() throws IOException
    {
        // No snap length: 3 bytes on the wire, padded to 4 in the block.
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.ETHERNET, 0)
            .simplePacket(FRAME_B.length, FRAME_B)
            .writeTo(directory.resolve("simple-padded.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_B, FRAME_B.length, 0, LinkType.ETHERNET);
        }
    }

    @Test
    void shouldReadObsoletePacketBlocks() throws IOException
    {
        final Path file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .sectionHeader()
            .interfaceWithResolution(LinkType.ETHERNET, 9)
            .obsoletePacket(0, 77L, FRAME_A)
            .writeTo(directory.resolve("obsolete.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, 77L, LinkType.ETHERNET);
            assertFalse(reader.next());
        }
    }

    @Test
    void shouldSkipBlocksThatHoldNoPackets() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.LITTLE_ENDIAN);
        final byte[] nameRecord = bytes.body().u16(1).u16(8).bytes(new byte[] { 10, 0, 0, 1, 'a', '.', 'b', 0 })
            .u16(0).u16(0).toArray();
        final Path file = bytes
            .sectionHeader()
            .block(CaptureBytes.BLOCK_NAME_RESOLUTION, nameRecord)
            .interfaceWithResolution(LinkType.ETHERNET, 9)
            .block(CaptureBytes.BLOCK_CUSTOM, new byte[] { 1, 2, 3, 4, 5 })
            .enhancedPacket(0, 1L, FRAME_A, FRAME_A.length)
            .block(CaptureBytes.BLOCK_INTERFACE_STATISTICS, new byte[20])
            .block(0x0000_000A, new byte[8]) // decryption secrets
            .enhancedPacket(0, 2L, FRAME_B, FRAME_B.length)
            .block(CaptureBytes.BLOCK_INTERFACE_STATISTICS, new byte[20])
            .writeTo(directory.resolve("skip.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertPacket(reader, FRAME_A, FRAME_A.length, 1L, LinkType.ETHERNET);
            assertPacket(reader, FRAME_B, FRAME_B.length, 2L, LinkType.ETHERNET);
            assertFalse(reader.next());
            assertEquals(reader.fileLength(), reader.position());
        }
    }

    @Test
    void shouldReadSectionWithoutPackets() throws IOException
    {
        final Path file = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .sectionHeader()
            .interfaceDescription(LinkType.ETHERNET, 0)
            .writeTo(directory.resolve("no-packets.pcapng"));

        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertFalse(reader.next());
            assertEquals(0, reader.packetCount());
        }
    }

    private static void assertPacket(
        final CaptureReader reader, final byte[] data, final int wireLength, final long timestampNs, final int linkType)
        throws IOException
    {
        assertTrue(reader.next(), "another packet");
        assertEquals(data.length, reader.capturedLength(), "captured length");
        assertEquals(wireLength, reader.wireLength(), "wire length");
        assertEquals(timestampNs, reader.timestampNs(), "timestamp");
        assertEquals(linkType, reader.linkType(), "link type");
        final byte[] read = new byte[reader.capturedLength()];
        reader.buffer().getBytes(reader.packetOffset(), read);
        assertArrayEquals(data, read, "packet bytes");
    }
}
