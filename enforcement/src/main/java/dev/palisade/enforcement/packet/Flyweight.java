package dev.palisade.enforcement.packet;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Base of the header flyweights: a view of a header at an offset in a buffer. Wrapping is two field writes, so one
 * instance per worker serves every packet. Accessors read network byte order and do not check the header fits: the
 * {@link PacketParser} checks lengths before it reads a field.
 */
public abstract class Flyweight
{
    protected static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;

    protected DirectBuffer buffer;
    protected int offset;

    public Flyweight wrap(final DirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    protected final int u8(final int fieldOffset)
    {
        return buffer.getByte(offset + fieldOffset) & 0xFF;
    }

    protected final int u16(final int fieldOffset)
    {
        return buffer.getShort(offset + fieldOffset, NETWORK) & 0xFFFF;
    }

    protected final int i32(final int fieldOffset)
    {
        return buffer.getInt(offset + fieldOffset, NETWORK);
    }

    protected final long u32(final int fieldOffset)
    {
        return buffer.getInt(offset + fieldOffset, NETWORK) & 0xFFFF_FFFFL;
    }

    protected final long i64(final int fieldOffset)
    {
        return buffer.getLong(offset + fieldOffset, NETWORK);
    }
}
