package dev.palisade.attestation.spdm;

import java.util.Arrays;

/**
 * A bounded cursor over SPDM bytes. DSP0274 (1.2, "Generic SPDM message format") sends multi-byte integers
 * little-endian, unlike TPM structures. Every read names its field and the reason code to report when the bytes run
 * out, so a failure says what was being read, where, and why it matters; nothing reads past {@code end}.
 */
final class SpdmReader
{
    private final byte[] bytes;
    private final int end;
    private final String truncatedCode;
    private int position;

    SpdmReader(final byte[] bytes, final int offset, final int end, final String truncatedCode)
    {
        if (offset < 0 || end < offset || end > bytes.length)
        {
            throw new IllegalArgumentException("range " + offset + ".." + end + " outside " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.position = offset;
        this.end = end;
        this.truncatedCode = truncatedCode;
    }

    int position()
    {
        return position;
    }

    int remaining()
    {
        return end - position;
    }

    private void need(final String field, final int count) throws SpdmFormatException
    {
        if (count > end - position)
        {
            throw new SpdmFormatException(truncatedCode, field, position,
                "needs " + count + " bytes, " + (end - position) + " left");
        }
    }

    int u8(final String field) throws SpdmFormatException
    {
        need(field, 1);
        return bytes[position++] & 0xFF;
    }

    int u16(final String field) throws SpdmFormatException
    {
        need(field, 2);
        final int value = (bytes[position] & 0xFF) | ((bytes[position + 1] & 0xFF) << 8);
        position += 2;
        return value;
    }

    int u24(final String field) throws SpdmFormatException
    {
        need(field, 3);
        final int value = (bytes[position] & 0xFF) | ((bytes[position + 1] & 0xFF) << 8) |
            ((bytes[position + 2] & 0xFF) << 16);
        position += 3;
        return value;
    }

    /** A 32-bit field as an int; bit masks are compared with {@code &}, so the sign does not matter. */
    int u32(final String field) throws SpdmFormatException
    {
        need(field, 4);
        final int value = (bytes[position] & 0xFF) | ((bytes[position + 1] & 0xFF) << 8) |
            ((bytes[position + 2] & 0xFF) << 16) | ((bytes[position + 3] & 0xFF) << 24);
        position += 4;
        return value;
    }

    byte[] bytes(final String field, final int count) throws SpdmFormatException
    {
        need(field, count);
        final byte[] value = Arrays.copyOfRange(bytes, position, position + count);
        position += count;
        return value;
    }

    void skip(final String field, final int count) throws SpdmFormatException
    {
        need(field, count);
        position += count;
    }
}
