package dev.palisade.dpi.hyperscan;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A compiled Hyperscan database (hs_database_t). Immutable once built and safe to scan from many threads, each with
 * its own {@link Scratch}. Native memory is freed by {@link #close()}; using a closed database is an error, not a crash.
 */
public final class Database implements AutoCloseable
{
    /** Block mode: whole buffers ({@code hs_scan}). */
    public static final int MODE_BLOCK = 1;
    /** Stream mode: data arriving in pieces ({@code hs_open_stream} / {@code hs_scan_stream}). */
    public static final int MODE_STREAM = 2;
    /** Vectored mode: one logical buffer in several pieces ({@code hs_scan_vector}). */
    public static final int MODE_VECTORED = 4;
    /** With stream mode and SOM_LEFTMOST: exact start of match over the whole stream. */
    public static final int MODE_SOM_HORIZON_LARGE = 1 << 24;

    private static final int EXT_SIZE = 40;

    private final int mode;
    private final int expressions;
    private long address;

    private Database(final long address, final int mode, final int expressions)
    {
        this.address = address;
        this.mode = mode;
        this.expressions = expressions;
    }

    /**
     * Compiles expressions into one database for {@code mode}, for this machine's CPU.
     *
     * @throws CompileException naming the expression at fault and Hyperscan's reason.
     */
    public static Database compile(final List<Expression> list, final int mode)
    {
        if (list.isEmpty())
        {
            throw new IllegalArgumentException("nothing to compile: Hyperscan needs at least one expression");
        }
        final int n = list.size();
        final Memory[] strings = new Memory[n];
        final Memory array = new Memory(8L * n);
        final int[] flags = new int[n];
        final int[] ids = new int[n];
        boolean anyExtension = false;
        for (int i = 0; i < n; i++)
        {
            final Expression expression = list.get(i);
            final byte[] bytes = expression.pattern().getBytes(StandardCharsets.UTF_8);
            strings[i] = new Memory(bytes.length + 1L);
            strings[i].write(0, bytes, 0, bytes.length);
            strings[i].setByte(bytes.length, (byte)0);
            array.setPointer(8L * i, strings[i]);
            flags[i] = expression.flags();
            ids[i] = expression.id();
            anyExtension |= expression.extension() != null;
        }
        final PointerByReference db = new PointerByReference();
        final PointerByReference error = new PointerByReference();
        final int code;
        Memory extensions = null;
        Memory extensionArray = null;
        if (anyExtension)
        {
            extensions = new Memory((long)EXT_SIZE * n);
            extensions.clear();
            extensionArray = new Memory(8L * n);
            for (int i = 0; i < n; i++)
            {
                final Expression.Extension ext = list.get(i).extension();
                if (ext == null)
                {
                    extensionArray.setPointer(8L * i, null);
                    continue;
                }
                final long at = (long)EXT_SIZE * i;
                extensions.setLong(at, ext.flags());
                extensions.setLong(at + 8, ext.minOffset());
                extensions.setLong(at + 16, ext.maxOffset());
                extensions.setLong(at + 24, ext.minLength());
                extensions.setInt(at + 32, ext.editDistance());
                extensions.setInt(at + 36, ext.hammingDistance());
                extensionArray.setPointer(8L * i, extensions.share(at));
            }
            code = HyperscanNative.CONTROL.hs_compile_ext_multi(array, flags, ids, extensionArray, n, mode, null, db,
                error);
        }
        else
        {
            code = HyperscanNative.CONTROL.hs_compile_multi(array, flags, ids, n, mode, null, db, error);
        }
        if (code == HyperscanNative.HS_COMPILER_ERROR)
        {
            final Pointer e = error.getValue();
            final String message = e.getPointer(0).getString(0, StandardCharsets.UTF_8.name());
            final int expression = e.getInt(Native.POINTER_SIZE);
            HyperscanNative.CONTROL.hs_free_compile_error(e);
            throw new CompileException(expression, message, expression >= 0 && expression < n ?
                list.get(expression).pattern() : null);
        }
        HyperscanNative.check(code, "hs_compile_multi");
        // Keep the pattern memory reachable until the call has returned.
        java.lang.ref.Reference.reachabilityFence(strings);
        java.lang.ref.Reference.reachabilityFence(extensions);
        java.lang.ref.Reference.reachabilityFence(extensionArray);
        java.lang.ref.Reference.reachabilityFence(array);
        return new Database(Pointer.nativeValue(db.getValue()), mode, n);
    }

    /** @return the database's bytes in Hyperscan's portable serialized form (valid on the same CPU features). */
    public byte[] serialize()
    {
        final PointerByReference bytes = new PointerByReference();
        final LongByReference length = new LongByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_serialize_database(pointer(), bytes, length),
            "hs_serialize_database");
        try
        {
            return bytes.getValue().getByteArray(0, Math.toIntExact(length.getValue()));
        }
        finally
        {
            Native.free(Pointer.nativeValue(bytes.getValue()));
        }
    }

    /**
     * Rebuilds a database from {@link #serialize()}'s bytes.
     *
     * @throws HyperscanException when the bytes are not a database for this Hyperscan version and CPU.
     */
    public static Database deserialize(final byte[] bytes, final int mode, final int expressions)
    {
        final Memory memory = new Memory(Math.max(1, bytes.length));
        memory.write(0, bytes, 0, bytes.length);
        final PointerByReference db = new PointerByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_deserialize_database(memory, bytes.length, db),
            "hs_deserialize_database");
        return new Database(Pointer.nativeValue(db.getValue()), mode, expressions);
    }

    /** @return the database's size in bytes. */
    public long sizeBytes()
    {
        final LongByReference size = new LongByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_database_size(pointer(), size), "hs_database_size");
        return size.getValue();
    }

    /** @return the size of one stream's state in bytes (stream mode only). */
    public long streamSizeBytes()
    {
        final LongByReference size = new LongByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_stream_size(pointer(), size), "hs_stream_size");
        return size.getValue();
    }

    /** @return Hyperscan's description: version, platform and mode. */
    public String info()
    {
        final PointerByReference info = new PointerByReference();
        HyperscanNative.check(HyperscanNative.CONTROL.hs_database_info(pointer(), info), "hs_database_info");
        try
        {
            return info.getValue().getString(0, StandardCharsets.UTF_8.name());
        }
        finally
        {
            Native.free(Pointer.nativeValue(info.getValue()));
        }
    }

    public int mode()
    {
        return mode;
    }

    public int expressions()
    {
        return expressions;
    }

    long address()
    {
        if (address == 0)
        {
            throw new IllegalStateException("database is closed");
        }
        return address;
    }

    Pointer pointer()
    {
        return new Pointer(address());
    }

    @Override
    public void close()
    {
        if (address != 0)
        {
            HyperscanNative.CONTROL.hs_free_database(new Pointer(address));
            address = 0;
        }
    }
}
