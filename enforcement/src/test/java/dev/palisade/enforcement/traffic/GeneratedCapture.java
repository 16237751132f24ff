package dev.palisade.enforcement.traffic;

import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A small generated capture read back into memory, each packet parsed by the data plane's own parser. */
final class GeneratedCapture
{
    /** One packet: its bytes, timestamp, and what {@link PacketParser} made of it (copied out of the shared meta). */
    record Packet(
        long timestampNs,
        byte[] frame,
        int linkType,
        int parseResult,
        int l3,
        int l3Offset,
        int protocol,
        int l4Offset,
        int srcPort,
        int dstPort,
        int tcpFlags,
        long tcpSeq,
        long tcpAck,
        int payloadOffset,
        int payloadLength,
        FlowKey key)
    {
        boolean isTcp()
        {
            return protocol == PacketMeta.PROTO_TCP;
        }

        boolean isUdp()
        {
            return protocol == PacketMeta.PROTO_UDP;
        }

        /** Clients are the workloads: 10.0.0.0/8, or fd0a::/16 over IPv6. */
        boolean fromClient()
        {
            final int source = l3Offset + (l3 == PacketMeta.L3_IPV4 ? 12 : 8);
            return l3 == PacketMeta.L3_IPV4 ?
                frame[source] == 10 : (frame[source] & 0xFF) == 0xFD && (frame[source + 1] & 0xFF) == 0x0A;
        }

        int payloadByte(final int index)
        {
            return frame[payloadOffset + index] & 0xFF;
        }
    }

    /** The canonical (direction-free) flow key the parser computes. */
    record FlowKey(long k0, long k1, long k2, long k3, long k4, long k5, long hash)
    {
    }

    final TrafficStats stats;
    final List<Packet> packets;

    private GeneratedCapture(final TrafficStats stats, final List<Packet> packets)
    {
        this.stats = stats;
        this.packets = packets;
    }

    static GeneratedCapture generate(final TrafficSpec spec, final Path file) throws IOException
    {
        final TrafficStats stats = TrafficGenerator.generate(spec, file, TrafficGenerator.ProgressListener.NONE);
        return new GeneratedCapture(stats, read(file));
    }

    static List<Packet> read(final Path file) throws IOException
    {
        final List<Packet> packets = new ArrayList<>();
        final PacketParser parser = new PacketParser();
        final PacketMeta meta = new PacketMeta();
        try (CaptureReader reader = CaptureReader.open(file))
        {
            while (reader.next())
            {
                assertEquals(reader.capturedLength(), reader.wireLength(), "nothing is snapped");
                final byte[] frame = new byte[reader.capturedLength()];
                reader.buffer().getBytes(reader.packetOffset(), frame);
                final int result = parser.parse(
                    new UnsafeBuffer(frame), 0, frame.length, frame.length, reader.linkType(), meta);
                packets.add(new Packet(reader.timestampNs(), frame, reader.linkType(), result, meta.l3, meta.l3Offset,
                    meta.protocol, meta.l4Offset, meta.srcPort, meta.dstPort, meta.tcpFlags, meta.tcpSeq, meta.tcpAck,
                    meta.payloadOffset, meta.payloadLength,
                    new FlowKey(meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5, meta.flowHash)));
            }
        }
        for (final Packet packet : packets)
        {
            assertEquals(LinkType.ETHERNET, packet.linkType());
        }
        return packets;
    }
}
