package dev.palisade.policy.bundle;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bounds-checked big-endian cursor over untrusted bytes: every read says what it was reading when it fails. */
final class WireReader
{
    private final byte[] bytes;
    private final int limit;
    private int position;

    WireReader(final byte[] bytes)
    {
        this(bytes, 0, bytes.length);
    }

    WireReader(final byte[] bytes, final int offset, final int length)
    {
        this.bytes = bytes;
        this.position = offset;
        this.limit = offset + length;
    }

    int position()
    {
        return position;
    }

    int remaining()
    {
        return limit - position;
    }

    private void need(final int count, final String what) throws BundleFormatException
    {
        if (count < 0 || count > limit - position)
        {
            throw new BundleFormatException(position, "truncated " + what + ": needs " + count + " bytes, " +
                (limit - position) + " left");
        }
    }

    void expectMagic(final byte[] magic, final String what) throws BundleFormatException
    {
        need(magic.length, what);
        if (!Arrays.equals(bytes, position, position + magic.length, magic, 0, magic.length))
        {
            throw new BundleFormatException(position, "not a " + what + " (wrong magic)");
        }
        position += magic.length;
    }

    int u8(final String what) throws BundleFormatException
    {
        need(1, what);
        return bytes[position++] & 0xFF;
    }

    int u16(final String what) throws BundleFormatException
    {
        need(2, what);
        final int value = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
        position += 2;
        return value;
    }

    /** An unsigned 32-bit length that must also fit what is left and {@code max}. */
    int length32(final String what, final int max) throws BundleFormatException
    {
        need(4, what + " length");
        final long value = ((bytes[position] & 0xFFL) << 24) | ((bytes[position + 1] & 0xFF) << 16) |
            ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
        if (value > max)
        {
            throw new BundleFormatException(position, what + " of " + value + " bytes is over the limit of " + max);
        }
        position += 4;
        return (int)value;
    }

    long u32(final String what) throws BundleFormatException
    {
        need(4, what);
        final long value = ((bytes[position] & 0xFFL) << 24) | ((bytes[position + 1] & 0xFF) << 16) |
            ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
        position += 4;
        return value;
    }

    long i64(final String what) throws BundleFormatException
    {
        need(8, what);
        long value = 0;
        for (int i = 0; i < 8; i++)
        {
            value = (value << 8) | (bytes[position + i] & 0xFF);
        }
        position += 8;
        return value;
    }

    byte[] fixed(final int count, final String what) throws BundleFormatException
    {
        need(count, what);
        final byte[] out = Arrays.copyOfRange(bytes, position, position + count);
        position += count;
        return out;
    }

    byte[] bytes16(final String what) throws BundleFormatException
    {
        return fixed(u16(what + " length"), what);
    }

    byte[] bytes32(final String what, final int max) throws BundleFormatException
    {
        return fixed(length32(what, max), what);
    }

    /** A UTF-8 string with a 16-bit length; malformed UTF-8 is refused, not replaced. */
    String string(final String what) throws BundleFormatException
    {
        final int start = position;
        final byte[] raw = bytes16(what);
        try
        {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(raw)).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new BundleFormatException(start, what + " is not UTF-8");
        }
    }

    void expectEnd(final String what) throws BundleFormatException
    {
        if (position != limit)
        {
            throw new BundleFormatException(position, (limit - position) + " bytes after the end of the " + what);
        }
    }
}
