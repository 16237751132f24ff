package dev.palisade.enforcement.traffic;

import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.TcpFlyweight;
import dev.palisade.enforcement.traffic.GeneratedCapture.FlowKey;
import dev.palisade.enforcement.traffic.GeneratedCapture.Packet;
import dev.palisade.enforcement.traffic.TrafficGenerator.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrafficGeneratorTest
{
    private static final int TLS_CONTENT_HANDSHAKE = 0x16;

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDifferentBytes() throws IOException
    {
        final Path first = dir.resolve("first.pcap");
        final Path again = dir.resolve("again.pcap");
        final Path other = dir.resolve("other.pcap");
        TrafficGenerator.generate(TrafficSpec.of(400, 8000, SizeMode.IMIX, 7), first, ProgressListener.NONE);
        TrafficGenerator.generate(TrafficSpec.of(400, 8000, SizeMode.IMIX, 7), again, ProgressListener.NONE);
        TrafficGenerator.generate(TrafficSpec.of(400, 8000, SizeMode.IMIX, 8), other, ProgressListener.NONE);

        assertEquals(-1, Files.mismatch(first, again), "same seed, same bytes");
        assertNotEquals(-1, Files.mismatch(first, other), "another seed, other bytes");
    }

    static Stream<Arguments> shapes()
    {
        return Stream.of(
            Arguments.of(1, 8, SizeMode.SMALL_64),
            Arguments.of(1, 5_000, SizeMode.LARGE_1500),
            Arguments.of(10, 62, SizeMode.IMIX), // exactly the minimum for 10 flows
            Arguments.of(257, 9_000, SizeMode.SMALL_64),
            Arguments.of(2_500, 30_000, SizeMode.IMIX), // more flows than are open at once
            Arguments.of(3_001, 18_700, SizeMode.LARGE_1500));
    }

    @ParameterizedTest(name = "{0} flows, {1} packets, {2}")
    @MethodSource("shapes")
    void writesExactlyTheRequestedPacketsOverExactlyTheRequestedFlows(
        final long flows, final long packetCount, final SizeMode sizeMode) throws IOException
    {
        final TrafficSpec spec = new TrafficSpec(flows, packetCount, sizeMode, 11, TrafficSpec.DEFAULT_START_TIME_NS,
            25, TrafficSpec.DEFAULT_PACKETS_PER_SECOND);
        final GeneratedCapture capture = GeneratedCapture.generate(spec, dir.resolve("counts.pcap"));
        final TrafficStats stats = capture.stats;

        final Set<FlowKey> keys = new HashSet<>();
        final Set<FlowKey> tcpKeys = new HashSet<>();
        final Set<FlowKey> udpKeys = new HashSet<>();
        final Set<FlowKey> ipv6Keys = new HashSet<>();
        final Set<FlowKey> resetKeys = new HashSet<>();
        long bytes = 0;
        for (final Packet packet : capture.packets)
        {
            assertEquals(0, packet.parseResult(), "every packet parses");
            keys.add(packet.key());
            (packet.isTcp() ? tcpKeys : udpKeys).add(packet.key());
            if (packet.l3() == PacketMeta.L3_IPV6)
            {
                ipv6Keys.add(packet.key());
            }
            if ((packet.tcpFlags() & TcpFlyweight.RST) != 0)
            {
                resetKeys.add(packet.key());
            }
            bytes += packet.frame().length;
        }
        final long bytesInFile = bytes;

        assertAll(
            () -> assertEquals(packetCount, capture.packets.size(), "packets in the file"),
            () -> assertEquals(packetCount, stats.packets(), "packets reported"),
            () -> assertEquals(bytesInFile, stats.bytes(), "bytes reported"),
            () -> assertEquals(flows, keys.size(), "distinct flow keys"),
            () -> assertEquals(flows, stats.flows(), "flows reported"),
            () -> assertEquals(FlowKind.TCP_HTTP.count(flows) + FlowKind.TCP_TLS.count(flows), tcpKeys.size()),
            () -> assertEquals(FlowKind.DNS.count(flows) + FlowKind.UDP_OTHER.count(flows), udpKeys.size()),
            () -> assertEquals(ipv6Keys.size(), stats.ipv6Flows(), "IPv6 flows"),
            () -> assertEquals(resetKeys.size(), stats.tcpResetFlows(), "flows ended by RST"));
        for (final FlowKind kind : FlowKind.values())
        {
            assertEquals(kind.count(flows), stats.flows(kind), kind.label());
        }
    }

    @Test
    void flowKindCountsAndTheMinimumDependOnTheFlowCountOnly()
    {
        assertEquals(1, FlowKind.TCP_TLS.count(1));
        assertEquals(0, FlowKind.DNS.count(1));
        assertEquals(8, FlowKind.minimumPackets(1));
        assertEquals(4, FlowKind.TCP_TLS.count(10));
        assertEquals(3, FlowKind.TCP_HTTP.count(10));
        assertEquals(2, FlowKind.DNS.count(10));
        assertEquals(1, FlowKind.UDP_OTHER.count(10));
        assertEquals(4 * 8 + 3 * 8 + 2 * 2 + 2, FlowKind.minimumPackets(10));
        assertEquals(1, FlowKind.UDP_OTHER.count(4), "the first four flows cover every kind");
        assertEquals(1, FlowKind.DNS.count(4));
    }

    @Test
    void tooFewPacketsIsAnErrorNamingTheMinimum()
    {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> TrafficSpec.of(10, 61, SizeMode.IMIX, 1));
        assertEquals("61 packets are too few for 10 flows: 10 flows need at least 62 packets (8 per TCP flow for " +
            "handshake, request, response and teardown; 2 per DNS or other UDP flow)", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrafficSpec.of(0, 100, SizeMode.IMIX, 1));
    }

    @Test
    void sizeOptionsParse()
    {
        assertEquals(SizeMode.SMALL_64, SizeMode.fromOption("64"));
        assertEquals(SizeMode.IMIX, SizeMode.fromOption("IMIX"));
        assertEquals(SizeMode.LARGE_1500, SizeMode.fromOption("1500"));
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> SizeMode.fromOption("9000"));
        assertEquals("size must be 64, imix or 1500, was '9000'", error.getMessage());
    }

    @Test
    void ipAndTransportChecksumsVerify() throws IOException
    {
        final TrafficSpec spec = new TrafficSpec(600, 12_000, SizeMode.IMIX, 3, TrafficSpec.DEFAULT_START_TIME_NS, 40,
            TrafficSpec.DEFAULT_PACKETS_PER_SECOND);
        final GeneratedCapture capture = GeneratedCapture.generate(spec, dir.resolve("checksums.pcap"));
        for (final Packet packet : capture.packets)
        {
            final byte[] frame = packet.frame();
            final int l3 = packet.l3Offset();
            final int l4 = packet.l4Offset();
            final int l4Length;
            long pseudo;
            if (packet.l3() == PacketMeta.L3_IPV4)
            {
                assertEquals(0xFFFF, fold(sum(frame, l3, 20)), "IPv4 header checksum");
                l4Length = u16(frame, l3 + 2) - 20;
                pseudo = sum(frame, l3 + 12, 8) + packet.protocol() + l4Length;
            }
            else
            {
                l4Length = u16(frame, l3 + 4);
                pseudo = sum(frame, l3 + 8, 32) + packet.protocol() + l4Length;
            }
            assertEquals(0xFFFF, fold(pseudo + sum(frame, l4, l4Length)), "TCP/UDP checksum");
            if (packet.isUdp())
            {
                assertEquals(l4Length, u16(frame, l4 + 4), "UDP length");
            }
        }
    }

    @Test
    void tcpSequenceAndAcknowledgmentNumbersAdvanceWithTheBytesSent() throws IOException
    {
        final TrafficSpec spec = new TrafficSpec(500, 20_000, SizeMode.IMIX, 5, TrafficSpec.DEFAULT_START_TIME_NS, 30,
            TrafficSpec.DEFAULT_PACKETS_PER_SECOND);
        final GeneratedCapture capture = GeneratedCapture.generate(spec, dir.resolve("seq.pcap"));
        final Map<FlowKey, long[]> nextSeq = new HashMap<>(); // {client, server}
        final Map<FlowKey, List<Integer>> flags = new HashMap<>();
        for (final Packet packet : capture.packets)
        {
            if (!packet.isTcp())
            {
                continue;
            }
            final int side = packet.fromClient() ? 0 : 1;
            final long[] next = nextSeq.computeIfAbsent(packet.key(), key -> new long[]{ -1, -1 });
            flags.computeIfAbsent(packet.key(), key -> new ArrayList<>()).add(packet.tcpFlags());
            if (next[side] >= 0)
            {
                assertEquals(next[side], packet.tcpSeq(), "sequence continues where this side left off");
            }
            final int flagBits = packet.tcpFlags();
            final int consumed = packet.payloadLength() + ((flagBits & TcpFlyweight.SYN) != 0 ? 1 : 0) +
                ((flagBits & TcpFlyweight.FIN) != 0 ? 1 : 0);
            next[side] = (packet.tcpSeq() + consumed) & 0xFFFF_FFFFL;
            if ((flagBits & TcpFlyweight.ACK) != 0)
            {
                assertEquals(next[1 - side], packet.tcpAck(), "acknowledges all the other side sent");
            }
        }

        final int syn = TcpFlyweight.SYN;
        final int ack = TcpFlyweight.ACK;
        final int fin = TcpFlyweight.FIN | ack;
        for (final List<Integer> sequence : flags.values())
        {
            assertEquals(List.of(syn, syn | ack, ack, TcpFlyweight.PSH | ack), sequence.subList(0, 4), "handshake");
            final List<Integer> end = sequence.subList(sequence.size() - 3, sequence.size());
            final boolean reset = end.get(2) == (TcpFlyweight.RST | ack);
            assertTrue(reset || end.equals(List.of(fin, fin, ack)), "FIN, FIN, ACK or RST teardown: " + end);
        }
    }

    @Test
    void timestampsNeverGoBackAndFollowThePacketRate() throws IOException
    {
        final long packetsPerSecond = 250_000;
        final TrafficSpec spec = new TrafficSpec(300, 10_000, SizeMode.SMALL_64, 9, 1_600_000_000_000_000_000L, 10,
            packetsPerSecond);
        final GeneratedCapture capture = GeneratedCapture.generate(spec, dir.resolve("time.pcap"));
        long previous = Long.MIN_VALUE;
        for (final Packet packet : capture.packets)
        {
            assertTrue(packet.timestampNs() >= previous, "nondecreasing");
            previous = packet.timestampNs();
        }
        assertEquals(1_600_000_000_000_000_000L, capture.packets.get(0).timestampNs());
        assertEquals(previous, capture.stats.lastTimestampNs());
        final double expectedNs = 1e9 * (capture.packets.size() - 1) / packetsPerSecond;
        final double actualNs = previous - capture.packets.get(0).timestampNs();
        assertEquals(1.0, actualNs / expectedNs, 0.05, "duration at the configured rate");
    }

    @ParameterizedTest
    @EnumSource(SizeMode.class)
    void dataFramesHaveTheSizesTheModeAsksFor(final SizeMode sizeMode) throws IOException
    {
        final TrafficSpec spec = new TrafficSpec(400, 30_000, sizeMode, 13, TrafficSpec.DEFAULT_START_TIME_NS, 0,
            TrafficSpec.DEFAULT_PACKETS_PER_SECOND);
        final GeneratedCapture capture = GeneratedCapture.generate(spec, dir.resolve("sizes.pcap"));
        final Map<Integer, Integer> dataFrames = new HashMap<>();
        for (final Packet packet : capture.packets)
        {
            final int length = packet.frame().length;
            assertTrue(length >= 60 && length <= 1514, "a frame is 60..1514 bytes, was " + length);
            if (packet.isTcp() && packet.payloadLength() == 0)
            {
                // Only SYNs grow, by Linux's 12 bytes of options, except at 64 bytes where they carry just the MSS.
                final boolean fullSyn = (packet.tcpFlags() & TcpFlyweight.SYN) != 0 && sizeMode != SizeMode.SMALL_64;
                assertEquals(fullSyn ? 66 : 60, length, "a TCP packet without data is a minimum frame");
            }
            if (isDataSegment(packet))
            {
                dataFrames.merge(length, 1, Integer::sum);
            }
        }

        switch (sizeMode)
        {
            case SMALL_64 -> assertEquals(Set.of(60), dataFrames.keySet());
            case LARGE_1500 -> assertEquals(Set.of(1514), dataFrames.keySet());
            case IMIX ->
            {
                assertEquals(Set.of(60, 590, 1514), dataFrames.keySet());
                final double total = dataFrames.values().stream().mapToInt(Integer::intValue).sum();
                assertEquals(7 / 12.0, dataFrames.get(60) / total, 0.03, "64-byte share");
                assertEquals(4 / 12.0, dataFrames.get(590) / total, 0.03, "594-byte share");
                assertEquals(1 / 12.0, dataFrames.get(1514) / total, 0.03, "1518-byte share");
            }
        }
    }

    /** Bulk data: plain UDP datagrams, and server segments after the first (which holds a header or hello). */
    private static boolean isDataSegment(final Packet packet)
    {
        if (packet.isUdp())
        {
            return packet.srcPort() != Flow.PORT_DNS && packet.dstPort() != Flow.PORT_DNS;
        }
        if (packet.fromClient() || packet.payloadLength() == 0)
        {
            return false;
        }
        if (packet.srcPort() == Flow.PORT_HTTPS)
        {
            return packet.payloadByte(0) != TLS_CONTENT_HANDSHAKE;
        }
        return !new String(packet.frame(), packet.payloadOffset(), Math.min(5, packet.payloadLength()),
            java.nio.charset.StandardCharsets.US_ASCII).equals("HTTP/");
    }

    @Test
    void reportsProgressUpToTheTotal() throws IOException
    {
        final long[] last = { -1, -1 };
        TrafficGenerator.generate(TrafficSpec.of(20, 500, SizeMode.SMALL_64, 1), dir.resolve("progress.pcapng"),
            (written, total) ->
            {
                last[0] = written;
                last[1] = total;
            });
        assertEquals(500, last[0]);
        assertEquals(500, last[1]);
        assertEquals(500, GeneratedCapture.read(dir.resolve("progress.pcapng")).size(), "pcapng by the file name");
    }

    private static long sum(final byte[] data, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int high = data[offset + i] & 0xFF;
            final int low = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        return sum;
    }

    private static int fold(final long sum)
    {
        long folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int)folded;
    }

    private static int u16(final byte[] data, final int offset)
    {
        return ((data[offset] & 0xFF) << 8) | (data[offset + 1] & 0xFF);
    }
}
