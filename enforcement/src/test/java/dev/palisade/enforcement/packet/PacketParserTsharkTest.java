package dev.palisade.enforcement.packet;

import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.capture.SharedTestData;
import dev.palisade.enforcement.capture.Tshark;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.palisade.enforcement.packet.FrameBuilder.addressHigh;
import static dev.palisade.enforcement.packet.FrameBuilder.addressLow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every packet of a set of real captures, parsed by us and by Wireshark: addresses, protocol, ports, TCP flags,
 * sequence numbers, TTL and VLAN ids must agree. The captures cover each link type in the corpus, VLAN and QinQ tags,
 * IPv4-in-IPv6, IPv6-in-IPv6, IPv6-in-IPv4, IPv4 and IPv6 fragments, hop-by-hop headers, ICMP and ICMPv6, PPPoE
 * (which the parser leaves as non-IP) and GTP-U (which it leaves closed: the outer packet is compared). tshark runs
 * with reassembly off so that fragments are reported as they are, and skipped (with a message) when not installed.
 */
class PacketParserTsharkTest
{
    private static final List<String> NO_REASSEMBLY = List.of(
        "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-o", "ip.tso_support:FALSE");

    private static final String[] FIELDS = {
        "frame.number", "frame.protocols", "vlan.id",
        "ip.src", "ip.dst", "ip.proto", "ip.ttl", "ipv6.src", "ipv6.dst", "ipv6.hlim",
        "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw",
        "udp.srcport", "udp.dstport",
        "icmp.type", "icmp.code", "icmp.ident", "icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier",
        "ip.len", "ip.hdr_len", "tcp.hdr_len" };

    private static final int FRAME_NUMBER = 0;
    private static final int PROTOCOLS = 1;
    private static final int VLAN_ID = 2;
    private static final int IP_SRC = 3;
    private static final int IP_DST = 4;
    private static final int IP_PROTO = 5;
    private static final int IP_TTL = 6;
    private static final int IPV6_SRC = 7;
    private static final int IPV6_DST = 8;
    private static final int IPV6_HLIM = 9;
    private static final int TCP_SRCPORT = 10;
    private static final int TCP_DSTPORT = 11;
    private static final int TCP_FLAGS = 12;
    private static final int TCP_SEQ = 13;
    private static final int TCP_ACK = 14;
    private static final int UDP_SRCPORT = 15;
    private static final int UDP_DSTPORT = 16;
    private static final int ICMP_TYPE = 17;
    private static final int ICMP_CODE = 18;
    private static final int ICMP_IDENT = 19;
    private static final int ICMPV6_TYPE = 20;
    private static final int ICMPV6_CODE = 21;
    private static final int ICMPV6_IDENT = 22;
    private static final int IP_LEN = 23;
    private static final int IP_HDR_LEN = 24;
    private static final int TCP_HDR_LEN = 25;

    private static final int MAX_REPORTED_MISMATCHES = 20;

    private final PacketParser parser = new PacketParser();
    private final PacketMeta meta = new PacketMeta();

    @ParameterizedTest
    @ValueSource(strings = {
        "bot.pcap", "http.pcapng", "KakaoTalk_chat.pcap", "codm.pcap", "rdp.pcap", "4in6tunnel.pcap", "6in6tunnel.pcap",
        "syslog.pcap", "dns.pcap", "zoom.pcap", "dns_fragmented.pcap", "ip_fragmented_garbage.pcap", "android.pcap",
        "icmp-tunnel.pcap", "quic_interop_V.pcapng" })
    void shouldAgreeWithTshark(final String fileName) throws Exception
    {
        Tshark.assumeAvailable();
        final Path capture = SharedTestData.dpiCapture(fileName);
        final List<String[]> rows = Tshark.fields(capture, NO_REASSEMBLY, FIELDS);
        final List<String> mismatches = new ArrayList<>();

        int frameNumber = 0;
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                frameNumber++;
                final int result = parser.parse(reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                    reader.wireLength(), reader.linkType(), meta);
                assertTrue(frameNumber <= rows.size(), "we read more frames than tshark: " + frameNumber);
                final String[] row = rows.get(frameNumber - 1);
                assertEquals(Integer.toString(frameNumber), row[FRAME_NUMBER]);
                if (result != 0)
                {
                    mismatches.add("frame " + frameNumber + ": " + MalformedReason.byId(result));
                }
                else
                {
                    compare(frameNumber, row, mismatches);
                }
            }
        }

        assertEquals(rows.size(), frameNumber, "frames read by us and by tshark");
        assertTrue(mismatches.isEmpty(), () -> fileName + ": " + mismatches.size() + " mismatches with tshark:\n" +
            String.join("\n", mismatches.subList(0, Math.min(MAX_REPORTED_MISMATCHES, mismatches.size()))));
    }

    private void compare(final int frameNumber, final String[] row, final List<String> mismatches)
    {
        final String at = "frame " + frameNumber + " ";
        final Layers layers = new Layers(row[PROTOCOLS], meta.tunnelDepth);
        if (!layers.hasIp)
        {
            // No IP, or IP inside something the parser does not open (PPPoE): the parser sees no IP.
            check(mismatches, at + "is IP", false, meta.isIp());
            return;
        }
        check(mismatches, at + "is IP", true, meta.isIp());
        check(mismatches, at + "IPv6", layers.ipv6, !meta.isIpv4());
        if (!meta.isIp() || layers.ipv6 == meta.isIpv4())
        {
            return;
        }

        if (meta.tunnelDepth == 0)
        {
            final String[] vlans = values(row[VLAN_ID]);
            check(mismatches, at + "VLAN count", Math.min(vlans.length, PacketParser.MAX_VLAN_TAGS), meta.vlanCount);
            check(mismatches, at + "outer VLAN", vlans.length > 0 ? Integer.parseInt(vlans[0]) : PacketMeta.NO_VLAN,
                meta.outerVlan);
            check(mismatches, at + "inner VLAN", vlans.length > 1 ? Integer.parseInt(vlans[1]) : PacketMeta.NO_VLAN,
                meta.innerVlan);
        }

        if (meta.isIpv4())
        {
            checkAddresses(mismatches, at, value(row[IP_SRC], layers.ipIndex), value(row[IP_DST], layers.ipIndex));
            check(mismatches, at + "protocol", Integer.parseInt(value(row[IP_PROTO], layers.ipIndex)), meta.protocol);
            check(mismatches, at + "TTL", Integer.parseInt(value(row[IP_TTL], layers.ipIndex)), meta.ttl);
        }
        else
        {
            checkAddresses(mismatches, at, value(row[IPV6_SRC], layers.ipIndex), value(row[IPV6_DST], layers.ipIndex));
            check(mismatches, at + "hop limit", Integer.parseInt(value(row[IPV6_HLIM], layers.ipIndex)), meta.ttl);
        }

        switch (layers.transport)
        {
            case "tcp" ->
            {
                check(mismatches, at + "protocol", PacketMeta.PROTO_TCP, meta.protocol);
                final String flags = value(row[TCP_FLAGS], layers.transportIndex);
                final boolean partialHeader = meta.isIpv4() &&
                    intValue(row[IP_LEN], layers.ipIndex) - intValue(row[IP_HDR_LEN], layers.ipIndex) <
                    Math.max(20, intValue(row[TCP_HDR_LEN], layers.transportIndex));
                if (flags.isEmpty() || partialHeader)
                {
                    // A first fragment too short for the whole TCP header: tshark shows what it can, reading on into
                    // the Ethernet padding if need be; the parser reports no transport fields.
                    check(mismatches, at + "source port of a partial TCP header", 0, meta.srcPort);
                    check(mismatches, at + "TCP flags of a partial TCP header", 0, meta.tcpFlags);
                    return;
                }
                check(mismatches, at + "source port", intValue(row[TCP_SRCPORT], layers.transportIndex), meta.srcPort);
                check(mismatches, at + "destination port", intValue(row[TCP_DSTPORT], layers.transportIndex),
                    meta.dstPort);
                check(mismatches, at + "TCP flags", Integer.decode(flags) & 0xFF, meta.tcpFlags);
                check(mismatches, at + "sequence", Long.parseLong(value(row[TCP_SEQ], layers.transportIndex)),
                    meta.tcpSeq);
                check(mismatches, at + "acknowledgment", Long.parseLong(value(row[TCP_ACK], layers.transportIndex)),
                    meta.tcpAck);
            }
            case "udp" ->
            {
                check(mismatches, at + "protocol", PacketMeta.PROTO_UDP, meta.protocol);
                check(mismatches, at + "source port", intValue(row[UDP_SRCPORT], layers.transportIndex), meta.srcPort);
                check(mismatches, at + "destination port", intValue(row[UDP_DSTPORT], layers.transportIndex),
                    meta.dstPort);
            }
            case "icmp", "icmpv6" ->
            {
                final boolean v6 = layers.transport.equals("icmpv6");
                final int type = intValue(row[v6 ? ICMPV6_TYPE : ICMP_TYPE], layers.transportIndex);
                final int code = intValue(row[v6 ? ICMPV6_CODE : ICMP_CODE], layers.transportIndex);
                check(mismatches, at + "ICMP type", type, meta.icmpType);
                check(mismatches, at + "ICMP code", code, meta.icmpCode);
                final boolean echo = v6 ? (type == 128 || type == 129) : (type == 0 || type == 8);
                final int identifier = echo ? Integer.decode(first(row[v6 ? ICMPV6_IDENT : ICMP_IDENT])) : 0;
                check(mismatches, at + "ICMP source port", echo ? identifier : (type << 8) | code, meta.srcPort);
                check(mismatches, at + "ICMP destination port", echo ? identifier : 0, meta.dstPort);
            }
            default ->
            {
                check(mismatches, at + "source port (no transport header)", 0, meta.srcPort);
                check(mismatches, at + "destination port (no transport header)", 0, meta.dstPort);
            }
        }
    }

    /**
     * Where in tshark's layer list ({@code frame.protocols}, e.g. {@code eth:ethertype:ipv6:ip:tcp}) the packet the
     * parser reports lies: the IP header after {@code tunnelDepth} outer ones, and the transport header that follows
     * it. Multi-valued fields list one value per layer of that protocol, so the layer's rank among its own protocol
     * is the index into them. Quoted packets in ICMP errors and tunnels the parser does not open (GTP) come after.
     */
    private static final class Layers
    {
        boolean hasIp;
        boolean ipv6;
        int ipIndex;
        String transport = "";
        int transportIndex;

        Layers(final String protocols, final int tunnelDepth)
        {
            final String[] names = protocols.split(":");
            int ipLayers = 0;
            int position = -1;
            for (int i = 0; i < names.length; i++)
            {
                if (names[i].equals("ip") || names[i].equals("ipv6"))
                {
                    if (ipLayers++ == tunnelDepth)
                    {
                        position = i;
                        break;
                    }
                }
            }
            if (position < 0)
            {
                return;
            }
            hasIp = true;
            ipv6 = names[position].equals("ipv6");
            ipIndex = rank(names, position);
            for (int i = position + 1; i < names.length; i++)
            {
                if (names[i].equals("ip") || names[i].equals("ipv6"))
                {
                    break;
                }
                if (names[i].equals("tcp") || names[i].equals("udp") || names[i].equals("icmp") ||
                    names[i].equals("icmpv6"))
                {
                    transport = names[i];
                    transportIndex = rank(names, i);
                    break;
                }
            }
        }

        private static int rank(final String[] names, final int position)
        {
            int rank = 0;
            for (int i = 0; i < position; i++)
            {
                if (names[i].equals(names[position]))
                {
                    rank++;
                }
            }
            return rank;
        }
    }

    private void checkAddresses(
        final List<String> mismatches, final String at, final String source, final String destination)
    {
        check(mismatches, at + "source " + source, addressHigh(source), meta.srcHi);
        check(mismatches, at + "source " + source, addressLow(source), meta.srcLo);
        check(mismatches, at + "destination " + destination, addressHigh(destination), meta.dstHi);
        check(mismatches, at + "destination " + destination, addressLow(destination), meta.dstLo);
    }

    private static String value(final String aggregated, final int index)
    {
        final String[] values = values(aggregated);
        return index < values.length ? values[index] : "";
    }

    private static int intValue(final String aggregated, final int index)
    {
        final String value = value(aggregated, index);
        return value.isEmpty() ? -1 : Integer.decode(value);
    }

    private static String[] values(final String aggregated)
    {
        return aggregated.isEmpty() ? new String[0] : aggregated.split(",");
    }

    private static String first(final String aggregated)
    {
        return values(aggregated)[0];
    }

    private static void check(final List<String> mismatches, final String what, final long expected, final long actual)
    {
        if (expected != actual)
        {
            mismatches.add(what + ": tshark " + expected + ", parser " + actual);
        }
    }

    private static void check(
        final List<String> mismatches, final String what, final boolean expected, final boolean actual)
    {
        if (expected != actual)
        {
            mismatches.add(what + ": tshark " + expected + ", parser " + actual);
        }
    }
}
