package dev.palisade.attestation.tpm;

import java.io.ByteArrayOutputStream;

/** Marshals TPM structures and commands (big-endian, TPM2B sized buffers); the counterpart of {@link TpmReader}. */
public final class TpmWriter
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    public TpmWriter u8(final int value)
    {
        out.write(value);
        return this;
    }

    public TpmWriter u16(final int value)
    {
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public TpmWriter u32(final int value)
    {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public TpmWriter u64(final long value)
    {
        return u32((int)(value >>> 32)).u32((int)value);
    }

    public TpmWriter bytes(final byte[] value)
    {
        out.writeBytes(value);
        return this;
    }

    /** A TPM2B: 16-bit size, then the bytes. */
    public TpmWriter sized(final byte[] value)
    {
        if (value.length > 0xFFFF)
        {
            throw new IllegalArgumentException("a TPM2B holds at most 65,535 bytes, not " + value.length);
        }
        return u16(value.length).bytes(value);
    }

    public int size()
    {
        return out.size();
    }

    public byte[] toByteArray()
    {
        return out.toByteArray();
    }
}
