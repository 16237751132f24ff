package dev.palisade.dpi.hyperscan;

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
}
