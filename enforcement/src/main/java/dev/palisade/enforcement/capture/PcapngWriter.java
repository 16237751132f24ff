package dev.palisade.enforcement.capture;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes pcapng: one Section Header Block, one Interface Description Block with nanosecond resolution
 * ({@code if_tsresol} = 9), then an Enhanced Packet Block per packet.
 */
public final class PcapngWriter extends CaptureWriter
{
    private static final int SHB_LENGTH = 28;
    private static final int IDB_LENGTH = 32; // 20 fixed + if_tsresol option (8) + opt_endofopt (4)
    private static final int EPB_FIXED_LENGTH = 32;
    private static final int NANOSECOND_RESOLUTION = 9;

    public PcapngWriter(final Path path, final int linkType) throws IOException
    {
        super(path);
        int at = 0;
        buffer.putInt(at, PcapngReader.BLOCK_SECTION_HEADER, ORDER);
        buffer.putInt(at + 4, SHB_LENGTH, ORDER);
        buffer.putInt(at + 8, PcapngReader.BYTE_ORDER_MAGIC, ORDER);
        buffer.putShort(at + 12, (short)1, ORDER);
        buffer.putShort(at + 14, (short)0, ORDER);
        buffer.putLong(at + 16, -1L, ORDER); // section length not specified
        buffer.putInt(at + 24, SHB_LENGTH, ORDER);
        at += SHB_LENGTH;

        buffer.putInt(at, PcapngReader.BLOCK_INTERFACE_DESCRIPTION, ORDER);
        buffer.putInt(at + 4, IDB_LENGTH, ORDER);
        buffer.putShort(at + 8, (short)linkType, ORDER);
        buffer.putShort(at + 10, (short)0, ORDER);
        buffer.putInt(at + 12, PcapWriter.DEFAULT_SNAPLEN, ORDER);
        buffer.putShort(at + 16, (short)PcapngReader.OPTION_IF_TSRESOL, ORDER);
        buffer.putShort(at + 18, (short)1, ORDER);
        buffer.putInt(at + 20, 0, ORDER);
        buffer.putByte(at + 20, (byte)NANOSECOND_RESOLUTION);
        buffer.putInt(at + 24, 0, ORDER); // opt_endofopt
        buffer.putInt(at + 28, IDB_LENGTH, ORDER);
        used = at + IDB_LENGTH;
    }

    @Override
    protected int recordLength(final int capturedLength)
    {
        return EPB_FIXED_LENGTH + ((capturedLength + 3) & ~3);
    }

    @Override
    protected int writeRecord(final int at, final long timestampNs, final DirectBuffer source, final int offset,
        final int capturedLength, final int wireLength)
    {
        final int total = recordLength(capturedLength);
        buffer.putInt(at, PcapngReader.BLOCK_ENHANCED_PACKET, ORDER);
        buffer.putInt(at + 4, total, ORDER);
        buffer.putInt(at + 8, 0, ORDER);
        buffer.putInt(at + 12, (int)(timestampNs >>> 32), ORDER);
        buffer.putInt(at + 16, (int)timestampNs, ORDER);
        buffer.putInt(at + 20, capturedLength, ORDER);
        buffer.putInt(at + 24, wireLength, ORDER);
        buffer.putBytes(at + 28, source, offset, capturedLength);
        final int padded = (capturedLength + 3) & ~3;
        for (int i = capturedLength; i < padded; i++)
        {
            buffer.putByte(at + 28 + i, (byte)0);
        }
        buffer.putInt(at + total - 4, total, ORDER);
        return at + total;
    }
}
