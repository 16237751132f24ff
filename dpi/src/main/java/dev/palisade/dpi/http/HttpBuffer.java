package dev.palisade.dpi.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable run of bytes that one inspection buffer ({@code http.uri}, {@code file_data}...) lives in: the bytes are
 * {@code array()[0 .. length())}. Readers get the backing array, not a copy, so a scan costs no allocation; the bytes
 * are valid until the transaction that owns the buffer is handed out again (see {@link HttpListener}).
 * <p>
 * The array starts empty and grows by doubling when first written, so an idle parser holds almost nothing; buffers are
 * reused across transactions, and {@link HttpParser#reset()} drops the ones that grew large. Callers bound the growth
 * (header budget, body limits); this class does not.
 */
public final class HttpBuffer
{
    private static final byte[] EMPTY = new byte[0];
    private static final int MIN_CAPACITY = 64;

    private byte[] array = EMPTY;
    private int length;

    /** @return the backing array; only the first {@link #length()} bytes belong to the buffer. */
    public byte[] array()
    {
        return array;
    }

    /** @return the number of bytes in the buffer. */
    public int length()
    {
        return length;
    }

    public boolean isEmpty()
    {
        return length == 0;
    }

    /** @return the byte at {@code index}, which must be below {@link #length()}. */
    public byte get(final int index)
    {
        if (index < 0 || index >= length)
        {
            throw new IndexOutOfBoundsException(index);
        }
        return array[index];
    }

    /** @return a copy of the bytes (allocates; for tests, logging and slow paths). */
    public byte[] toByteArray()
    {
        return Arrays.copyOf(array, length);
    }

    /** @return true when the buffer holds exactly the ISO-8859-1 bytes of {@code text}. */
    public boolean contentEquals(final String text)
    {
        if (text.length() != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if ((array[i] & 0xFF) != text.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the bytes as ISO-8859-1 text, one char per byte (allocates). */
    @Override
    public String toString()
    {
        return new String(array, 0, length, StandardCharsets.ISO_8859_1);
    }

    void clear()
    {
        length = 0;
    }

    void append(final byte b)
    {
        if (length == array.length)
        {
            grow(length + 1);
        }
        array[length++] = b;
    }

    void append(final byte[] source, final int offset, final int count)
    {
        if (count <= 0)
        {
            return;
        }
        if (length + count > array.length)
        {
            grow(length + count);
        }
        System.arraycopy(source, offset, array, length, count);
        length += count;
    }

    void append(final HttpBuffer other)
    {
        append(other.array, 0, other.length);
    }

    /** Appends the ISO-8859-1 bytes of a constant such as {@code ", "}. */
    void appendAscii(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            append((byte)text.charAt(i));
        }
    }

    /** Replaces the contents with {@code count} bytes of {@code source}. */
    void set(final byte[] source, final int offset, final int count)
    {
        length = 0;
        append(source, offset, count);
    }

    /** Sets the length after bytes were written straight into {@link #array()} (by an inflater, say). */
    void setLength(final int newLength)
    {
        if (newLength < 0 || newLength > array.length)
        {
            throw new IndexOutOfBoundsException(newLength);
        }
        length = newLength;
    }

    /** Makes room for at least {@code capacity} bytes in all, keeping the contents. */
    void ensureCapacity(final int capacity)
    {
        if (capacity > array.length)
        {
            grow(capacity);
        }
    }

    /** Empties the buffer, and frees the array when it grew past {@code retainBytes} (memory of an idle parser). */
    void release(final int retainBytes)
    {
        length = 0;
        if (array.length > retainBytes)
        {
            array = EMPTY;
        }
    }

    /** @return the capacity now held (for memory accounting in tests). */
    int capacity()
    {
        return array.length;
    }

    private void grow(final int needed)
    {
        final long doubled = Math.max((long)array.length * 2, MIN_CAPACITY);
        final int capacity = (int)Math.min(Math.max(doubled, needed), Integer.MAX_VALUE - 8);
        if (capacity < needed)
        {
            throw new IllegalStateException("buffer cannot grow to " + needed);
        }
        array = Arrays.copyOf(array, capacity);
    }
}
