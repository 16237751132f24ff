package dev.palisade.enforcement.capture;

import dev.palisade.enforcement.packet.EthernetFlyweight;
import dev.palisade.enforcement.packet.FrameBuilder;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.TcpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Wireshark as the independent judge of the file formats: what our writers produce must open in tshark with the same
 * lengths, timestamps and decoded headers; what Wireshark's editcap writes must read back in our reader unchanged.
 */
class CaptureTsharkTest
{
    private static final long BASE_NS = 1_700_000_000_123_456_789L;

    @TempDir
    Path directory;

    @Test
    void shouldWriteMicrosecondPcapThatTsharkReads() throws Exception
    {
        assertTsharkReadsBack(directory.resolve("ours-micros.pcap"), CaptureWriter.Format.PCAP, false, 1_000);
    }

    @Test
    void shouldWriteNanosecondPcapThatTsharkReads() throws Exception
    {
        assertTsharkReadsBack(directory.resolve("ours-nanos.pcap"), CaptureWriter.Format.PCAP, true, 1);
    }

    @Test
    void shouldWritePcapngThatTsharkReads() throws Exception
    {
        assertTsharkReadsBack(directory.resolve("ours.pcapng"), CaptureWriter.Format.PCAPNG, true, 1);
    }

    @Test
    void shouldReadWhatEditcapWrites() throws Exception
    {
        Tshark.assumeAvailable();
        final Path editcap = Path.of("/usr/bin/editcap");
        assumeTrue(Files.isExecutable(editcap),
            "editcap (Wireshark) is not installed at /usr/bin/editcap: skipping");
        final Path original = directory.resolve("original.pcap");
        final List<byte[]> frames = frames();
        try (CaptureWriter writer = new PcapWriter(original, LinkType.ETHERNET, false))
        {
            for (int i = 0; i < frames.size(); i++)
            {
                writer.write(BASE_NS / 1_000 * 1_000 + i * 1_001_000L, frames.get(i), 0, frames.get(i).length);
            }
        }

        for (final String format : new String[] { "pcapng", "nsecpcap", "pcap" })
        {
            final Path converted = directory.resolve("editcap." + format);
            final Process process = new ProcessBuilder(editcap.toString(), "-F", format, original.toString(),
                converted.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue(), "editcap -F " + format);

            try (CaptureReader expected = CaptureReader.open(original);
                CaptureReader actual = CaptureReader.open(converted))
            {
                int packets = 0;
                while (expected.next())
                {
                    assertTrue(actual.next(), format + " packet " + packets);
                    assertEquals(expected.timestampNs(), actual.timestampNs(), format + " timestamp");
                    assertEquals(expected.wireLength(), actual.wireLength());
                    assertEquals(expected.linkType(), actual.linkType());
                    assertArrayEquals(bytesOf(expected), bytesOf(actual), format + " packet " + packets);
                    packets++;
                }
                assertFalse(actual.next());
                assertEquals(frames.size(), packets);
            }
        }
    }

    private void assertTsharkReadsBack(
        final Path file, final CaptureWriter.Format format, final boolean nanosecond, final long resolutionNs)
        throws Exception
    {
        Tshark.assumeAvailable();
        final List<byte[]> frames = frames();
        final List<Long> timestamps = new ArrayList<>();
        final int snapLength = 60;
        try (CaptureWriter writer = CaptureWriter.create(file, format, LinkType.ETHERNET, nanosecond))
        {
            for (int i = 0; i < frames.size(); i++)
            {
                final long timestampNs = BASE_NS + i * 1_000_000_007L;
                timestamps.add(timestampNs);
                final byte[] frame = frames.get(i);
                if (i == frames.size() - 1)
                {
                    // The last one is snapped, as a capture with a small snap length would keep it.
                    writer.write(timestampNs, new UnsafeBuffer(frame), 0, snapLength, frame.length);
                }
                else
                {
                    writer.write(timestampNs, frame, 0, frame.length);
                }
            }
        }

        final List<String[]> rows = Tshark.fields(file, List.of(),
            "frame.len", "frame.cap_len", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "tcp.srcport",
            "tcp.dstport", "tcp.flags", "udp.dstport");

        assertEquals(frames.size(), rows.size(), "packets tshark read from " + file.getFileName());
        for (int i = 0; i < rows.size(); i++)
        {
            final String[] row = rows.get(i);
            final boolean snapped = i == frames.size() - 1;
            assertEquals(frames.get(i).length, Integer.parseInt(row[0]), "frame.len of " + i);
            assertEquals(snapped ? snapLength : frames.get(i).length, Integer.parseInt(row[1]),
                "frame.cap_len of " + i);
            final long expectedNs = timestamps.get(i) / resolutionNs * resolutionNs;
            assertEquals(0, new BigDecimal(expectedNs).movePointLeft(9).compareTo(new BigDecimal(row[2])),
                "frame.time_epoch of " + i + ": expected " + expectedNs + " ns, tshark says " + row[2]);
        }

        assertEquals("eth:ethertype:ip:tcp", rows.get(0)[3]);
        assertEquals("10.1.2.3", rows.get(0)[4]);
        assertEquals("10.4.5.6", rows.get(0)[5]);
        assertEquals("40000", rows.get(0)[6]);
        assertEquals("443", rows.get(0)[7]);
        assertEquals(TcpFlyweight.SYN, Integer.decode(rows.get(0)[8]) & 0xFF);
        assertEquals("eth:ethertype:ipv6:udp:dns", rows.get(1)[3]);
        assertEquals("53", rows.get(1)[9]);
    }

    private static List<byte[]> frames()
    {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, FrameBuilder.ipv4("10.1.2.3", "10.4.5.6",
            PacketMeta.PROTO_TCP, FrameBuilder.tcp(40_000, 443, TcpFlyweight.SYN, FrameBuilder.payload(0)))));
        frames.add(FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_IPV6, FrameBuilder.ipv6("2001:db8::1",
            "2001:db8::2", PacketMeta.PROTO_UDP, FrameBuilder.udp(5353, 53, new byte[12]))));
        frames.add(FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_ARP, new byte[28]));
        frames.add(FrameBuilder.ethernet(EthernetFlyweight.ETHER_TYPE_IPV4, FrameBuilder.ipv4("10.1.2.3", "10.4.5.6",
            PacketMeta.PROTO_UDP, FrameBuilder.udp(1000, 2000, FrameBuilder.payload(1_401)))));
        return frames;
    }

    private static byte[] bytesOf(final CaptureReader reader)
    {
        final byte[] data = new byte[reader.capturedLength()];
        reader.buffer().getBytes(reader.packetOffset(), data);
        return data;
    }
}
