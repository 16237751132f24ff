package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.conntrack.FlowState;
import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A debugging aid for comparing our flows with another tool's: replays a capture packet by packet through a parser and
 * one flow table, the way one {@link Worker} does, and lists every event that decides a flow count, with the frame
 * number (1-based, as Wireshark numbers frames): a flow created or re-opened, a packet dropped as malformed, a TCP
 * packet not tracked. Not used on the packet path; allocates freely.
 * <p>
 * Run it on one capture: {@code java -cp <test classpath> dev.palisade.enforcement.pipeline.FlowListing FILE}.
 */
public final class FlowListing
{
    /** What happened at one frame. */
    public enum Kind
    {
        CREATED, REOPENED, MALFORMED, UNTRACKED, NON_IP
    }

    /**
     * One event.
     *
     * @param frame       the frame number, from 1.
     * @param kind        what happened.
     * @param protocol    the IP protocol of the flow (0 when the packet did not parse).
     * @param description the flow's canonical 5-tuple and zone, or the malformed reason / link type.
     */
    public record Event(long frame, Kind kind, int protocol, String description)
    {
        @Override
        public String toString()
        {
            return "frame " + frame + " " + kind + " " + protocolName(protocol) + " " + description;
        }
    }

    private FlowListing()
    {
    }

    /** @return every flow-deciding event of the capture, in frame order, with timeouts that never expire a flow. */
    public static List<Event> list(final Path capture) throws IOException
    {
        ConntrackConfig conntrack = ConntrackConfig.defaults();
        for (int s = 0; s < FlowState.COUNT; s++)
        {
            conntrack = conntrack.withTimeout(s, 1L << 60);
        }
        final List<Event> events = new ArrayList<>();
        final PacketParser parser = new PacketParser();
        final PacketMeta meta = new PacketMeta();
        try (CaptureReader reader = CaptureReader.open(capture);
            FlowTable flows = new FlowTable(conntrack, new WorkerCounters()))
        {
            long frame = 0;
            while (reader.next())
            {
                frame++;
                final int result = parser.parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                    reader.wireLength(), reader.linkType(), meta);
                if (result != 0)
                {
                    events.add(new Event(frame, Kind.MALFORMED, 0, MalformedReason.byId(result).label() +
                        " (link type " + LinkType.name(reader.linkType()) + ")"));
                    continue;
                }
                if (meta.l3 == PacketMeta.L3_NONE)
                {
                    events.add(new Event(frame, Kind.NON_IP, 0, "ethertype 0x" + Integer.toHexString(meta.etherType)));
                    continue;
                }
                final boolean known = flows.lookup(meta) >= 0;
                final int slot = flows.track(meta, reader.timestampNs());
                if (slot < 0)
                {
                    events.add(new Event(frame, Kind.UNTRACKED, meta.protocol, describe(meta) +
                        " tcp flags 0x" + Integer.toHexString(meta.tcpFlags)));
                }
                else if (flows.lastCreated())
                {
                    events.add(new Event(frame, known ? Kind.REOPENED : Kind.CREATED, meta.protocol, describe(meta)));
                }
            }
        }
        return events;
    }

    /** @return the packet's canonical flow key as {@code a:port <-> b:port}, with its zone and fragment kind. */
    public static String describe(final PacketMeta meta)
    {
        final StringBuilder text = new StringBuilder()
            .append(address(meta.key0, meta.key1)).append(':').append(meta.key4 >>> 48)
            .append(" <-> ")
            .append(address(meta.key2, meta.key3)).append(':').append((meta.key4 >>> 32) & 0xFFFF);
        if (meta.zone != 0)
        {
            text.append(" zone 0x").append(Integer.toHexString(meta.zone));
        }
        if (meta.tunnelDepth != 0)
        {
            text.append(" tunnel depth ").append(meta.tunnelDepth);
        }
        if (meta.fragment == PacketMeta.FRAGMENT_FIRST)
        {
            text.append(" first fragment");
        }
        else if (meta.fragment == PacketMeta.FRAGMENT_LATER)
        {
            text.append(" later fragment");
        }
        return text.toString();
    }

    static String address(final long high, final long low)
    {
        if (high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == PacketMeta.IPV4_MAPPED_PREFIX)
        {
            return ((low >>> 24) & 0xFF) + "." + ((low >>> 16) & 0xFF) + "." + ((low >>> 8) & 0xFF) + "." +
                (low & 0xFF);
        }
        try
        {
            final byte[] bytes = ByteBuffer.allocate(16).putLong(high).putLong(low).array();
            return "[" + InetAddress.getByAddress(bytes).getHostAddress() + "]";
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String protocolName(final int protocol)
    {
        return switch (protocol)
        {
            case 0 -> "-";
            case PacketMeta.PROTO_TCP -> "tcp";
            case PacketMeta.PROTO_UDP -> "udp";
            case PacketMeta.PROTO_ICMP -> "icmp";
            case PacketMeta.PROTO_ICMPV6 -> "icmpv6";
            default -> "proto" + protocol;
        };
    }

    /** Prints the events of the captures named on the command line; {@code --flows} limits it to TCP and UDP flows. */
    public static void main(final String[] args) throws IOException
    {
        boolean flowsOnly = false;
        for (final String arg : args)
        {
            if (arg.equals("--flows"))
            {
                flowsOnly = true;
                continue;
            }
            for (final Event event : list(Path.of(arg)))
            {
                final boolean flow = (event.kind() == Kind.CREATED || event.kind() == Kind.REOPENED) &&
                    (event.protocol() == PacketMeta.PROTO_TCP || event.protocol() == PacketMeta.PROTO_UDP);
                if (!flowsOnly || flow)
                {
                    System.out.println(event);
                }
            }
        }
    }
}
