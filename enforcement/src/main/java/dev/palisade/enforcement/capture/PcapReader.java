package dev.palisade.enforcement.capture;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;

/**
 * Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header and the
 * packet bytes. The magic number tells the writer's byte order and whether the sub-second field counts micro- or
 * nanoseconds.
 * <pre>
 * File header:  magic(4) version_major(2) version_minor(2) thiszone(4) sigfigs(4) snaplen(4) linktype(4)
 * Record:       ts_sec(4) ts_frac(4) incl_len(4) orig_len(4) data(incl_len)
 * </pre>
 */
public final class PcapReader extends CaptureReader
{
    public static final int MAGIC_MICROS = 0xA1B2C3D4;
    public static final int MAGIC_NANOS = 0xA1B23C4D;
    public static final int FILE_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    static final int SNAPLEN_OFFSET = 16;
    static final int LINKTYPE_OFFSET = 20;

    private final ByteOrder order;
    private final long fracToNs;
    private final int fileLinkType;
    private final int snapLength;

    PcapReader(final MappedFile file) throws IOException
    {
        super(file);
        if (file.length() < FILE_HEADER_LENGTH)
        {
            throw error(file.length(), "pcap file header truncated (" + file.length() + " of 24 bytes present)");
        }
        final int big = file.segment(0).getInt(0, ByteOrder.BIG_ENDIAN);
        order = (big == MAGIC_MICROS || big == MAGIC_NANOS) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final int magic = readInt(0, order);
        fracToNs = magic == MAGIC_NANOS ? 1 : 1000;
        final int major = readShort(4, order);
        if (major != 2)
        {
            throw error(4, "unsupported pcap version " + major + "." + readShort(6, order) + " (expected 2.4)");
        }
        snapLength = readInt(SNAPLEN_OFFSET, order);
        // The upper bits hold FCS information (draft-ietf-opsawg-pcap section 4); the link type is the low 16.
        fileLinkType = readInt(LINKTYPE_OFFSET, order) & 0xFFFF;
        position = FILE_HEADER_LENGTH;
    }

    static boolean isPcapMagic(final int bigEndianMagic)
    {
        return bigEndianMagic == MAGIC_MICROS || bigEndianMagic == MAGIC_NANOS ||
            bigEndianMagic == Integer.reverseBytes(MAGIC_MICROS) || bigEndianMagic == Integer.reverseBytes(MAGIC_NANOS);
    }

    @Override
    public boolean next() throws CaptureFormatException
    {
        final long fileLength = file.length();
        if (position >= fileLength)
        {
            return false;
        }
        final long at = position;
        if (fileLength - at < RECORD_HEADER_LENGTH)
        {
            throw error(at, "record header truncated (" + (fileLength - at) + " of 16 bytes present)");
        }
        // A record header and its data lie in one mapped segment (records are far smaller than the overlap).
        final UnsafeBuffer segment = file.segmentAt(at);
        final int o = MappedFile.offsetIn(at);
        final long seconds = segment.getInt(o, order) & 0xFFFF_FFFFL;
        final long fraction = segment.getInt(o + 4, order) & 0xFFFF_FFFFL;
        final int captured = segment.getInt(o + 8, order);
        final int wire = segment.getInt(o + 12, order);
        if (captured < 0 || captured > MAX_RECORD_BYTES)
        {
            throw error(at, "record claims " + Integer.toUnsignedString(captured) +
                " captured bytes (limit " + MAX_RECORD_BYTES + "): the file is corrupt");
        }
        final long dataAt = at + RECORD_HEADER_LENGTH;
        if (fileLength - dataAt < captured)
        {
            throw error(at, "record truncated: claims " + captured + " captured bytes but only " +
                (fileLength - dataAt) + " remain in the file");
        }
        recordOffset = at;
        position = dataAt + captured;
        setPacket(dataAt, captured, wire, seconds * 1_000_000_000L + fraction * fracToNs, fileLinkType);
        return true;
    }

    @Override
    public String format()
    {
        return "pcap";
    }

    public ByteOrder byteOrder()
    {
        return order;
    }

    public boolean nanosecondResolution()
    {
        return fracToNs == 1;
    }

    public int snapLength()
    {
        return snapLength;
    }
}
