package dev.palisade.enforcement.packet;

import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.capture.SharedTestData;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.palisade.enforcement.packet.FrameBuilder.ethernet;
import static dev.palisade.enforcement.packet.FrameBuilder.ipv4;
import static dev.palisade.enforcement.packet.FrameBuilder.payload;
import static dev.palisade.enforcement.packet.FrameBuilder.tcp;
import static dev.palisade.enforcement.packet.FrameBuilder.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The parser's straight-line path for common packets must give exactly what the general path gives: the same result
 * and every field of {@link PacketMeta} equal, on every packet of the real captures and on mutated common packets.
 */
class PacketParserFastPathTest
{
    private static final List<Field> FIELDS = publicFields();

    private final PacketParser fast = new PacketParser(true, PacketParser.DEFAULT_MAX_TUNNEL_DEPTH, true);
    private final PacketParser general = new PacketParser(true, PacketParser.DEFAULT_MAX_TUNNEL_DEPTH, false);
    private final PacketMeta fastMeta = new PacketMeta();
    private final PacketMeta generalMeta = new PacketMeta();

    private static List<Field> publicFields()
    {
        final List<Field> fields = new ArrayList<>();
        for (final Field field : PacketMeta.class.getFields())
        {
            if (!Modifier.isStatic(field.getModifiers()))
            {
                fields.add(field);
            }
        }
        return fields;
    }

    /** Fills a meta with junk, so a field the fast path forgets to write shows up as a difference. */
    private static void poison(final PacketMeta meta) throws IllegalAccessException
    {
        for (final Field field : FIELDS)
        {
            if (field.getType() == int.class)
            {
                field.setInt(meta, 0x5A5A_5A5A);
            }
            else if (field.getType() == long.class)
            {
                field.setLong(meta, 0x5A5A_5A5A_5A5A_5A5AL);
            }
            else if (field.getType() == boolean.class)
            {
                field.setBoolean(meta, true);
            }
        }
    }

    private void assertSame(final String what, final UnsafeBuffer buffer, final int offset, final int captured,
        final int wire, final int linkType) throws IllegalAccessException
    {
        assertSame(what, buffer, offset, captured, wire, linkType, true);
    }

    /**
     * @param poisonFirst fill the fast meta with junk first (and make the parser forget what it wrote), so that a
     *                    field the fast path never writes shows up; without it, consecutive packets check that fields
     *                    the fast path keeps from the previous packet are right.
     */
    private void assertSame(final String what, final UnsafeBuffer buffer, final int offset, final int captured,
        final int wire, final int linkType, final boolean poisonFirst) throws IllegalAccessException
    {
        if (poisonFirst)
        {
            poison(fastMeta);
            fastMeta.forgetShape();
        }
        final int fastResult = fast.parse(buffer, offset, captured, wire, linkType, fastMeta);
        final int generalResult = general.parse(buffer, offset, captured, wire, linkType, generalMeta);
        assertEquals(generalResult, fastResult, what + ": result");
        if (generalResult != 0)
        {
            return; // on malformed packets only the reason is defined
        }
        for (final Field field : FIELDS)
        {
            final boolean keyField = field.getName().startsWith("key") || field.getName().equals("flowHash");
            if (keyField && generalMeta.l3 == PacketMeta.L3_NONE)
            {
                continue; // the key is only defined for IP packets
            }
            if (!field.get(generalMeta).equals(field.get(fastMeta)))
            {
                fail(what + ": field " + field.getName() + " general " + field.get(generalMeta) + " fast " +
                    field.get(fastMeta));
            }
        }
    }

    @Test
    void shouldAgreeOnEveryPacketOfTheRealCaptures() throws Exception
    {
        final Path folder = SharedTestData.require(SharedTestData.DPI_CAPTURES);
        long packets = 0;
        try (Stream<Path> files = Files.list(folder))
        {
            for (final Path file : files.filter(f -> f.toString().matches(".*\\.pcap(ng)?$")).sorted().toList())
            {
                try (CaptureReader reader = CaptureReader.open(file))
                {
                    while (reader.next())
                    {
                        // Alternate: poisoned, then in sequence with the previous packet's leftovers.
                        assertSame(file.getFileName() + " packet " + reader.packetCount(),
                            (UnsafeBuffer)reader.buffer(), reader.packetOffset(), reader.capturedLength(),
                            reader.wireLength(), reader.linkType(), (packets & 1) == 0);
                        packets++;
                    }
                }
                catch (final IOException ex)
                {
                    // A damaged file is the capture tests' business; the packets before the damage were compared.
                }
            }
        }
        assertTrue(packets > 50_000, "compared " + packets + " packets");
    }

    @Test
    void shouldAgreeOnMutatedCommonPackets() throws Exception
    {
        final long seed = Long.getLong("palisade.test.seed", 0x5EED_FA57L);
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[][] templates = {
            ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, ipv4("10.0.0.1", "192.0.2.7", PacketMeta.PROTO_TCP,
                tcp(40_000, 443, TcpFlyweight.ACK | TcpFlyweight.PSH, payload(30)))),
            ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, ipv4("10.0.0.1", "192.0.2.7", PacketMeta.PROTO_UDP,
                udp(5353, 53, payload(20)))),
            ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, ipv4("10.0.0.1", "192.0.2.7", PacketMeta.PROTO_UDP,
                udp(5353, UdpFlyweight.PORT_VXLAN, payload(20)))),
        };
        // Header bytes whose values steer the fast path's choices: EtherType, version/IHL, total length, flags and
        // fragment offset, protocol, TCP data offset and flags, UDP length.
        final int[] hotBytes = {12, 13, 14, 16, 17, 20, 21, 23, 34 + 4, 34 + 5, 34 + 12, 34 + 13};
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        for (int attempt = 0; attempt < 20_000; attempt++)
        {
            final byte[] frame = templates[random.nextInt(templates.length)].clone();
            final int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++)
            {
                final int index = random.nextBoolean() ? hotBytes[random.nextInt(hotBytes.length)] :
                    random.nextInt(frame.length);
                frame[index] = (byte)random.nextInt(256);
            }
            final int captured = random.nextInt(4) == 0 ? random.nextInt(frame.length + 1) : frame.length;
            final int wire = random.nextInt(4) == 0 ? captured + random.nextInt(100) : frame.length;
            buffer.putBytes(16, frame);
            assertSame("seed " + seed + " attempt " + attempt, buffer, 16, captured, Math.max(wire, captured),
                LinkType.ETHERNET, random.nextBoolean());
        }
    }
}
