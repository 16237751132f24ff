package dev.palisade.enforcement.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Builds capture files byte by byte in either byte order, for the files our writers never produce: big-endian,
 * microsecond pcapng, several sections, Simple Packet Blocks, and damaged ones.
 * <pre>
 * pcap:   file header  magic(4) major(2) minor(2) thiszone(4) sigfigs(4) snaplen(4) linktype(4)
 *         record       ts_sec(4) ts_frac(4) incl_len(4) orig_len(4) data
 * pcapng: block        type(4) total_length(4) body, padded to 4 total_length(4)
 * </pre>
 */
public final class CaptureBytes
{
    public static final int BLOCK_NAME_RESOLUTION = 4;
    public static final int BLOCK_INTERFACE_STATISTICS = 5;
    public static final int BLOCK_CUSTOM = 0x0000_0BAD;

    private final ByteOrder order;
    private byte[] bytes = new byte[256];
    private int length;

    public CaptureBytes(final ByteOrder order)
    {
        this.order = order;
    }

    public ByteOrder order()
    {
        return order;
    }

    public int length()
    {
        return length;
    }

    public CaptureBytes u8(final int value)
    {
        ensure(1);
        bytes[length++] = (byte)value;
        return this;
    }

    public CaptureBytes u16(final int value)
    {
        ensure(2);
        ByteBuffer.wrap(bytes, length, 2).order(order).putShort((short)value);
        length += 2;
        return this;
    }

    public CaptureBytes u32(final int value)
    {
        ensure(4);
        ByteBuffer.wrap(bytes, length, 4).order(order).putInt(value);
        length += 4;
        return this;
    }

    public CaptureBytes u64(final long value)
    {
        ensure(8);
        ByteBuffer.wrap(bytes, length, 8).order(order).putLong(value);
        length += 8;
        return this;
    }

    public CaptureBytes bytes(final byte[] data)
    {
        ensure(data.length);
        System.arraycopy(data, 0, bytes, length, data.length);
        length += data.length;
        return this;
    }

    /** Pads with zeros to a multiple of 4 bytes. */
    public CaptureBytes pad4()
    {
        while ((length & 3) != 0)
        {
            u8(0);
        }
        return this;
    }

    // pcap

    public CaptureBytes pcapHeader(final int magic, final int snapLength, final int linkType)
    {
        return u32(magic).u16(2).u16(4).u32(0).u32(0).u32(snapLength).u32(linkType);
    }

    public CaptureBytes pcapRecord(final long seconds, final long fraction, final byte[] data, final int wireLength)
    {
        return u32((int)seconds).u32((int)fraction).u32(data.length).u32(wireLength).bytes(data);
    }

    // pcapng

    /** A block whose body is {@code body} (padded here), with matching leading and trailing lengths. */
    public CaptureBytes block(final int type, final byte[] body)
    {
        final int padded = (body.length + 3) & ~3;
        final int total = 12 + padded;
        return u32(type).u32(total).bytes(body).pad4().u32(total);
    }

    public CaptureBytes sectionHeader()
    {
        return block(PcapngReader.BLOCK_SECTION_HEADER,
            body().u32(PcapngReader.BYTE_ORDER_MAGIC).u16(1).u16(0).u64(-1L).toArray());
    }

    /** @param options encoded options ({@link #option}), ending with {@link #endOfOptions}, or empty. */
    public CaptureBytes interfaceDescription(final int linkType, final int snapLength, final byte[] options)
    {
        return block(PcapngReader.BLOCK_INTERFACE_DESCRIPTION,
            body().u16(linkType).u16(0).u32(snapLength).bytes(options).toArray());
    }

    public CaptureBytes interfaceDescription(final int linkType, final int snapLength)
    {
        return interfaceDescription(linkType, snapLength, new byte[0]);
    }

    /** An interface with an {@code if_tsresol} option. */
    public CaptureBytes interfaceWithResolution(final int linkType, final int resolution)
    {
        return interfaceDescription(linkType, 0,
            body().option(PcapngReader.OPTION_IF_TSRESOL, new byte[] { (byte)resolution }).endOfOptions().toArray());
    }

    /** @param timestampUnits the 64-bit timestamp in the interface's resolution. */
    public CaptureBytes enhancedPacket(
        final int interfaceId, final long timestampUnits, final byte[] data, final int wireLength)
    {
        return block(PcapngReader.BLOCK_ENHANCED_PACKET, body()
            .u32(interfaceId).u32((int)(timestampUnits >>> 32)).u32((int)timestampUnits)
            .u32(data.length).u32(wireLength).bytes(data).pad4().toArray());
    }

    /** The obsolete Packet Block (type 2): a 2-byte interface id and a 2-byte drops count. */
    public CaptureBytes obsoletePacket(final int interfaceId, final long timestampUnits, final byte[] data)
    {
        return block(PcapngReader.BLOCK_PACKET_OBSOLETE, body()
            .u16(interfaceId).u16(0).u32((int)(timestampUnits >>> 32)).u32((int)timestampUnits)
            .u32(data.length).u32(data.length).bytes(data).pad4().toArray());
    }

    public CaptureBytes simplePacket(final int wireLength, final byte[] data)
    {
        return block(PcapngReader.BLOCK_SIMPLE_PACKET, body().u32(wireLength).bytes(data).pad4().toArray());
    }

    /** An option: code, length, value padded to 4 bytes. */
    public CaptureBytes option(final int code, final byte[] value)
    {
        return u16(code).u16(value.length).bytes(value).pad4();
    }

    public CaptureBytes endOfOptions()
    {
        return u16(PcapngReader.OPTION_END).u16(0);
    }

    /** @return an empty builder in the same byte order, for a block body. */
    public CaptureBytes body()
    {
        return new CaptureBytes(order);
    }

    public byte[] toArray()
    {
        return Arrays.copyOf(bytes, length);
    }

    public Path writeTo(final Path file) throws IOException
    {
        return Files.write(file, toArray());
    }

    private void ensure(final int extra)
    {
        if (length + extra > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
        }
    }
}
