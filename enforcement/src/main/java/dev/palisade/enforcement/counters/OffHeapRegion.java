package dev.palisade.enforcement.counters;

import dev.palisade.enforcement.internal.LibC;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Zeroed off-heap memory, aligned to a cache line, freed by {@link #close()} rather than left to the garbage
 * collector. Regions of {@link #HUGE_PAGE} bytes or more are mapped anonymously and advised to use transparent huge
 * pages before they are first touched: a flow table of hundreds of megabytes read at random otherwise takes a TLB miss
 * (and a page walk that itself misses the caches) on nearly every lookup. Where huge pages are unavailable the region
 * falls back to a direct buffer. Every region is pre-faulted when made.
 */
public final class OffHeapRegion implements AutoCloseable
{
    public static final int CACHE_LINE = 64;
    public static final long HUGE_PAGE = 2L << 20;
    private static final int PAGE = 4096;

    private final UnsafeBuffer buffer;
    private ByteBuffer direct;
    private long mappedAddress;
    private long mappedLength;
    private final boolean hugePages;

    public OffHeapRegion(final int lengthBytes)
    {
        long address = 0;
        boolean advised = false;
        if (lengthBytes >= HUGE_PAGE && LibC.available())
        {
            final long length = lengthBytes + HUGE_PAGE;
            final long mapped = LibC.mmap(0, length, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
            if (mapped != LibC.MAP_FAILED && mapped != 0)
            {
                mappedAddress = mapped;
                mappedLength = length;
                address = (mapped + HUGE_PAGE - 1) & -HUGE_PAGE;
                advised = LibC.madvise(address, lengthBytes - (lengthBytes % HUGE_PAGE), LibC.MADV_HUGEPAGE) == 0;
            }
        }
        if (address == 0)
        {
            direct = ByteBuffer.allocateDirect(lengthBytes + CACHE_LINE);
            address = (BufferUtil.address(direct) + CACHE_LINE - 1) & -CACHE_LINE;
        }
        hugePages = advised;
        buffer = new UnsafeBuffer(address, lengthBytes);
        prefault(buffer);
    }

    /**
     * Touches every page now, so the memory is committed before the first packet (a data plane must not discover it
     * cannot have its table, or stall on page faults, under load) and huge pages are placed at once.
     */
    private static void prefault(final UnsafeBuffer buffer)
    {
        final int length = buffer.capacity();
        for (int i = 0; i < length; i += PAGE)
        {
            buffer.putByte(i, (byte)0);
        }
    }

    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return whether the kernel was asked to back this region with huge pages (it may still decline). */
    public boolean hugePages()
    {
        return hugePages;
    }

    @Override
    public void close()
    {
        buffer.wrap(0, 0);
        if (mappedAddress != 0)
        {
            LibC.munmap(mappedAddress, mappedLength);
            mappedAddress = 0;
        }
        if (direct != null)
        {
            BufferUtil.free(direct);
            direct = null;
        }
    }
}
