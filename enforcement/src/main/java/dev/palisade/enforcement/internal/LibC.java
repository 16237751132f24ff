package dev.palisade.enforcement.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few libc calls the data plane needs for its memory: anonymous mappings with transparent huge pages. C names and
 * Linux constants kept (mman.h). Direct-mapped; call {@link #available()} before use.
 */
public final class LibC
{
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MADV_SEQUENTIAL = 2;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_HUGEPAGE = 14;
    public static final long PAGE_SIZE = 4096;
    public static final long MAP_FAILED = -1L;

    private static final boolean AVAILABLE = register();

    private LibC()
    {
    }

    private static boolean register()
    {
        if (!Platform.isLinux() || Boolean.getBoolean("palisade.nohugepages"))
        {
            return false;
        }
        try
        {
            Native.register(LibC.class, Platform.C_LIBRARY_NAME);
            return true;
        }
        catch (final UnsatisfiedLinkError | RuntimeException ex)
        {
            return false;
        }
    }

    /** @return whether the calls below may be made (Linux, libc loaded, not disabled by palisade.nohugepages). */
    public static boolean available()
    {
        return AVAILABLE;
    }

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long addr, long length);

    public static native int madvise(long addr, long length, int advice);
}
