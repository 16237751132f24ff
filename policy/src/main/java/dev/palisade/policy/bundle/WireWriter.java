package dev.palisade.policy.bundle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The writing side of {@link WireReader}: big-endian, lengths checked so that what is written can be read back. */
final class WireWriter
{
    private final ByteArrayOutputStream out;

    WireWriter(final int initialCapacity)
    {
        out = new ByteArrayOutputStream(initialCapacity);
    }

    WireWriter raw(final byte[] bytes)
    {
        out.writeBytes(bytes);
        return this;
    }

    WireWriter u8(final int value)
    {
        if (value < 0 || value > 0xFF)
        {
            throw new IllegalArgumentException("not a byte: " + value);
        }
        out.write(value);
        return this;
    }

    WireWriter u16(final int value)
    {
        if (value < 0 || value > 0xFFFF)
        {
            throw new IllegalArgumentException("over 65535: " + value);
        }
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    WireWriter u32(final long value)
    {
        if (value < 0 || value > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("not an unsigned 32-bit value: " + value);
        }
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            out.write((int)(value >>> shift));
        }
        return this;
    }

    WireWriter i64(final long value)
    {
        for (int shift = 56; shift >= 0; shift -= 8)
        {
            out.write((int)(value >>> shift));
        }
        return this;
    }

    WireWriter bytes16(final byte[] bytes)
    {
        return u16(bytes.length).raw(bytes);
    }

    WireWriter bytes32(final byte[] bytes)
    {
        return u32(bytes.length).raw(bytes);
    }

    WireWriter string(final String text)
    {
        return bytes16(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return {@code context} ‖ {@code body}: what a signature covers, domain-separated by its context string. */
    static byte[] signingInput(final byte[] context, final byte[] body)
    {
        final byte[] input = java.util.Arrays.copyOf(context, context.length + body.length);
        System.arraycopy(body, 0, input, context.length, body.length);
        return input;
    }

    byte[] toByteArray()
    {
        return out.toByteArray();
    }
}
