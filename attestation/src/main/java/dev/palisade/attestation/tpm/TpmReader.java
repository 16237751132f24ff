package dev.palisade.attestation.tpm;

import java.util.Arrays;

/**
 * A bounded cursor over TPM-marshalled bytes (TPM 2.0 Library Part 1 section 18: big-endian integers, sized buffers
 * with a 16-bit length). Every read names its field so that a failure says what was being read and where; nothing
 * reads past the end, and a sized buffer longer than its structure allows is refused before it is copied.
 */
public final class TpmReader
{
    private final byte[] bytes;
    private final int end;
    private int position;

    public TpmReader(final byte[] bytes)
    {
        this(bytes, 0, bytes.length);
    }

    public TpmReader(final byte[] bytes, final int offset, final int length)
    {
        if (offset < 0 || length < 0 || offset + length > bytes.length)
        {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.position = offset;
        this.end = offset + length;
    }

    public int position()
    {
        return position;
    }

    public int remaining()
    {
        return end - position;
    }

    private void need(final String field, final int count) throws TpmFormatException
    {
        if (count > end - position)
        {
            throw new TpmFormatException(field, position, "needs " + count + " bytes, " + (end - position) + " left");
        }
    }

    public int u8(final String field) throws TpmFormatException
    {
        need(field, 1);
        return bytes[position++] & 0xFF;
    }

    public int u16(final String field) throws TpmFormatException
    {
        need(field, 2);
        final int value = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
        position += 2;
        return value;
    }

    /** A 32-bit field, as an int (handles and response codes use all 32 bits; compare with {@code ==}). */
    public int u32(final String field) throws TpmFormatException
    {
        need(field, 4);
        final int value = ((bytes[position] & 0xFF) << 24) | ((bytes[position + 1] & 0xFF) << 16) |
            ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
        position += 4;
        return value;
    }

    public long u64(final String field) throws TpmFormatException
    {
        final long high = u32(field) & 0xFFFF_FFFFL;
        return (high << 32) | (u32(field) & 0xFFFF_FFFFL);
    }

    public byte[] bytes(final String field, final int count) throws TpmFormatException
    {
        if (count < 0)
        {
            throw new TpmFormatException(field, position, "negative length " + count);
        }
        need(field, count);
        final byte[] out = Arrays.copyOfRange(bytes, position, position + count);
        position += count;
        return out;
    }

    /** A TPM2B: a 16-bit size, then that many bytes, at most {@code max}. */
    public byte[] sized(final String field, final int max) throws TpmFormatException
    {
        final int at = position;
        final int size = u16(field + ".size");
        if (size > max)
        {
            throw new TpmFormatException(field, at, "size " + size + " exceeds the structure's " + max);
        }
        return bytes(field, size);
    }

    /** Skips {@code count} bytes. */
    public void skip(final String field, final int count) throws TpmFormatException
    {
        need(field, count);
        position += count;
    }

    /** Fails unless every byte was read: trailing bytes after a structure are refused, not ignored. */
    public void expectEnd(final String structure) throws TpmFormatException
    {
        if (position != end)
        {
            throw new TpmFormatException(structure, position, (end - position) + " trailing bytes after the structure");
        }
    }
}
