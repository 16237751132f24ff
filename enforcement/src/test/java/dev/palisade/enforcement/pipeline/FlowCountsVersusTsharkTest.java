package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.capture.SharedTestData;
import dev.palisade.enforcement.conntrack.ConntrackConfig;
import dev.palisade.enforcement.conntrack.FlowState;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.pipeline.TsharkConversations.Counts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our flow counts against Wireshark's TCP and UDP conversation tables, capture by capture, over the nDPI captures in
 * {@code ../shared/data/dpi/pcap}. Our side: a one-worker replay with timeouts that never expire a flow (tshark's table
 * ignores idle time); TCP flows are {@code flows_tcp - flows_reopened}, since a SYN that re-opens a closed 5-tuple is
 * a new flow to us and not to tshark; UDP flows are {@code flows_udp}. tshark's side: the rows of
 * {@code -z conv,tcp -z conv,udp}.
 * <p>
 * Every capture must agree, except those in {@link #KNOWN}, whose numbers must be exactly the recorded ones so that the
 * table stays true. docs/flow-counts-vs-tshark.md explains each cause with frame numbers.
 */
class FlowCountsVersusTsharkTest
{
    /**
     * A timeout longer than any capture spans: pcap stores 32-bit seconds, so no two of its timestamps lie 2^62 ns
     * (146 years) apart. 2^60 ns (36 years) gives the same counts per capture, but not over all captures merged into
     * one file, where captures stamped at 1970 meet captures from the 2010s.
     */
    static final long NEVER_NS = 1L << 62;
    /**
     * Table capacity per replay: far above the most flows in one capture (under a thousand), so nothing is evicted
     * (the test checks), and far below the default million, whose table would be allocated and pre-faulted 271 times.
     */
    static final int CAPACITY_FLOWS = 1 << 16;
    static final int TSHARK_THREADS = 2;
    static final long TSHARK_WAIT_SECONDS = 300;

    static final int CAPTURES = 271;
    /** Sums over all captures: ours (TCP after the re-open adjustment) and tshark's. */
    static final Counts OURS_TOTAL = new Counts(2185, 1646);
    static final Counts TSHARK_TOTAL = new Counts(2197, 1757);
    /** SYNs that re-opened a closed 5-tuple, by capture: SYNs retransmitted after a RST, one stream to tshark. */
    static final Map<String, Long> REOPENED = Map.of("gnutella.pcap", 14L);

    // Causes, grouped as in docs/flow-counts-vs-tshark.md.
    static final String LINK_TYPE = "link type we do not parse: ";
    static final String MALFORMED = "malformed packet we drop and tshark dissects: ";
    static final String TUNNEL = "tshark opens a tunnel we do not and counts the inner conversation too: ";
    static final String GTP_OUTER = "we open GTP-U and track only the inner flows (the inner packet is what is " +
        "classified); tshark also lists the outer tunnel, UDP 2152 <-> 2152, as a conversation: ";
    static final String SPLIT = "tshark splits one 5-tuple into several conversations (stream indices): ";
    static final String FRAGMENTS = "IP fragments (we do not reassemble, tshark does): ";
    static final String NO_FLAGS = "TCP packets with no flags start no flow for us (as Linux conntrack): ";

    /** A capture where the counts differ, with the numbers on both sides and why. */
    record KnownDifference(String capture, Counts ours, Counts tshark, String reason)
    {
    }

    /** Known differences by capture: our tcp, udp; tshark's tcp, udp; why, with the frames that show it. */
    static final Map<String, KnownDifference> KNOWN = new TreeMap<>();

    static
    {
        known("BGP_redist.pcap", 0, 0, 2, 0, LINK_TYPE +
            "Cisco HDLC (104); tshark decodes frames 1-2 as chdlc:[mpls:]ip:tcp:bgp, " +
            "2.2.2.2:179 with 4.4.4.4 and 5.5.5.5");
        known("dlt_ppp.pcap", 0, 0, 0, 1, LINK_TYPE +
            "PPP (9); tshark decodes frame 1 as ppp:ip:udp:quic, 193.167.0.252:44083 -> 193.167.100.100:443");

        known("badpackets.pcap", 0, 0, 0, 93, MALFORMED +
            "all 93 frames claim an IPv4 total length (1500, or 1404 in frame 64) beyond the frame: " +
            "bad_ipv4_total_length");
        known("fuzz-2006-09-29-28586.pcap", 36, 0, 37, 0, MALFORMED +
            "frame 27, a SYN on 172.20.3.5:2601 -> 172.20.3.13:80 with a TCP data offset below 20, is " +
            "bad_tcp_offset to us; tshark takes it as a new connection and gives the tuple a second tcp.stream " +
            "(frames 27, 40, 42, 43)");

        known("capwap_data.pcapng", 0, 1, 1, 1, TUNNEL +
            "CAPWAP data (UDP 5247) carrying 802.11: TCP 10.1.3.68:47025 -> 74.125.130.188:443 from frame 1");

        known("dtls.pcap", 0, 3, 0, 4, GTP_OUTER +
            "inner UDP 10.191.227.13:54162 -> 157.240.16.128:3478, frames 3-6, in one tunnel");
        known("false_positives.pcapng", 1, 5, 1, 8, GTP_OUTER +
            "3 tunnels (first frames 1, 22, 95) carrying TCP 10.140.231.26:61202 -> 159.65.12.169:443, UDP " +
            "10.102.45.249:31046 -> 10.133.48.100:21176 and UDP 10.110.31.25:1272 <-> 10.133.32.101:36408: " +
            "tshark's 8 = our 5 + the 3 tunnels");
        known("ipv6_in_gtp.pcap", 0, 1, 0, 3, GTP_OUTER +
            "2 tunnels; frame 1 carries IPv6 UDP 2607:fc20:4052:39e:490a:ea4d:17fe:e09c:49120 -> " +
            "fd00:976a:bc67:193e::7:25658, frame 2 ESP, which is not UDP");
        known("rtmp.pcap", 3, 0, 3, 2, GTP_OUTER +
            "2 tunnels carrying TCP 10.140.80.204:49757 -> 203.205.224.48:1935 (frame 27) and " +
            "10.140.74.206:59509 -> 193.118.47.46:6002 (frame 44)");
        known("tls_invalid_reads.pcap", 3, 0, 3, 1, GTP_OUTER +
            "1 tunnel carrying TCP 10.191.139.17:58552 -> 54.221.224.45:443 (frame 10)");
        known("zoom.pcap", 14, 18, 14, 19, GTP_OUTER +
            "1 tunnel carrying UDP 10.140.117.35:45634 <-> 193.122.35.237:8801, frames 701-781");

        known("FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 0, 5, 0, 12, SPLIT +
            "RTP/T.38 10.23.1.52:16756 <-> 10.35.60.100:15580 gets 8 udp.streams (first frames 45, 59, 178, 184, " +
            "1393, 1429, 1436, 1437), one per SDP setup in MEGACO/SIP (frames 24, 58, 173, 176, 1415, 1435)");
        known("hart_ip.pcap", 1, 2, 1, 3, SPLIT +
            "192.168.0.10:5095 -> 192.168.0.101:49905 from frame 4 is udp.stream 2, the rest of that 5-tuple " +
            "stream 1; with the hart_ip dissector disabled tshark lists 2");

        known("ip_fragmented_garbage.pcap", 0, 0, 2, 0, FRAGMENTS +
            "4 datagrams of 313 16-byte fragments each (IP id 0xa0): a first fragment holds no full TCP header, " +
            "so no ports or flags, never tracked; tshark reassembles them (frames 313, 626, 939, 1252), 2 give " +
            "valid TCP headers: 10.0.0.2:18730 -> 10.128.0.2:20304 (626), 10.0.0.2:9253 -> 10.128.0.2:24102 (939)");
        known("quic-fuzz-overflow.pcapng", 0, 1, 0, 0, FRAGMENTS +
            "its one frame is a first fragment (MF set) of UDP 255.255.255.255:8224 -> 255.255.255.32:8224 whose " +
            "rest is missing: we track its UDP header; tshark waits for reassembly (ip.defragment:FALSE lists 1)");

        known("ossfuzz_seed_fake_traces_1.pcapng", 0, 4, 6, 4, NO_FLAGS +
            "frames 11-14 and 18-21 are TCP with flags 0x000 on 6 tuples of 192.168.1.128:1: tcp_invalid, " +
            "no flow; tshark counts each tuple");
    }

    private static void known(
        final String capture,
        final long ourTcp,
        final long ourUdp,
        final long tsharkTcp,
        final long tsharkUdp,
        final String reason)
    {
        KNOWN.put(capture, new KnownDifference(capture, new Counts(ourTcp, ourUdp), new Counts(tsharkTcp, tsharkUdp),
            reason));
    }

    /** Our counts of one capture. */
    record Ours(long tcp, long reopened, long udp, long expired, long evicted)
    {
        Counts adjusted()
        {
            return new Counts(tcp - reopened, udp);
        }
    }

    @TempDir
    Path tsharkConfig;

    @Test
    void flowCountsAgreeWithTsharkConversationTablesExceptForKnownDifferences() throws Exception
    {
        final List<Path> captures = SharedTestData.dpiCaptures();
        TsharkConversations.assumeAvailable();
        final long startNs = System.nanoTime();

        final Map<String, Future<Counts>> tshark = new LinkedHashMap<>();
        final ExecutorService pool = Executors.newFixedThreadPool(TSHARK_THREADS);
        final Map<String, Ours> ours = new LinkedHashMap<>();
        try
        {
            for (final Path capture : captures)
            {
                tshark.put(name(capture), pool.submit(() -> TsharkConversations.count(capture, tsharkConfig)));
            }
            // Ours on this thread while tshark runs on the pool.
            final DataPlaneConfig config = DataPlaneConfig.defaults().withConntrack(neverExpiring());
            for (final Path capture : captures)
            {
                final ReplaySummary summary = new ReplayEngine(config, 1).replay(capture);
                ours.put(name(capture), new Ours(
                    summary.counter(Counter.FLOWS_TCP),
                    summary.counter(Counter.FLOWS_REOPENED),
                    summary.counter(Counter.FLOWS_UDP),
                    summary.counter(Counter.FLOWS_EXPIRED),
                    summary.counter(Counter.EVICTIONS_ESTABLISHED) +
                        summary.counter(Counter.EVICTIONS_NON_ESTABLISHED)));
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(TSHARK_WAIT_SECONDS, TimeUnit.SECONDS),
                "tshark did not finish the captures within " + TSHARK_WAIT_SECONDS + " s");
        }
        finally
        {
            pool.shutdownNow();
        }

        final List<String> problems = new ArrayList<>();
        final StringBuilder report = new StringBuilder();
        Counts oursTotal = new Counts(0, 0);
        Counts tsharkTotal = new Counts(0, 0);
        long tcpBeforeAdjustment = 0;
        long reopenedTotal = 0;
        for (final Path capture : captures)
        {
            final String name = name(capture);
            final Ours our = ours.get(name);
            final Counts theirs = tshark.get(name).get();
            final Counts adjusted = our.adjusted();
            oursTotal = oursTotal.plus(adjusted);
            tsharkTotal = tsharkTotal.plus(theirs);
            tcpBeforeAdjustment += our.tcp();
            reopenedTotal += our.reopened();

            if (our.expired() != 0 || our.evicted() != 0)
            {
                problems.add(name + ": " + our.expired() + " flows expired and " + our.evicted() + " evicted, so the " +
                    "counts are not comparable (timeouts must outlast the capture, the table must hold every flow)");
            }
            if (our.reopened() != REOPENED.getOrDefault(name, 0L))
            {
                problems.add(name + ": " + our.reopened() + " TCP flows re-opened, expected " +
                    REOPENED.getOrDefault(name, 0L));
            }
            final KnownDifference known = KNOWN.get(name);
            if (known == null)
            {
                if (!adjusted.equals(theirs))
                {
                    problems.add(name + ": ours " + adjusted + " vs tshark " + theirs + " (not a known difference: " +
                        "find the cause and add it to KNOWN and docs/flow-counts-vs-tshark.md)");
                }
            }
            else
            {
                if (!known.ours().equals(adjusted) || !known.tshark().equals(theirs))
                {
                    problems.add(name + ": recorded ours " + known.ours() + " vs tshark " + known.tshark() +
                        ", now ours " + adjusted + " vs tshark " + theirs + " (update KNOWN and the doc)");
                }
                report.append(String.format("%-36s ours %-17s tshark %-17s %s%n", name, adjusted, theirs,
                    known.reason()));
            }
        }
        for (final String name : KNOWN.keySet())
        {
            if (!ours.containsKey(name))
            {
                problems.add(name + ": listed in KNOWN but not among the captures");
            }
        }
        for (final String name : REOPENED.keySet())
        {
            if (!ours.containsKey(name))
            {
                problems.add(name + ": listed in REOPENED but not among the captures");
            }
        }

        report.append(String.format("%d captures; ours %s (tcp %d before subtracting %d re-opened), tshark %s; " +
            "%.1f s%n", captures.size(), oursTotal, tcpBeforeAdjustment, reopenedTotal, tsharkTotal,
            (System.nanoTime() - startNs) / 1e9));
        System.out.print(report);

        if (!problems.isEmpty())
        {
            fail(problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
        assertEquals(CAPTURES, captures.size(), "captures in the data folder");
        assertEquals(OURS_TOTAL, oursTotal, "our flows summed over all captures");
        assertEquals(TSHARK_TOTAL, tsharkTotal, "tshark's conversations summed over all captures");
        assertEquals(OURS_TOTAL.tcp() + reopenedTotal, tcpBeforeAdjustment, "flows_tcp before the re-open adjustment");
    }

    @Test
    void countsTheRowsOfEachConversationTable()
    {
        final List<String> output = List.of(
            "================================================================================",
            "UDP Conversations",
            "Filter:<No Filter>",
            "                                               |       <-      | |       ->      |",
            "10.0.0.1:53                <-> 10.0.0.2:5353      1 80 bytes      1 80 bytes",
            "2001:db8::1:53             <-> 2001:db8::2:4000   1 90 bytes      0 0 bytes",
            "================================================================================",
            "================================================================================",
            "TCP Conversations",
            "Filter:<No Filter>",
            "192.168.0.1:64455          <-> 10.10.10.1:443     2 1668 bytes    2 520 bytes",
            "================================================================================");
        assertEquals(new Counts(1, 2), TsharkConversations.parse(output));
        assertEquals(new Counts(0, 0), TsharkConversations.parse(List.of()));
    }

    private static ConntrackConfig neverExpiring()
    {
        ConntrackConfig conntrack = ConntrackConfig.defaults().withCapacityFlows(CAPACITY_FLOWS);
        for (int state = 0; state < FlowState.COUNT; state++)
        {
            conntrack = conntrack.withTimeout(state, NEVER_NS);
        }
        return conntrack;
    }

    private static String name(final Path capture)
    {
        return capture.getFileName().toString();
    }
}
