package dev.palisade.enforcement.capture;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * pcapng files (draft-ietf-opsawg-pcapng). Every block is {@code type(4) total_length(4) body total_length(4)}; a
 * Section Header Block starts each section and fixes its byte order; Interface Description Blocks give each interface
 * a link type and timestamp resolution; packets come in Enhanced (6), Simple (3) or obsolete Packet (2) blocks. Other
 * blocks (name resolution, statistics, decryption secrets, custom) are skipped.
 */
public final class PcapngReader extends CaptureReader
{
    public static final int BLOCK_SECTION_HEADER = 0x0A0D0D0A;
    public static final int BLOCK_INTERFACE_DESCRIPTION = 1;
    public static final int BLOCK_PACKET_OBSOLETE = 2;
    public static final int BLOCK_SIMPLE_PACKET = 3;
    public static final int BLOCK_ENHANCED_PACKET = 6;
    public static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    public static final int OPTION_END = 0;
    public static final int OPTION_IF_TSRESOL = 9;
    public static final int OPTION_IF_TSOFFSET = 14;
    static final int BLOCK_HEADER_LENGTH = 8;
    static final int MIN_BLOCK_LENGTH = 12;
    private static final int MAX_INTERFACES = 65_536;

    private ByteOrder order = ByteOrder.BIG_ENDIAN;
    private int interfaceCount;
    private int[] interfaceLinkType = new int[4];
    private int[] interfaceSnapLength = new int[4];
    /** Timestamp resolution: for power-of-ten, the exponent; for power-of-two, the exponent with bit 7 set. */
    private int[] interfaceResolution = new int[4];
    private long[] interfaceOffsetSeconds = new long[4];

    PcapngReader(final MappedFile file) throws IOException
    {
        super(file);
        position = 0;
        readSectionHeader(0);
    }

    @Override
    public String format()
    {
        return "pcapng";
    }

    @Override
    public boolean next() throws CaptureFormatException
    {
        final long fileLength = file.length();
        if (nextEnhancedPacketFast(fileLength))
        {
            return true;
        }
        while (position < fileLength)
        {
            final long at = position;
            if (fileLength - at < MIN_BLOCK_LENGTH)
            {
                throw error(at, "block header truncated (" + (fileLength - at) + " of 12 bytes present)");
            }
            final int rawType = readInt(at, ByteOrder.BIG_ENDIAN);
            if (rawType == BLOCK_SECTION_HEADER)
            {
                readSectionHeader(at);
                continue;
            }
            final int type = readInt(at, order);
            final long totalLength = readInt(at + 4, order) & 0xFFFF_FFFFL;
            checkBlockLength(at, totalLength, fileLength);
            position = at + totalLength;
            switch (type)
            {
                case BLOCK_INTERFACE_DESCRIPTION -> readInterface(at, totalLength);
                case BLOCK_ENHANCED_PACKET ->
                {
                    readEnhancedPacket(at, totalLength, false);
                    return true;
                }
                case BLOCK_PACKET_OBSOLETE ->
                {
                    readEnhancedPacket(at, totalLength, true);
                    return true;
                }
                case BLOCK_SIMPLE_PACKET ->
                {
                    readSimplePacket(at, totalLength);
                    return true;
                }
                default ->
                {
                    // Not a packet: name resolution, statistics, secrets, custom blocks.
                }
            }
        }
        return false;
    }

    /**
     * The common case in one place: a well-formed Enhanced Packet Block, read through its segment with int offsets.
     * Anything unusual (another block type, any inconsistency) returns false and the general loop handles it,
     * including the error message.
     */
    private boolean nextEnhancedPacketFast(final long fileLength)
    {
        final long at = position;
        if (fileLength - at < 32)
        {
            return false;
        }
        final UnsafeBuffer segment = file.segmentAt(at);
        final int o = MappedFile.offsetIn(at);
        final ByteOrder order = this.order;
        if (segment.getInt(o, order) != BLOCK_ENHANCED_PACKET)
        {
            return false;
        }
        final int totalLength = segment.getInt(o + 4, order);
        if (totalLength < 32 || (totalLength & 3) != 0 || totalLength > MAX_RECORD_BYTES + 64 ||
            totalLength > fileLength - at || segment.getInt(o + totalLength - 4, order) != totalLength)
        {
            return false;
        }
        final int interfaceId = segment.getInt(o + 8, order);
        final int captured = segment.getInt(o + 20, order);
        if (interfaceId < 0 || interfaceId >= interfaceCount || captured < 0 || captured > totalLength - 32)
        {
            return false;
        }
        final long timestamp = ((segment.getInt(o + 12, order) & 0xFFFF_FFFFL) << 32) |
            (segment.getInt(o + 16, order) & 0xFFFF_FFFFL);
        final int wire = segment.getInt(o + 24, order);
        position = at + totalLength;
        recordOffset = at;
        setPacket(at + 28, captured, wire, toNanos(interfaceId, timestamp), interfaceLinkType[interfaceId]);
        return true;
    }

    private void checkBlockLength(final long at, final long totalLength, final long fileLength) throws CaptureFormatException
    {
        if (totalLength < MIN_BLOCK_LENGTH || (totalLength & 3) != 0)
        {
            throw error(at + 4, "block total length " + totalLength + " is invalid (must be a multiple of 4, at least 12)");
        }
        if (totalLength > MAX_RECORD_BYTES + 64L)
        {
            throw error(at + 4, "block claims " + totalLength + " bytes (limit " + MAX_RECORD_BYTES + "): the file is corrupt");
        }
        if (totalLength > fileLength - at)
        {
            throw error(at, "block truncated: claims " + totalLength + " bytes but only " + (fileLength - at) +
                " remain in the file");
        }
        final long trailer = readInt(at + totalLength - 4, order) & 0xFFFF_FFFFL;
        if (trailer != totalLength)
        {
            throw error(at + totalLength - 4, "block trailing length " + trailer + " does not match its leading length " +
                totalLength);
        }
    }

    private void readSectionHeader(final long at) throws CaptureFormatException
    {
        final long fileLength = file.length();
        if (fileLength - at < 28)
        {
            throw error(at, "section header block truncated (" + (fileLength - at) + " of at least 28 bytes present)");
        }
        final int magic = readInt(at + 8, ByteOrder.BIG_ENDIAN);
        if (magic == BYTE_ORDER_MAGIC)
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC))
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else
        {
            throw error(at + 8, String.format("bad pcapng byte-order magic 0x%08x (expected 1a2b3c4d)", magic));
        }
        final int major = readShort(at + 12, order);
        if (major != 1)
        {
            throw error(at + 12, "unsupported pcapng version " + major + "." + readShort(at + 14, order) + " (expected 1.0)");
        }
        final long totalLength = readInt(at + 4, order) & 0xFFFF_FFFFL;
        checkBlockLength(at, totalLength, fileLength);
        interfaceCount = 0; // interface ids are per section
        position = at + totalLength;
    }

    private void readInterface(final long at, final long totalLength) throws CaptureFormatException
    {
        if (totalLength < 20)
        {
            throw error(at, "interface description block too short (" + totalLength + " bytes, at least 20 needed)");
        }
        if (interfaceCount == MAX_INTERFACES)
        {
            throw error(at, "more than " + MAX_INTERFACES + " interfaces in one section");
        }
        if (interfaceCount == interfaceLinkType.length)
        {
            final int size = interfaceCount * 2;
            interfaceLinkType = Arrays.copyOf(interfaceLinkType, size);
            interfaceSnapLength = Arrays.copyOf(interfaceSnapLength, size);
            interfaceResolution = Arrays.copyOf(interfaceResolution, size);
            interfaceOffsetSeconds = Arrays.copyOf(interfaceOffsetSeconds, size);
        }
        final int id = interfaceCount++;
        interfaceLinkType[id] = readShort(at + 8, order);
        interfaceSnapLength[id] = readInt(at + 12, order);
        interfaceResolution[id] = 6;
        interfaceOffsetSeconds[id] = 0;

        long option = at + 16;
        final long end = at + totalLength - 4;
        while (end - option >= 4)
        {
            final int code = readShort(option, order);
            final int length = readShort(option + 2, order);
            if (code == OPTION_END)
            {
                break;
            }
            final long value = option + 4;
            if (value + length > end)
            {
                throw error(option, "interface option " + code + " runs past the end of its block");
            }
            if (code == OPTION_IF_TSRESOL && length >= 1)
            {
                final int resolution = readByte(value);
                if ((resolution & 0x80) == 0 ? resolution > 18 : (resolution & 0x7F) > 63)
                {
                    throw error(value, "interface timestamp resolution 0x" + Integer.toHexString(resolution) +
                        " is out of range");
                }
                interfaceResolution[id] = resolution;
            }
            else if (code == OPTION_IF_TSOFFSET && length >= 8)
            {
                interfaceOffsetSeconds[id] = readLong(value, order);
            }
            option = value + ((length + 3) & ~3);
        }
    }

    private void readEnhancedPacket(final long at, final long totalLength, final boolean obsolete) throws CaptureFormatException
    {
        if (totalLength < 32)
        {
            throw error(at, "packet block too short (" + totalLength + " bytes, at least 32 needed)");
        }
        final int interfaceId = obsolete ? readShort(at + 8, order) : readInt(at + 8, order);
        if (interfaceId < 0 || interfaceId >= interfaceCount)
        {
            throw error(at + 8, "packet refers to interface " + Integer.toUnsignedString(interfaceId) + " but the section " +
                "describes " + interfaceCount);
        }
        final long timestamp = ((readInt(at + 12, order) & 0xFFFF_FFFFL) << 32) | (readInt(at + 16, order) & 0xFFFF_FFFFL);
        final int captured = readInt(at + 20, order);
        final int wire = readInt(at + 24, order);
        if (captured < 0 || captured > totalLength - 32)
        {
            throw error(at + 20, "packet claims " + Integer.toUnsignedString(captured) + " captured bytes but its block " +
                "holds " + (totalLength - 32));
        }
        recordOffset = at;
        setPacket(at + 28, captured, wire, toNanos(interfaceId, timestamp), interfaceLinkType[interfaceId]);
    }

    private void readSimplePacket(final long at, final long totalLength) throws CaptureFormatException
    {
        if (interfaceCount == 0)
        {
            throw error(at, "simple packet block before any interface description block");
        }
        final int wire = readInt(at + 8, order);
        final long room = totalLength - 16;
        final int snap = interfaceSnapLength[0] == 0 ? Integer.MAX_VALUE : interfaceSnapLength[0];
        final int captured = (int)Math.min(Math.min(room, Integer.toUnsignedLong(wire)), snap);
        recordOffset = at;
        setPacket(at + 12, Math.max(0, captured), wire, 0, interfaceLinkType[0]);
    }

    private long toNanos(final int interfaceId, final long units)
    {
        final int resolution = interfaceResolution[interfaceId];
        final long offsetNs = interfaceOffsetSeconds[interfaceId] * 1_000_000_000L;
        if ((resolution & 0x80) != 0)
        {
            final int shift = resolution & 0x7F;
            final long whole = shift >= 64 ? 0 : units >>> shift;
            final long fraction = shift >= 64 ? units : units & ((1L << shift) - 1);
            final long fractionNs = shift == 0 ? 0 : Math.unsignedMultiplyHigh(fraction << (64 - shift), 1_000_000_000L);
            return offsetNs + whole * 1_000_000_000L + fractionNs;
        }
        if (resolution <= 9)
        {
            return offsetNs + units * POWERS_OF_TEN[9 - resolution];
        }
        return offsetNs + units / POWERS_OF_TEN[resolution - 9];
    }

    private static final long[] POWERS_OF_TEN = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
        10_000_000_000L };
}
