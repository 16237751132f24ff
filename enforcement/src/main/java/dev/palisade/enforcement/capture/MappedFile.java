package dev.palisade.enforcement.capture;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only file mapped as overlapping segments so that files larger than 2 GiB can be read in place. Segment
 * {@code i} covers file bytes {@code [i * STEP, i * STEP + STEP + OVERLAP)}; a record that starts in
 * {@code [i * STEP, (i + 1) * STEP)} and is no longer than {@code OVERLAP} lies wholly in segment {@code i}, so a
 * reader hands out (segment, offset) pairs that stay valid until {@link #close()}. Mapped pages are file-backed: the
 * kernel reads them on demand and may drop them under pressure, so a multi-gigabyte capture needs little memory.
 */
final class MappedFile implements AutoCloseable
{
    static final long STEP = 1L << 30;
    static final long OVERLAP = 64L << 20;

    private final Path path;
    private final long length;
    private final MappedByteBuffer[] mapped;
    private final UnsafeBuffer[] segments;

    MappedFile(final Path path) throws IOException
    {
        this.path = path;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            length = channel.size();
            final int count = (int)Math.max(1, (length + STEP - 1) / STEP);
            mapped = new MappedByteBuffer[count];
            segments = new UnsafeBuffer[count];
            for (int i = 0; i < count; i++)
            {
                final long start = i * STEP;
                final long size = Math.min(STEP + OVERLAP, length - start);
                mapped[i] = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.max(0, size));
                segments[i] = new UnsafeBuffer(mapped[i]);
            }
        }
    }

    Path path()
    {
        return path;
    }

    long length()
    {
        return length;
    }

    int segmentCount()
    {
        return segments.length;
    }

    static int segmentOf(final long position)
    {
        return (int)(position / STEP);
    }

    static int offsetIn(final long position)
    {
        return (int)(position % STEP);
    }

    UnsafeBuffer segment(final int index)
    {
        return segments[index];
    }

    /** @return the segment that holds {@code position}, for reads of up to {@link #OVERLAP} bytes from it. */
    UnsafeBuffer segmentAt(final long position)
    {
        return segments[segmentOf(position)];
    }

    @Override
    public void close()
    {
        for (final MappedByteBuffer buffer : mapped)
        {
            IoUtil.unmap(buffer);
        }
    }
}
