package dev.palisade.enforcement.capture;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes packets to a capture file through one reusable direct buffer (flushed when full and on close), so writing
 * allocates nothing per packet. Files are written in the machine's byte order, as libpcap does.
 */
public abstract class CaptureWriter implements AutoCloseable
{
    public enum Format
    {
        PCAP, PCAPNG;

        /** Picks the format from a file name: {@code .pcapng} or {@code .ntar} mean pcapng, anything else pcap. */
        public static Format forPath(final Path path)
        {
            final String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            return name.endsWith(".pcapng") || name.endsWith(".ntar") ? PCAPNG : PCAP;
        }
    }

    protected static final int BUFFER_BYTES = 1 << 20;
    protected static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private final FileChannel channel;
    private final ByteBuffer byteBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ORDER);
    protected final UnsafeBuffer buffer = new UnsafeBuffer(byteBuffer);
    protected final Path path;
    protected int used;
    private long packets;

    protected CaptureWriter(final Path path) throws IOException
    {
        this.path = path;
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Creates a writer in the format the file name suggests ({@link Format#forPath}). */
    public static CaptureWriter create(final Path path, final int linkType) throws IOException
    {
        return create(path, Format.forPath(path), linkType, true);
    }

    public static CaptureWriter create(final Path path, final Format format, final int linkType,
        final boolean nanosecond) throws IOException
    {
        return format == Format.PCAPNG ? new PcapngWriter(path, linkType) : new PcapWriter(path, linkType, nanosecond);
    }

    /** Writes one packet; {@code wireLength} may exceed {@code capturedLength} for a snapped packet. */
    public final void write(final long timestampNs, final DirectBuffer source, final int offset, final int capturedLength,
        final int wireLength) throws IOException
    {
        final int recordBytes = recordLength(capturedLength);
        if (recordBytes > BUFFER_BYTES)
        {
            throw new IOException(path + ": packet of " + capturedLength + " bytes is too large to write");
        }
        if (used + recordBytes > BUFFER_BYTES)
        {
            flush();
        }
        used = writeRecord(used, timestampNs, source, offset, capturedLength, wireLength);
        packets++;
    }

    public final void write(final long timestampNs, final byte[] packet, final int offset, final int length)
        throws IOException
    {
        scratch.wrap(packet);
        write(timestampNs, scratch, offset, length, length);
    }

    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);

    public long packetCount()
    {
        return packets;
    }

    protected abstract int recordLength(int capturedLength);

    protected abstract int writeRecord(int at, long timestampNs, DirectBuffer source, int offset, int capturedLength,
        int wireLength);

    public final void flush() throws IOException
    {
        byteBuffer.clear().limit(used);
        while (byteBuffer.hasRemaining())
        {
            channel.write(byteBuffer);
        }
        used = 0;
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            flush();
        }
        finally
        {
            channel.close();
        }
    }
}
