package dev.palisade.enforcement.capture;

import dev.palisade.enforcement.internal.LibC;
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
    private long released;

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
                if (LibC.available() && size > 0)
                {
                    LibC.madvise(segments[i].addressOffset(), size, LibC.MADV_SEQUENTIAL); // a hint: failure is fine
                }
            }
        }
    }

    /**
     * Drops the pages of file bytes before {@code position} from this process's memory. The mapping is of a file, so
     * nothing is lost: a later read of those bytes faults them in again from the page cache or the disk. This is what
     * keeps a multi-gigabyte replay's resident memory small.
     */
    void releaseBefore(final long position)
    {
        if (!LibC.available() || position <= released)
        {
            return;
        }
        for (int i = 0; i < segments.length; i++)
        {
            final long segmentStart = i * STEP;
            final long segmentEnd = segmentStart + segments[i].capacity();
            final long from = Math.max(released, segmentStart);
            final long to = Math.min(position, segmentEnd);
            if (from >= to)
            {
                continue;
            }
            // Whole pages inside [from, to) only: a page shared with bytes still ahead stays.
            final long address = segments[i].addressOffset();
            final long first = (address + (from - segmentStart) + LibC.PAGE_SIZE - 1) & -LibC.PAGE_SIZE;
            final long last = (address + (to - segmentStart)) & -LibC.PAGE_SIZE;
            if (last > first)
            {
                LibC.madvise(first, last - first, LibC.MADV_DONTNEED);
            }
        }
        released = position;
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
