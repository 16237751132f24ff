package dev.palisade.dpi.hyperscan;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/**
 * The JNA binding of Hyperscan's C API (hs.h, hs_compile.h, hs_runtime.h). Calls made once per rule set (compile,
 * serialize, allocate) go through an interface mapping; the calls made per packet or per stream segment are
 * direct-mapped static natives taking raw addresses as {@code long}, so a scan allocates nothing on the Java side.
 * <p>
 * {@code libhs.so} is, in order: the file named by the system property {@value #LIBRARY_PROPERTY} (a system
 * Hyperscan or Vectorscan), else the standalone Vectorscan library inside the {@code com.gliwka.hyperscan:native}
 * artifact on the class path, extracted once to a temporary file.
 */
final class HyperscanNative
{
    static final String LIBRARY_PROPERTY = "palisade.hyperscan.library";

    static final int HS_SUCCESS = 0;
    static final int HS_SCAN_TERMINATED = -3;
    static final int HS_COMPILER_ERROR = -4;

    private static final Map<Integer, String> ERRORS = Map.ofEntries(
        Map.entry(-1, "HS_INVALID: a parameter was invalid"),
        Map.entry(-2, "HS_NOMEM: a memory allocation failed"),
        Map.entry(-3, "HS_SCAN_TERMINATED: the match callback asked to stop"),
        Map.entry(-4, "HS_COMPILER_ERROR: the pattern compiler failed"),
        Map.entry(-5, "HS_DB_VERSION_ERROR: the database was built by another Hyperscan version"),
        Map.entry(-6, "HS_DB_PLATFORM_ERROR: the database was built for another platform (CPU features)"),
        Map.entry(-7, "HS_DB_MODE_ERROR: the database's mode (block, stream, vectored) does not fit this call"),
        Map.entry(-8, "HS_BAD_ALIGN: a parameter was not correctly aligned"),
        Map.entry(-9, "HS_BAD_ALLOC: the allocator returned misaligned memory"),
        Map.entry(-10, "HS_SCRATCH_IN_USE: the scratch space is in use by another scan (one scratch per thread)"),
        Map.entry(-11, "HS_ARCH_ERROR: this CPU lacks instructions Hyperscan needs (SSSE3 at least)"),
        Map.entry(-12, "HS_INSUFFICIENT_SPACE: a buffer was too small"),
        Map.entry(-13, "HS_UNKNOWN_ERROR: an unexpected internal error"));

    /** {@code match_event_handler}: return non-zero to stop the scan. */
    interface MatchHandler extends Callback
    {
        int invoke(int id, long from, long to, int flags, Pointer context);
    }

    /** The interface-mapped calls (off the packet path). */
    interface Control extends Library
    {
        String hs_version();

        int hs_valid_platform();

        int hs_compile_multi(Pointer expressions, int[] flags, int[] ids, int elements, int mode, Pointer platform,
            PointerByReference db, PointerByReference error);

        int hs_compile_ext_multi(Pointer expressions, int[] flags, int[] ids, Pointer ext, int elements, int mode,
            Pointer platform, PointerByReference db, PointerByReference error);

        int hs_free_compile_error(Pointer error);

        int hs_free_database(Pointer db);

        int hs_serialize_database(Pointer db, PointerByReference bytes, LongByReference length);

        int hs_deserialize_database(Pointer bytes, long length, PointerByReference db);

        int hs_database_size(Pointer db, LongByReference size);

        int hs_stream_size(Pointer db, LongByReference size);

        int hs_database_info(Pointer db, PointerByReference info);

        int hs_alloc_scratch(Pointer db, PointerByReference scratch);

        int hs_clone_scratch(Pointer src, PointerByReference dest);

        int hs_free_scratch(Pointer scratch);

        int hs_scratch_size(Pointer scratch, LongByReference size);
    }

    static final NativeLibrary LIBRARY;
    static final Control CONTROL;

    static
    {
        final Path path = locate();
        LIBRARY = NativeLibrary.getInstance(path.toString());
        CONTROL = Native.load(path.toString(), Control.class);
        Native.register(HyperscanNative.class, LIBRARY);
    }

    private HyperscanNative()
    {
    }

    // Direct-mapped per-packet calls: every pointer is a raw address.

    static native int hs_scan(long db, long data, int length, int flags, long scratch, MatchHandler onEvent,
        Pointer context);

    static native int hs_scan_vector(long db, long dataArray, long lengthArray, int count, int flags, long scratch,
        MatchHandler onEvent, Pointer context);

    static native int hs_open_stream(long db, int flags, long streamOut);

    static native int hs_scan_stream(long stream, long data, int length, int flags, long scratch,
        MatchHandler onEvent, Pointer context);

    static native int hs_close_stream(long stream, long scratch, MatchHandler onEvent, Pointer context);

    static native int hs_reset_stream(long stream, int flags, long scratch, MatchHandler onEvent, Pointer context);

    static native int hs_copy_stream(long toOut, long from);

    /** @return a message for a Hyperscan return code. */
    static String describe(final int code)
    {
        return ERRORS.getOrDefault(code, "Hyperscan error " + code);
    }

    /** @throws HyperscanException unless {@code code} is success. */
    static void check(final int code, final String call)
    {
        if (code != HS_SUCCESS)
        {
            throw new HyperscanException(call + " failed: " + describe(code), code);
        }
    }

    private static Path locate()
    {
        final String configured = System.getProperty(LIBRARY_PROPERTY);
        if (configured != null && !configured.isBlank())
        {
            final Path path = Path.of(configured);
            if (!Files.isReadable(path))
            {
                throw new IllegalStateException("-D" + LIBRARY_PROPERTY + "=" + configured + ": no such readable file; " +
                    "name a libhs.so (Hyperscan or Vectorscan 5.4), or unset it to use the bundled one");
            }
            return path;
        }
        final String platform = platform();
        final String resource = "com/gliwka/hyperscan/jni/" + platform + "/libhs.so";
        try (InputStream in = HyperscanNative.class.getClassLoader().getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalStateException("no " + resource + " on the class path: add the Maven artifact " +
                    "com.gliwka.hyperscan:native with classifier " + platform + ", or set -D" + LIBRARY_PROPERTY +
                    "=/path/to/libhs.so");
            }
            final Path dir = Files.createTempDirectory("palisade-hyperscan");
            final Path file = dir.resolve("libhs.so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("could not extract " + resource + " to a temporary file: " + ex.getMessage(),
                ex);
        }
    }

    /** The native artifact's classifier for this JVM's architecture. */
    static String platform()
    {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux"))
        {
            throw new IllegalStateException("the bundled Hyperscan is for Linux only (this is " + os + "); set -D" +
                LIBRARY_PROPERTY + "=/path/to/libhs");
        }
        return switch (arch)
        {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-arm64";
            default -> throw new IllegalStateException("no bundled Hyperscan for " + arch + "; set -D" +
                LIBRARY_PROPERTY + "=/path/to/libhs.so");
        };
    }
}
