package dev.palisade.enforcement.capture;

import dev.palisade.enforcement.packet.LinkType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged capture files. Each must fail with a {@link CaptureFormatException} whose message names the file and the
 * byte offset of the damage ({@code "name: byte N: problem"}), after delivering every packet before it.
 */
class CaptureFormatErrorTest
{
    private static final byte[] FRAME = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    private static final int EPB_LENGTH = 32 + 12;

    @TempDir
    Path directory;

    @Test
    void shouldRejectBadMagic() throws IOException
    {
        final Path file = write("picture.pcap", "GIF89a, not a capture at all".getBytes(StandardCharsets.US_ASCII));

        final CaptureFormatException ex = assertOpenFails(file, 0);
        assertTrue(ex.getMessage().contains("bad magic 0x47494638"), ex.getMessage());
    }

    @Test
    void shouldRejectEmptyFile() throws IOException
    {
        final CaptureFormatException ex = assertOpenFails(write("empty.pcap", new byte[0]), 0);
        assertTrue(ex.getMessage().contains("file is 0 bytes"), ex.getMessage());
    }

    @Test
    void shouldRejectFileTooShortForAnyMagic() throws IOException
    {
        assertOpenFails(write("three.pcapng", new byte[] { 0x0A, 0x0D, 0x0D }), 0);
    }

    @Test
    void shouldRejectTruncatedPcapFileHeader() throws IOException
    {
        final byte[] header = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET).toArray();
        final Path file = write("short-header.pcap", Arrays.copyOf(header, 10));

        // The offset is where the file ends, 10 bytes into the 24-byte header.
        final CaptureFormatException ex = assertOpenFails(file, 10);
        assertTrue(ex.getMessage().contains("10 of 24 bytes present"), ex.getMessage());
    }

    @Test
    void shouldRejectUnsupportedPcapVersion() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .u32(PcapReader.MAGIC_MICROS).u16(3).u16(0).u32(0).u32(0).u32(65_535).u32(LinkType.ETHERNET);

        final CaptureFormatException ex = assertOpenFails(write("v3.pcap", bytes.toArray()), 4);
        assertTrue(ex.getMessage().contains("unsupported pcap version 3.0"), ex.getMessage());
    }

    @Test
    void shouldRejectTruncatedPcapRecordHeader() throws IOException
    {
        final CaptureBytes bytes = pcap().pcapRecord(1, 0, FRAME, FRAME.length);
        final int damagedAt = bytes.length();
        bytes.u32(2).u32(0).u8(0xAA); // 9 of the next record header's 16 bytes

        final Path file = write("short-record-header.pcap", bytes.toArray());

        final CaptureFormatException ex = assertNextFails(file, 1, damagedAt);
        assertTrue(ex.getMessage().contains("record header truncated (9 of 16 bytes present)"), ex.getMessage());
        assertEquals(24 + 16 + FRAME.length, damagedAt);
    }

    @Test
    void shouldRejectTruncatedPcapRecordData() throws IOException
    {
        final CaptureBytes bytes = pcap().pcapRecord(1, 0, FRAME, FRAME.length).pcapRecord(2, 0, FRAME, FRAME.length);
        final int damagedAt = bytes.length();
        bytes.u32(3).u32(0).u32(100).u32(100).bytes(FRAME); // claims 100 bytes, has 10

        final CaptureFormatException ex = assertNextFails(write("short-record.pcap", bytes.toArray()), 2, damagedAt);
        assertTrue(ex.getMessage().contains("claims 100 captured bytes but only 10 remain"), ex.getMessage());
    }

    @Test
    void shouldRejectImpossiblePcapRecordLength() throws IOException
    {
        final CaptureBytes bytes = pcap();
        final int damagedAt = bytes.length();
        bytes.u32(3).u32(0).u32(-2).u32(100).bytes(FRAME);

        final CaptureFormatException ex = assertNextFails(write("huge-record.pcap", bytes.toArray()), 0, damagedAt);
        assertTrue(ex.getMessage().contains("4294967294 captured bytes"), ex.getMessage());
    }

    @Test
    void shouldRejectTruncatedSectionHeader() throws IOException
    {
        final byte[] section = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader().toArray();

        assertOpenFails(write("short-section.pcapng", Arrays.copyOf(section, 20)), 0);
    }

    @Test
    void shouldRejectBadByteOrderMagic() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .block(PcapngReader.BLOCK_SECTION_HEADER, new CaptureBytes(ByteOrder.BIG_ENDIAN)
            .u32(0x1A2B3C4E).u16(1).u16(0).u64(-1).toArray());

        final CaptureFormatException ex = assertOpenFails(write("byte-order.pcapng", bytes.toArray()), 8);
        assertTrue(ex.getMessage().contains("0x1a2b3c4e"), ex.getMessage());
    }

    @Test
    void shouldRejectUnsupportedPcapngVersion() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .block(PcapngReader.BLOCK_SECTION_HEADER, new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
            .u32(PcapngReader.BYTE_ORDER_MAGIC).u16(2).u16(0).u64(-1).toArray());

        assertOpenFails(write("v2.pcapng", bytes.toArray()), 12);
    }

    @Test
    void shouldRejectBlockLengthNotAMultipleOfFour() throws IOException
    {
        final CaptureBytes bytes = pcapng().enhancedPacket(0, 1, FRAME, FRAME.length);
        final int damagedAt = bytes.length();
        bytes.enhancedPacket(0, 2, FRAME, FRAME.length);
        final byte[] file = bytes.toArray();
        putInt(file, damagedAt + 4, EPB_LENGTH + 1);

        final CaptureFormatException ex = assertNextFails(write("odd-length.pcapng", file), 1, damagedAt + 4);
        assertTrue(ex.getMessage().contains("block total length 45 is invalid"), ex.getMessage());
    }

    @Test
    void shouldRejectBlockLengthBelowTheMinimum() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.u32(PcapngReader.BLOCK_ENHANCED_PACKET).u32(8).u32(8);

        assertNextFails(write("tiny-block.pcapng", bytes.toArray()), 0, damagedAt + 4);
    }

    @Test
    void shouldRejectImpossibleBlockLength() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.u32(PcapngReader.BLOCK_ENHANCED_PACKET).u32(0x7FFF_FFF0).u32(0);

        final CaptureFormatException ex =
            assertNextFails(write("huge-block.pcapng", bytes.toArray()), 0, damagedAt + 4);
        assertTrue(ex.getMessage().contains("the file is corrupt"), ex.getMessage());
    }

    @Test
    void shouldRejectMismatchedBlockTrailer() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.enhancedPacket(0, 1, FRAME, FRAME.length);
        final byte[] file = bytes.toArray();
        putInt(file, damagedAt + EPB_LENGTH - 4, 48);

        final CaptureFormatException ex = assertNextFails(write("trailer.pcapng", file), 0, damagedAt + EPB_LENGTH - 4);
        assertTrue(ex.getMessage().contains("trailing length 48 does not match its leading length 44"),
            ex.getMessage());
    }

    @Test
    void shouldRejectTruncatedBlock() throws IOException
    {
        final CaptureBytes bytes = pcapng().enhancedPacket(0, 1, FRAME, FRAME.length);
        final int damagedAt = bytes.length();
        final byte[] whole = bytes.enhancedPacket(0, 2, FRAME, FRAME.length).toArray();

        final CaptureFormatException ex = assertNextFails(
            write("short-block.pcapng", Arrays.copyOf(whole, whole.length - 5)), 1, damagedAt);
        assertTrue(ex.getMessage().contains("claims 44 bytes but only 39 remain"), ex.getMessage());
    }

    @Test
    void shouldRejectTruncatedBlockHeader() throws IOException
    {
        final CaptureBytes bytes = pcapng().enhancedPacket(0, 1, FRAME, FRAME.length);
        final int damagedAt = bytes.length();
        bytes.u32(PcapngReader.BLOCK_ENHANCED_PACKET).u32(EPB_LENGTH);

        final CaptureFormatException ex = assertNextFails(write("short-block-header.pcapng", bytes.toArray()), 1,
            damagedAt);
        assertTrue(ex.getMessage().contains("block header truncated (8 of 12 bytes present)"), ex.getMessage());
    }

    @Test
    void shouldRejectPacketOnUndescribedInterface() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.enhancedPacket(1, 1, FRAME, FRAME.length);

        final CaptureFormatException ex = assertNextFails(write("interface.pcapng", bytes.toArray()), 0, damagedAt + 8);
        assertTrue(ex.getMessage().contains("refers to interface 1 but the section describes 1"), ex.getMessage());
    }

    @Test
    void shouldForgetInterfacesOfThePreviousSection() throws IOException
    {
        final CaptureBytes bytes = pcapng().enhancedPacket(0, 1, FRAME, FRAME.length).sectionHeader();
        final int damagedAt = bytes.length();
        bytes.enhancedPacket(0, 2, FRAME, FRAME.length);

        final CaptureFormatException ex = assertNextFails(write("section-interfaces.pcapng", bytes.toArray()), 1,
            damagedAt + 8);
        assertTrue(ex.getMessage().contains("the section describes 0"), ex.getMessage());
    }

    @Test
    void shouldRejectPacketLongerThanItsBlock() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.enhancedPacket(0, 1, FRAME, FRAME.length);
        final byte[] file = bytes.toArray();
        putInt(file, damagedAt + 20, 13); // 13 captured bytes in a block with room for 12

        final CaptureFormatException ex = assertNextFails(write("long-packet.pcapng", file), 0, damagedAt + 20);
        assertTrue(ex.getMessage().contains("claims 13 captured bytes but its block holds 12"), ex.getMessage());
    }

    @Test
    void shouldRejectPacketBlockTooShortForItsFields() throws IOException
    {
        final CaptureBytes bytes = pcapng();
        final int damagedAt = bytes.length();
        bytes.block(PcapngReader.BLOCK_ENHANCED_PACKET, new byte[16]);

        assertNextFails(write("short-epb.pcapng", bytes.toArray()), 0, damagedAt);
    }

    @Test
    void shouldRejectSimplePacketBeforeAnyInterface() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader();
        final int damagedAt = bytes.length();
        bytes.simplePacket(FRAME.length, FRAME);

        final CaptureFormatException ex = assertNextFails(write("simple-first.pcapng", bytes.toArray()), 0, damagedAt);
        assertTrue(ex.getMessage().contains("before any interface description block"), ex.getMessage());
    }

    @Test
    void shouldRejectInterfaceBlockTooShortForItsFields() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader();
        final int damagedAt = bytes.length();
        bytes.block(PcapngReader.BLOCK_INTERFACE_DESCRIPTION, new byte[4]);

        assertNextFails(write("short-idb.pcapng", bytes.toArray()), 0, damagedAt);
    }

    @Test
    void shouldRejectTimestampResolutionOutOfRange() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.BIG_ENDIAN).sectionHeader();
        // Option value: block start + 8 (type, length) + 8 (link type, reserved, snap length) + 4 (code, length).
        final int damagedAt = bytes.length() + 20;
        bytes.interfaceWithResolution(LinkType.ETHERNET, 19).enhancedPacket(0, 1, FRAME, FRAME.length);

        final CaptureFormatException ex = assertNextFails(write("resolution.pcapng", bytes.toArray()), 0, damagedAt);
        assertTrue(ex.getMessage().contains("resolution 0x13 is out of range"), ex.getMessage());
    }

    @Test
    void shouldRejectInterfaceOptionPastItsBlock() throws IOException
    {
        final CaptureBytes bytes = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader();
        final int damagedAt = bytes.length() + 16;
        // if_name claiming 40 bytes in a block with 4 bytes of room after the option header.
        bytes.interfaceDescription(LinkType.ETHERNET, 0, bytes.body().u16(2).u16(40).u32(0).toArray());

        final CaptureFormatException ex = assertNextFails(write("option.pcapng", bytes.toArray()), 0, damagedAt);
        assertTrue(ex.getMessage().contains("interface option 2 runs past the end of its block"), ex.getMessage());
    }

    @Test
    void shouldRejectADirectoryAsAnIoProblemNotAFormatOne() throws IOException
    {
        final Path folder = Files.createDirectory(directory.resolve("captures.pcap"));

        final IOException ex = assertThrows(IOException.class, () -> CaptureReader.open(folder));

        assertFalse(ex instanceof CaptureFormatException);
        assertTrue(ex.getMessage().contains(folder.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("is a directory"), ex.getMessage());
    }

    @Test
    void shouldRejectMissingFile()
    {
        final Path missing = directory.resolve("missing.pcap");

        final NoSuchFileException ex = assertThrows(NoSuchFileException.class, () -> CaptureReader.open(missing));

        assertEquals(missing.toString(), ex.getFile());
    }

    @Test
    void shouldKeepFailingAtTheSameRecord() throws IOException
    {
        final CaptureBytes bytes = pcap();
        final int damagedAt = bytes.length();
        bytes.u32(1).u32(0).u32(100).u32(100);
        final Path file = write("sticky.pcap", bytes.toArray());

        try (CaptureReader reader = CaptureReader.open(file))
        {
            final CaptureFormatException first = assertThrows(CaptureFormatException.class, reader::next);
            final CaptureFormatException second = assertThrows(CaptureFormatException.class, reader::next);
            assertEquals(damagedAt, first.byteOffset());
            assertEquals(first.getMessage(), second.getMessage(), "the reader does not skip past damage");
        }
    }

    private CaptureFormatException assertOpenFails(final Path file, final long byteOffset)
    {
        return assertFormatError(file, byteOffset, () -> CaptureReader.open(file).close());
    }

    /** Opens the file, reads {@code goodPackets} packets, and expects the next read to fail at {@code byteOffset}. */
    private CaptureFormatException assertNextFails(final Path file, final int goodPackets, final long byteOffset)
        throws IOException
    {
        try (CaptureReader reader = CaptureReader.open(file))
        {
            for (int i = 0; i < goodPackets; i++)
            {
                assertTrue(reader.next(), "packet " + i + " before the damage");
                assertEquals(FRAME.length, reader.capturedLength());
            }
            final CaptureFormatException ex = assertFormatError(file, byteOffset, reader::next);
            assertEquals(goodPackets, reader.packetCount());
            return ex;
        }
    }

    private static CaptureFormatException assertFormatError(
        final Path file, final long byteOffset, final Executable executable)
    {
        final CaptureFormatException ex = assertThrows(CaptureFormatException.class, executable);
        assertEquals(file, ex.file());
        assertEquals(byteOffset, ex.byteOffset(), ex::getMessage);
        assertTrue(ex.getMessage().startsWith(file + ": byte " + byteOffset + ": "), ex.getMessage());
        assertTrue(ex.getMessage().contains(file.getFileName().toString()), ex.getMessage());
        return ex;
    }

    private static CaptureBytes pcap()
    {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(PcapReader.MAGIC_MICROS, 65_535, LinkType.ETHERNET);
    }

    private static CaptureBytes pcapng()
    {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN).sectionHeader().interfaceDescription(LinkType.ETHERNET, 0);
    }

    private static void putInt(final byte[] file, final int index, final int value)
    {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(index, value);
    }

    private Path write(final String name, final byte[] bytes) throws IOException
    {
        final Path file = directory.resolve(name);
        Files.write(file, bytes);
        return file;
    }
}
