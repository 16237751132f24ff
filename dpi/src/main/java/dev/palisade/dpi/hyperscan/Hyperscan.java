package dev.palisade.dpi.hyperscan;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** Facts about the Hyperscan library in use. */
public final class Hyperscan
{
    private Hyperscan()
    {
    }

    /** @return the library's version string, such as "5.4.11 2024-07-04". */
    public static String version()
    {
        return HyperscanNative.CONTROL.hs_version();
    }

    /** @return whether this CPU can run Hyperscan (SSSE3 on x86; always on Arm with NEON). */
    public static boolean validPlatform()
    {
        return HyperscanNative.CONTROL.hs_valid_platform() == HyperscanNative.HS_SUCCESS;
    }

    /**
     * Hands memory freed after a compilation back to the operating system. Compiling a large rule set takes some
     * hundreds of MB of C heap that the C library keeps once freed; on a DPU's small memory the difference is worth a
     * call after each compile. Uses glibc's {@code malloc_trim}; elsewhere (musl, other systems) it does nothing.
     */
    public static void releaseCompilerMemory()
    {
        final GlibcTrim trim = GlibcTrim.INSTANCE;
        if (trim != null)
        {
            try
            {
                trim.malloc_trim(0);
            }
            catch (final UnsatisfiedLinkError ex)
            {
                // A C library without malloc_trim (musl): the symbol is only looked up at the first call.
            }
        }
    }

    private interface GlibcTrim extends Library
    {
        GlibcTrim INSTANCE = load();

        int malloc_trim(long pad);

        private static GlibcTrim load()
        {
            if (!Platform.isLinux())
            {
                return null;
            }
            try
            {
                return Native.load(Platform.C_LIBRARY_NAME, GlibcTrim.class);
            }
            catch (final UnsatisfiedLinkError ex)
            {
                return null;
            }
        }
    }
}
