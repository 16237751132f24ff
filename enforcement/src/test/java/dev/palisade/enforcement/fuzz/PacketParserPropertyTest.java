package dev.palisade.enforcement.fuzz;

import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.FrameBuilder;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.OverlayFlyweights;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import dev.palisade.enforcement.packet.UdpFlyweight;
import dev.palisade.enforcement.testing.Seeded;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the parser over generated input, {@value #TRIES} tries each: random and randomly damaged bytes never
 * make it throw; a frame built from a random 5-tuple parses back to that 5-tuple (the builder is the simple
 * reference); a good frame cut short by a snap length parses or reports a truncation, never anything else; and the two
 * directions of a flow share a key.
 * <p>
 * Tries are run by {@link Seeded}: each is reproducible from the seed and try number in the failure message, and
 * {@code -Dpalisade.property.seed=N} runs another sequence.
 */
class PacketParserPropertyTest
{
    static final int TRIES = 1_000;
    private static final int OFFSET = 5;
    private static final int[] LINK_TYPES = PacketParserFuzzTest.LINK_TYPES;

    private final PacketMeta meta = new PacketMeta();
    private final PacketParser parser = new PacketParser();

    @BeforeAll
    static void requireBoundsChecks()
    {
        // Buffers here are exactly the frame's size, so an over-read shows up as an exception, but only with checks on.
        assertTrue(UnsafeBuffer.SHOULD_BOUNDS_CHECK, "Agrona bounds checks are off (-D" +
            UnsafeBuffer.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true): an over-read would go unnoticed");
    }

    @Test
    void randomBytesNeverMakeTheParserThrow()
    {
        Seeded.forEachTry("randomBytesNeverMakeTheParserThrow", TRIES, random ->
        {
            final byte[] frame = new byte[random.nextInt(301)];
            random.nextBytes(frame);
            final int offset = random.nextInt(16);
            final int wireLength = frame.length + (random.nextBoolean() ? 0 : random.nextInt(3_001));
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + frame.length]);
            buffer.putBytes(offset, frame);

            for (final int linkType : LINK_TYPES)
            {
                try
                {
                    final int result = parser.parse(buffer, offset, frame.length, wireLength, linkType, meta);
                    MetaInvariants.check(result, meta, offset, frame.length, wireLength, linkType,
                        PacketParser.DEFAULT_MAX_TUNNEL_DEPTH);
                }
                catch (final RuntimeException | AssertionError ex)
                {
                    throw failure("link type " + linkType + ", offset " + offset + ", wire " + wireLength +
                        ", frame " + HexFormat.of().formatHex(frame), ex);
                }
            }
        });
    }

    @Test
    void damagedFramesNeverMakeTheParserThrow()
    {
        // Random bytes rarely get past the EtherType; damaging good frames reaches the deeper headers.
        Seeded.forEachTry("damagedFramesNeverMakeTheParserThrow", TRIES, random ->
        {
            final Flow flow = Flow.random(random);
            final byte[] frame = flow.frame();
            final int damagedBytes = 1 + random.nextInt(4);
            for (int i = 0; i < damagedBytes; i++)
            {
                frame[random.nextInt(frame.length)] = (byte)random.nextInt(256);
            }
            final int captured = random.nextBoolean() ? frame.length : random.nextInt(frame.length + 1);
            final int wireLength = random.nextBoolean() ? frame.length : captured;
            try
            {
                final int result = parse(frame, captured, wireLength);
                MetaInvariants.check(result, meta, OFFSET, captured, wireLength, LinkType.ETHERNET,
                    PacketParser.DEFAULT_MAX_TUNNEL_DEPTH);
            }
            catch (final RuntimeException | AssertionError ex)
            {
                throw failure(flow + ", captured " + captured + ", wire " + wireLength + ", frame " +
                    HexFormat.of().formatHex(frame, 0, captured), ex);
            }
        });
    }

    @Test
    void builtFramesParseToTheirFiveTuple()
    {
        Seeded.forEachTry("builtFramesParseToTheirFiveTuple", TRIES, random ->
        {
            final Flow flow = Flow.random(random);
            final byte[] frame = flow.frame();

            final int result = parse(frame, frame.length, frame.length);

            check(result == 0, flow, "parse result " + MalformedReason.byId(result));
            check(meta.l3 == (flow.ipv6 ? PacketMeta.L3_IPV6 : PacketMeta.L3_IPV4), flow, "l3 " + meta.l3);
            check(meta.srcHi == FrameBuilder.addressHigh(flow.source()) &&
                meta.srcLo == FrameBuilder.addressLow(flow.source()), flow, "source");
            check(meta.dstHi == FrameBuilder.addressHigh(flow.destination()) &&
                meta.dstLo == FrameBuilder.addressLow(flow.destination()), flow, "destination");
            check(meta.protocol == flow.protocol, flow, "protocol " + meta.protocol);
            check(meta.srcPort == flow.sourcePort && meta.dstPort == flow.destinationPort, flow,
                "ports " + meta.srcPort + " > " + meta.dstPort);
            check(meta.payloadLength == flow.payloadLength, flow, "payload length " + meta.payloadLength);
            check(meta.vlanCount == flow.vlans.length, flow, "VLAN count " + meta.vlanCount);
            check(meta.outerVlan == (flow.vlans.length > 0 ? flow.vlans[0] : PacketMeta.NO_VLAN), flow,
                "outer VLAN " + meta.outerVlan);
            check(meta.vni == (flow.overlay == Overlay.NONE ? PacketMeta.NO_VNI : flow.vni), flow, "VNI " + meta.vni);
            check(meta.tunnelDepth == (flow.overlay == Overlay.NONE ? 0 : 1), flow,
                "tunnel depth " + meta.tunnelDepth);
            check(flow.protocol != PacketMeta.PROTO_TCP || meta.tcpFlags == flow.tcpFlags, flow,
                "TCP flags " + meta.tcpFlags);
            MetaInvariants.check(result, meta, OFFSET, frame.length, frame.length, LinkType.ETHERNET,
                PacketParser.DEFAULT_MAX_TUNNEL_DEPTH);
        });
    }

    @Test
    void snappedFramesParseOrReportTruncation()
    {
        Seeded.forEachTry("snappedFramesParseOrReportTruncation", TRIES, random ->
        {
            final Flow flow = Flow.random(random);
            final byte[] frame = flow.frame();
            final int captured = random.nextInt(frame.length + 1);

            final int result = parse(frame, captured, frame.length);

            check(result == 0 || MalformedReason.byId(result).label().startsWith("truncated_"), flow,
                "snapped at " + captured + " of " + frame.length + ": " + MalformedReason.byId(result));
            MetaInvariants.check(result, meta, OFFSET, captured, frame.length, LinkType.ETHERNET,
                PacketParser.DEFAULT_MAX_TUNNEL_DEPTH);
        });
    }

    @Test
    void bothDirectionsShareOneKey()
    {
        Seeded.forEachTry("bothDirectionsShareOneKey", TRIES, random ->
        {
            final Flow flow = Flow.random(random);
            final byte[] forward = flow.frame();
            final byte[] backward = flow.reversed().frame();

            check(parse(forward, forward.length, forward.length) == 0, flow, "forward");
            final long[] key = { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4, meta.key5 };
            final long hash = meta.flowHash;
            final boolean reversed = meta.keyReversed;
            check(parse(backward, backward.length, backward.length) == 0, flow, "backward");

            check(Arrays.equals(key, new long[] { meta.key0, meta.key1, meta.key2, meta.key3, meta.key4,
                meta.key5 }), flow, "keys differ");
            check(hash == meta.flowHash, flow, "hashes differ");
            final boolean oneEndpoint = flow.source().equals(flow.destination()) &&
                flow.sourcePort == flow.destinationPort;
            check(oneEndpoint || reversed != meta.keyReversed, flow, "keyReversed is the same both ways");
        });
    }

    private int parse(final byte[] frame, final int capturedLength, final int wireLength)
    {
        final UnsafeBuffer buffer = FrameBuilder.bufferAt(OFFSET, Arrays.copyOf(frame, capturedLength));
        return parser.parse(buffer, OFFSET, capturedLength, wireLength, LinkType.ETHERNET, meta);
    }

    /** @return the failure, with the input that caused it; {@link Seeded} adds the try and seed. */
    private static AssertionError failure(final String input, final Throwable cause)
    {
        return new AssertionError(cause + " for " + input, cause);
    }

    private static void check(final boolean condition, final Flow flow, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what + " for " + flow);
        }
    }

    enum Overlay
    {
        NONE, VXLAN, GENEVE
    }

    /** A random flow and how it is carried; {@link #frame()} builds it. */
    static final class Flow
    {
        private boolean ipv6;
        private int sourceValue;
        private int destinationValue;
        private int protocol;
        private int sourcePort;
        private int destinationPort;
        private int tcpFlags;
        private int payloadLength;
        private int[] vlans;
        private Overlay overlay;
        private int vni;

        static Flow random(final SplittableRandom random)
        {
            final Flow flow = new Flow();
            flow.ipv6 = random.nextBoolean();
            flow.sourceValue = random.nextInt();
            // Now and then one address at both ends, where the ports decide the key's order.
            flow.destinationValue = random.nextInt(8) == 0 ? flow.sourceValue : random.nextInt();
            flow.protocol = random.nextBoolean() ? PacketMeta.PROTO_TCP : PacketMeta.PROTO_UDP;
            flow.sourcePort = port(random);
            flow.destinationPort = random.nextInt(8) == 0 ? flow.sourcePort : port(random);
            flow.tcpFlags = random.nextInt(256);
            flow.payloadLength = random.nextInt(301);
            flow.vlans = new int[random.nextInt(3)];
            for (int i = 0; i < flow.vlans.length; i++)
            {
                flow.vlans[i] = random.nextInt(4096);
            }
            flow.overlay = Overlay.values()[random.nextInt(Overlay.values().length)];
            flow.vni = random.nextInt(1 << 24);
            return flow;
        }

        /** Any port but an overlay's, or the reverse direction would be decapsulated. */
        private static int port(final SplittableRandom random)
        {
            while (true)
            {
                final int port = random.nextInt(0x1_0000);
                if (port != UdpFlyweight.PORT_VXLAN && port != UdpFlyweight.PORT_GENEVE)
                {
                    return port;
                }
            }
        }

        String source()
        {
            return address(sourceValue);
        }

        String destination()
        {
            return address(destinationValue);
        }

        private String address(final int value)
        {
            if (!ipv6)
            {
                return ((value >>> 24) & 0xFF) + "." + ((value >>> 16) & 0xFF) + "." + ((value >>> 8) & 0xFF) + "." +
                    (value & 0xFF);
            }
            return "2001:db8::" + Integer.toHexString(value >>> 16) + ":" + Integer.toHexString(value & 0xFFFF);
        }

        Flow reversed()
        {
            final Flow flow = new Flow();
            flow.ipv6 = ipv6;
            flow.sourceValue = destinationValue;
            flow.destinationValue = sourceValue;
            flow.protocol = protocol;
            flow.sourcePort = destinationPort;
            flow.destinationPort = sourcePort;
            flow.tcpFlags = tcpFlags;
            flow.payloadLength = payloadLength;
            flow.vlans = vlans;
            flow.overlay = overlay;
            flow.vni = vni;
            return flow;
        }

        byte[] frame()
        {
            final byte[] payload = FrameBuilder.payload(payloadLength);
            final byte[] transport = protocol == PacketMeta.PROTO_TCP ?
                FrameBuilder.tcp(sourcePort, destinationPort, tcpFlags, payload) :
                FrameBuilder.udp(sourcePort, destinationPort, payload);
            final byte[] packet = ipv6 ?
                FrameBuilder.ipv6(source(), destination(), protocol, transport) :
                FrameBuilder.ipv4(source(), destination(), protocol, transport);
            final int etherType = ipv6 ? EthernetFlyweight.ETHER_TYPE_IPV6 : EthernetFlyweight.ETHER_TYPE_IPV4;
            switch (overlay)
            {
                case VXLAN:
                    return outer(UdpFlyweight.PORT_VXLAN,
                        FrameBuilder.vxlan(vni, FrameBuilder.ethernet(etherType, packet)));

                case GENEVE:
                    return outer(UdpFlyweight.PORT_GENEVE, FrameBuilder.geneve(vni,
                        OverlayFlyweights.GENEVE_PROTOCOL_ETHERNET, new byte[4],
                        FrameBuilder.ethernet(etherType, packet)));

                default:
                    return tagged(etherType, packet);
            }
        }

        private byte[] outer(final int port, final byte[] overlayPayload)
        {
            return tagged(EthernetFlyweight.ETHER_TYPE_IPV4, FrameBuilder.ipv4("192.0.2.1", "192.0.2.2",
                PacketMeta.PROTO_UDP, FrameBuilder.udp(50_000, port, overlayPayload)));
        }

        private byte[] tagged(final int etherType, final byte[] packet)
        {
            final int[] tags = new int[vlans.length * 2];
            for (int i = 0; i < vlans.length; i++)
            {
                tags[2 * i] = i == 0 && vlans.length > 1 ? EthernetFlyweight.TPID_8021AD : EthernetFlyweight.TPID_8021Q;
                tags[2 * i + 1] = vlans[i];
            }
            return FrameBuilder.ethernetTagged(etherType, packet, tags);
        }

        @Override
        public String toString()
        {
            return (ipv6 ? "IPv6 " : "IPv4 ") + source() + ":" + sourcePort + " > " + destination() + ":" +
                destinationPort + " proto " + protocol + " flags " + tcpFlags + " payload " + payloadLength +
                " vlans " + Arrays.toString(vlans) + " overlay " + overlay + " vni " + vni;
        }
    }
}
