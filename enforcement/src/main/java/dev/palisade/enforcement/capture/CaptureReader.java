package dev.palisade.enforcement.capture;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Streams the packets of a capture file in order, reading them in place from the mapped file. After {@link #next()}
 * returns true the accessors describe the current packet; {@link #buffer()} and {@link #packetOffset()} stay valid
 * until the reader is closed, so a packet can be handed to another thread without copying.
 * <pre>{@code
 * try (CaptureReader reader = CaptureReader.open(path))
 * {
 *     while (reader.next())
 *     {
 *         parser.parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(), reader.wireLength(),
 *             reader.linkType(), meta);
 *     }
 * }
 * }</pre>
 */
public abstract class CaptureReader implements AutoCloseable
{
    /** Larger records are treated as corruption (pcap's own limit is 262,144 bytes; pcapng allows more). */
    public static final int MAX_RECORD_BYTES = 16 << 20;
    /**
     * Longest frame a record's original length may claim: libpcap's largest snap length. A larger claim is corrupt
     * (one real capture says 4,093,509,168) and is capped here so it cannot swell byte counters.
     */
    public static final int MAX_WIRE_LENGTH = 262_144;

    protected final MappedFile file;
    protected long position;

    protected int segmentIndex;
    protected int packetOffset;
    protected int capturedLength;
    protected int wireLength;
    protected long timestampNs;
    protected int linkType;
    protected long recordOffset;
    protected long packetCount;

    protected CaptureReader(final MappedFile file)
    {
        this.file = file;
    }

    /**
     * Opens a pcap or pcapng file, telling the format by its magic number.
     *
     * @throws CaptureFormatException when the file is neither, or its header is damaged.
     * @throws IOException            when the file cannot be read.
     */
    public static CaptureReader open(final Path path) throws IOException
    {
        if (!Files.exists(path))
        {
            throw new NoSuchFileException(path.toString(), null, "no such capture file");
        }
        if (Files.isDirectory(path))
        {
            throw new IOException(path + ": is a directory, not a capture file");
        }
        final MappedFile file = new MappedFile(path);
        try
        {
            if (file.length() < 4)
            {
                throw new CaptureFormatException(path, 0, "file is " + file.length() +
                    " bytes, too short for a pcap or pcapng header");
            }
            final int magic = file.segment(0).getInt(0, ByteOrder.BIG_ENDIAN);
            if (magic == PcapngReader.BLOCK_SECTION_HEADER)
            {
                return new PcapngReader(file);
            }
            if (PcapReader.isPcapMagic(magic))
            {
                return new PcapReader(file);
            }
            throw new CaptureFormatException(path, 0, String.format(
                "bad magic 0x%08x: not a pcap (a1b2c3d4 / a1b23c4d) or pcapng (0a0d0d0a) file", magic));
        }
        catch (final IOException | RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /**
     * Advances to the next packet.
     *
     * @return false at the end of the file.
     * @throws CaptureFormatException when the next record is damaged; the packets before it were read.
     */
    public abstract boolean next() throws CaptureFormatException;

    /** @return "pcap" or "pcapng". */
    public abstract String format();

    public Path path()
    {
        return file.path();
    }

    public long fileLength()
    {
        return file.length();
    }

    /** @return the buffer holding the current packet (one of the file's mapped segments). */
    public DirectBuffer buffer()
    {
        return file.segment(segmentIndex);
    }

    /** @return the index of the segment holding the current packet, for {@link #segment(int)}. */
    public int segmentIndex()
    {
        return segmentIndex;
    }

    public DirectBuffer segment(final int index)
    {
        return file.segment(index);
    }

    public int segmentCount()
    {
        return file.segmentCount();
    }

    public int packetOffset()
    {
        return packetOffset;
    }

    public int capturedLength()
    {
        return capturedLength;
    }

    public int wireLength()
    {
        return wireLength;
    }

    public long timestampNs()
    {
        return timestampNs;
    }

    public int linkType()
    {
        return linkType;
    }

    /** @return the file offset of the current packet's record (or block) header. */
    public long recordOffset()
    {
        return recordOffset;
    }

    public long packetCount()
    {
        return packetCount;
    }

    /** @return how far through the file the reader is, in bytes. */
    public long position()
    {
        return position;
    }

    /**
     * Lets the memory holding file bytes before {@code position} go (see {@link MappedFile#releaseBefore}). Reading
     * those bytes again still works, only more slowly; call it for what every consumer is done with.
     */
    public void releaseBefore(final long position)
    {
        file.releaseBefore(position);
    }

    protected final void setPacket(final long dataPosition, final int captured, final int wire, final long tsNs, final int link)
    {
        segmentIndex = MappedFile.segmentOf(dataPosition);
        packetOffset = MappedFile.offsetIn(dataPosition);
        capturedLength = captured;
        // The field is unsigned; larger claims than any frame are capped (tshark caps at 2^31 - 1, which keeps its
        // arithmetic in range but would put gigabytes into byte counters).
        final long wireUnsigned = Integer.toUnsignedLong(wire);
        wireLength = (int)Math.max(Math.min(wireUnsigned, MAX_WIRE_LENGTH), captured);
        timestampNs = tsNs;
        linkType = link;
        packetCount++;
    }

    protected final int readInt(final long at, final ByteOrder order)
    {
        return file.segmentAt(at).getInt(MappedFile.offsetIn(at), order);
    }

    protected final int readShort(final long at, final ByteOrder order)
    {
        return file.segmentAt(at).getShort(MappedFile.offsetIn(at), order) & 0xFFFF;
    }

    protected final int readByte(final long at)
    {
        return file.segmentAt(at).getByte(MappedFile.offsetIn(at)) & 0xFF;
    }

    protected final long readLong(final long at, final ByteOrder order)
    {
        return file.segmentAt(at).getLong(MappedFile.offsetIn(at), order);
    }

    protected final CaptureFormatException error(final long at, final String problem)
    {
        return new CaptureFormatException(file.path(), at, problem);
    }

    @Override
    public void close()
    {
        file.close();
    }
}
