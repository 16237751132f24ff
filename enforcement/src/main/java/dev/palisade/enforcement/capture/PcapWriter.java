package dev.palisade.enforcement.capture;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;

/** Writes classic pcap (version 2.4) with micro- or nanosecond timestamps. */
public final class PcapWriter extends CaptureWriter
{
    public static final int DEFAULT_SNAPLEN = 262_144;

    private final boolean nanosecond;

    public PcapWriter(final Path path, final int linkType, final boolean nanosecond) throws IOException
    {
        super(path);
        this.nanosecond = nanosecond;
        buffer.putInt(0, nanosecond ? PcapReader.MAGIC_NANOS : PcapReader.MAGIC_MICROS, ORDER);
        buffer.putShort(4, (short)2, ORDER);
        buffer.putShort(6, (short)4, ORDER);
        buffer.putInt(8, 0, ORDER);
        buffer.putInt(12, 0, ORDER);
        buffer.putInt(PcapReader.SNAPLEN_OFFSET, DEFAULT_SNAPLEN, ORDER);
        buffer.putInt(PcapReader.LINKTYPE_OFFSET, linkType, ORDER);
        used = PcapReader.FILE_HEADER_LENGTH;
    }

    @Override
    protected int recordLength(final int capturedLength)
    {
        return PcapReader.RECORD_HEADER_LENGTH + capturedLength;
    }

    @Override
    protected int writeRecord(final int at, final long timestampNs, final DirectBuffer source, final int offset,
        final int capturedLength, final int wireLength)
    {
        final long seconds = Math.floorDiv(timestampNs, 1_000_000_000L);
        final long nanos = Math.floorMod(timestampNs, 1_000_000_000L);
        buffer.putInt(at, (int)seconds, ORDER);
        buffer.putInt(at + 4, (int)(nanosecond ? nanos : nanos / 1000), ORDER);
        buffer.putInt(at + 8, capturedLength, ORDER);
        buffer.putInt(at + 12, wireLength, ORDER);
        buffer.putBytes(at + PcapReader.RECORD_HEADER_LENGTH, source, offset, capturedLength);
        return at + PcapReader.RECORD_HEADER_LENGTH + capturedLength;
    }
}
