package dev.palisade.cli;

import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.pipeline.ReplySink;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Writes the replies of reject rules (TCP resets, ICMP unreachables) to a capture, from any worker thread. A replay
 * has no wire to send them on; the file shows what the DPU would have sent. Replies are written as raw IP packets
 * (link type RAW), since one capture may mix link layers.
 */
final class ReplyCapture implements ReplySink, AutoCloseable
{
    private final CaptureWriter writer;

    ReplyCapture(final Path file) throws IOException
    {
        this.writer = CaptureWriter.create(file, LinkType.RAW);
    }

    @Override
    public synchronized void transmit(final int workerId, final long timestampNs, final DirectBuffer frame,
        final int length, final int linkType, final int networkOffset)
    {
        try
        {
            writer.write(timestampNs, frame, networkOffset, length - networkOffset, length - networkOffset);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    synchronized long written()
    {
        return writer.packetCount();
    }

    @Override
    public synchronized void close() throws IOException
    {
        writer.close();
    }
}
