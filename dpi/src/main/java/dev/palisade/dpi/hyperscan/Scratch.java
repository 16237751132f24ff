package dev.palisade.dpi.hyperscan;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * Hyperscan scratch space (hs_scratch_t): the working memory of one scan at a time. One per worker thread; a scratch
 * allocated for several databases serves scans of any of them. {@link #cloneScratch()} makes another for another
 * worker. Freed by {@link #close()}.
 */
public final class Scratch implements AutoCloseable
{
    private long address;

    private Scratch(final long address)
    {
        this.address = address;
    }

    /** Allocates scratch big enough for every one of {@code databases}. */
    public static Scratch allocate(final Database... databases)
    {
        if (databases.length == 0)
        {
            throw new IllegalArgumentException("scratch needs at least one database to size it for");
        }
        final PointerByReference scratch = new PointerByReference();
        for (final Database database : databases)
        {
            HyperscanNative.check(HyperscanNative.CONTROL.hs_alloc_scratch(database.pointer(), scratch),
                "hs_alloc_scratch");
        }
        return new Scratch(Pointer.nativeValue(scratch.getValue()));
    }

    /** Grows this scratch (if needed) to serve {@code database} as well. */
    public void grow(final Database database)
    {
        final PointerByReference scratch = new PointerByReference(new Pointer(address()));
        HyperscanNative.check(HyperscanNative.CONTROL.hs_alloc_scratch(database.pointer(), scratch), "hs_alloc_scratch");
        address = Pointer.nativeValue(scratch.getValue());
    }

    /** @return a new scratch of the same size, for another thread. */
    public Scratch cloneScratch()
    {
        final PointerByReference clone = new PointerByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_clone_scratch(new Pointer(address()), clone),
            "hs_clone_scratch");
        return new Scratch(Pointer.nativeValue(clone.getValue()));
    }

    public long sizeBytes()
    {
        final LongByReference size = new LongByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_scratch_size(new Pointer(address()), size), "hs_scratch_size");
        return size.getValue();
    }

    long address()
    {
        if (address == 0)
        {
            throw new IllegalStateException("scratch is closed");
        }
        return address;
    }

    @Override
    public void close()
    {
        if (address != 0)
        {
            HyperscanNative.CONTROL.hs_free_scratch(new Pointer(address));
            address = 0;
        }
    }
}
