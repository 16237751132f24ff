package dev.palisade.enforcement.inspect;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.capture.SharedTestData;
import dev.palisade.enforcement.capture.Tshark;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.policy.Addresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reject rules over real captures: the resets and unreachables they send are written to a capture and dissected by
 * tshark, which must find every checksum right, every reply addressed back to a rejected packet's sender, and the
 * replies to multicast (LLMNR, mDNS) withheld.
 */
class RejectRepliesVersusTsharkTest
{
    private static final String RULES = """
        reject tcp any any -> any any (msg:"GET"; flow:to_server,established; content:"GET "; depth:4; sid:1;)
        reject udp any any -> any [53,5353,5355] (msg:"name query"; dsize:>12; sid:2;)
        """;

    @Test
    void repliesAreWellFormedAndGoBackToTheSender(@TempDir final Path dir) throws Exception
    {
        Tshark.assumeAvailable();
        final Path pcap = SharedTestData.require("dpi/pcap");
        final Path repliesFile = dir.resolve("replies.pcap");
        final List<Alert> alerts = new ArrayList<>();
        long replies = 0;
        long withheld = 0;
        try (DpiEngine engine = new DpiEngine(DpiConfig.defaults(),
            RuleFiles.load(List.of(Files.writeString(dir.resolve("reject.rules"), RULES)), RuleVariables.defaults())
                .loaded());
            CaptureWriter writer = CaptureWriter.create(repliesFile, LinkType.RAW))
        {
            for (final String name : List.of("1kxun.pcap", "dns_ambiguous_names.pcap", "dns_fragmented.pcap", "http.pcapng"))
            {
                final ReplaySummary summary = new ReplayEngine(DataPlaneConfig.defaults(), 1)
                    .inspection(engine, alerts::add)
                    .replies((worker, timestampNs, frame, length, linkType, networkOffset) -> write(writer,
                        timestampNs, frame, length, networkOffset))
                    .replay(pcap.resolve(name));
                replies += summary.counter(Counter.REJECT_REPLIES);
                withheld += summary.counter(Counter.REJECT_REPLIES_WITHHELD);
            }
        }
        final Set<String> rejected = new HashSet<>();
        long toGroups = 0;
        for (final Alert a : alerts)
        {
            final String dst = Addresses.format(a.dstHi(), a.dstLo());
            if (dst.startsWith("ff") || dst.startsWith("224.") || dst.startsWith("239."))
            {
                toGroups++;
            }
            rejected.add(Addresses.format(a.srcHi(), a.srcLo()) + " " + a.srcPort() + " " + dst + " " + a.dstPort());
        }
        assertTrue(toGroups > 0 && replies > 100, "the captures exercise both cases: " + toGroups + ", " + replies);
        assertEquals(toGroups, withheld, "no reply to a multicast group");
        assertEquals(alerts.size() - toGroups, replies, "one reply per other rejected packet");

        final List<String[]> rows = Tshark.fields(repliesFile,
            List.of("-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"),
            "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.reset",
            "icmp.type", "icmp.code", "icmpv6.type", "udp.srcport", "udp.dstport", "ip.checksum.status",
            "tcp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status");
        assertEquals(replies, rows.size());
        int resets = 0;
        int unreachables = 0;
        for (final String[] row : rows)
        {
            final String line = String.join(" | ", row);
            for (int i = 12; i < 16; i++)
            {
                for (final String status : row[i].split(","))
                {
                    assertTrue(status.isEmpty() || status.equals("1"), "checksum status good: " + line);
                }
            }
            final String from = first(row[0]).isEmpty() ? first(row[1]) : first(row[0]);
            final String to = first(row[2]).isEmpty() ? first(row[3]) : first(row[2]);
            if (!row[4].isEmpty())
            {
                assertEquals("1", row[6], "a reset: " + line);
                assertTrue(rejected.contains(to + " " + row[5] + " " + from + " " + row[4]), "answers a rejected " +
                    "packet: " + line);
                resets++;
            }
            else
            {
                final boolean v4 = !row[7].isEmpty();
                assertEquals(v4 ? "3" : "1", v4 ? row[7] : row[9], "destination unreachable: " + line);
                assertTrue(!v4 || row[8].equals("3"), "port unreachable: " + line);
                // The quoted datagram's ports are the rejected packet's.
                assertTrue(rejected.contains(to + " " + row[10] + " " + from + " " + row[11]), "quotes a rejected " +
                    "packet: " + line);
                unreachables++;
            }
        }
        assertTrue(resets > 0 && unreachables > 0, resets + " resets, " + unreachables + " unreachables");
    }

    private static String first(final String aggregated)
    {
        final int comma = aggregated.indexOf(',');
        return comma < 0 ? aggregated : aggregated.substring(0, comma);
    }

    private static void write(final CaptureWriter writer, final long timestampNs, final org.agrona.DirectBuffer frame,
        final int length, final int networkOffset)
    {
        try
        {
            writer.write(timestampNs, frame, networkOffset, length - networkOffset, length - networkOffset);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
