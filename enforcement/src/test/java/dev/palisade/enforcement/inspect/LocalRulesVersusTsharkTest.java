package dev.palisade.enforcement.inspect;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.enforcement.capture.SharedTestData;
import dev.palisade.enforcement.capture.Tshark;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The project's ten local rules (the same in Snort 3 and Suricata syntax) over the 272 nDPI captures: the captures on
 * which each rule alerts must be those where a packet carries what the rule looks for, judged independently: tshark
 * dissects every packet and a plain regular expression over each packet's own payload stands in for the rule (no
 * reassembly, no Hyperscan, none of the engine's code).
 */
class LocalRulesVersusTsharkTest
{
    /** Each rule's test on one packet's payload (TCP or UDP, with the UDP destination port). */
    private static final Map<Long, Predicate<Payload>> ORACLE = Map.of(
        1000001L, p -> p.tcp && p.text.startsWith("GET "),
        1000002L, p -> p.tcp && find("(?i)Host: google\\.com", p.text),
        1000003L, p -> p.tcp && find("(?i)User-Agent:\\s+curl/\\d+\\.\\d+", p.text),
        1000004L, p -> p.tcp && find("(?i)USER anonymous", p.text),
        1000005L, p -> p.tcp && find("(?m)^NICK\\s+\\w+", p.text),
        1000006L, p -> p.tcp && p.text.startsWith("EHLO "),
        1000007L, p -> !p.tcp && p.udpDestinationPort == 53 && p.text.length() >= 6 &&
            p.text.substring(2, 6).equals("\u0001\u0000\u0000\u0001"),
        1000008L, p -> p.tcp && p.text.startsWith("\u0016\u0003") && p.text.length() > 5 && p.text.charAt(5) == 1,
        1000009L, p -> p.tcp && p.text.startsWith("SSH-2.0-"),
        1000010L, p -> p.tcp && find("password-ok\\.php", p.text));

    /**
     * Captures where a packet carries the signature but the rule rightly does not alert, by sid. "flow": the rule says
     * {@code flow:to_server,established} and the capture holds one side of the connection only (or the other side
     * never answers), so it is never established; the test checks that the rule without {@code flow:} alerts there.
     */
    private static final Map<String, String> EXPLAINED = Map.of(
        "1000001 http_asymmetric.pcapng", "flow",
        "1000001 ocs.pcap", "flow",
        "1000008 ocs.pcap", "flow",
        "1000008 vk.pcapng", "flow",
        "1000008 tls_1.2_unidirectional_client_no_cert.pcapng", "flow",
        "1000008 ossfuzz_seed_fake_traces_1.pcapng", "flow",
        "1000008 capwap_data.pcapng", "CAPWAP (UDP 5247) carries 802.11 frames, which the parser does not open");

    record Payload(boolean tcp, int udpDestinationPort, String text)
    {
    }

    private static boolean find(final String regex, final String text)
    {
        return Pattern.compile(regex).matcher(text).find();
    }

    @Test
    void localRulesAlertOnTheCapturesWhereAPacketCarriesTheirSignature() throws Exception
    {
        Tshark.assumeAvailable();
        final Path rules = SharedTestData.require("dpi/rules");
        final String suricata = Files.readString(rules.resolve("local.suricata.rules"));
        final String snort = Files.readString(rules.resolve("local.snort3.rules"));
        final Map<Long, Set<String>> expected = new TreeMap<>();
        final Map<Long, Set<String>> actual = new TreeMap<>();
        for (final long sid : ORACLE.keySet())
        {
            expected.put(sid, new TreeSet<>());
            actual.put(sid, new TreeSet<>());
        }
        // tshark once over all captures concatenated (one start-up instead of 272), rows mapped back by count.
        final List<Path> captures = SharedTestData.dpiCaptures();
        final List<String> owners = new java.util.ArrayList<>();
        for (final Path capture : captures)
        {
            final String name = capture.getFileName().toString();
            final InspectionRun run = InspectionRun.of(capture, suricata, DpiConfig.defaults());
            final InspectionRun snortRun = InspectionRun.of(capture, snort, DpiConfig.defaults());
            assertEquals(run.alertsBySid(), snortRun.alertsBySid(), name + ": both syntaxes alert alike");
            for (final Alert alert : run.alerts())
            {
                actual.get(alert.sid()).add(name);
            }
            for (long i = 0; i < run.summary().packets(); i++)
            {
                owners.add(name);
            }
        }
        final Path merged = Files.createTempFile("palisade-local-rules-", ".pcapng");
        try
        {
            final List<String> command = new java.util.ArrayList<>(List.of("mergecap", "-a", "-F", "pcapng", "-w",
                merged.toString()));
            captures.forEach(c -> command.add(c.toString()));
            final Process mergecap = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(mergecap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, mergecap.waitFor(), "mergecap: " + output);
            final List<String[]> rows = Tshark.fields(merged, List.of("-o", "tcp.desegment_tcp_streams:FALSE",
                "-o", "ip.defragment:FALSE"), "tcp.payload", "udp.payload", "udp.dstport");
            assertEquals(owners.size(), rows.size(), "tshark and the replays count the same packets");
            for (int i = 0; i < rows.size(); i++)
            {
                final String[] row = rows.get(i);
                final boolean tcp = !row[0].isEmpty();
                final String hex = tcp ? row[0] : row[1];
                if (hex.isEmpty())
                {
                    continue;
                }
                final int port = row[2].isEmpty() ? 0 : Integer.parseInt(row[2].split(",")[0]);
                final Payload payload = new Payload(tcp, port, new String(HexFormat.of().parseHex(
                    hex.split(",")[0].replace(":", "")), StandardCharsets.ISO_8859_1));
                final String name = owners.get(i);
                ORACLE.forEach((sid, test) ->
                {
                    if (test.test(payload))
                    {
                        expected.get(sid).add(name);
                    }
                });
            }
        }
        finally
        {
            Files.deleteIfExists(merged);
        }
        final Map<Long, String> differences = new TreeMap<>();
        for (final long sid : ORACLE.keySet())
        {
            final Set<String> missing = new TreeSet<>(expected.get(sid));
            missing.removeAll(actual.get(sid));
            final Set<String> extra = new TreeSet<>(actual.get(sid));
            extra.removeAll(expected.get(sid));
            for (final String name : List.copyOf(missing))
            {
                final String reason = EXPLAINED.get(sid + " " + name);
                if (reason == null)
                {
                    continue;
                }
                if (reason.equals("flow"))
                {
                    final String withoutFlow = suricata.replace("flow:to_server,established; ", "");
                    final InspectionRun again = InspectionRun.of(SharedTestData.require("dpi/pcap").resolve(name),
                        withoutFlow, DpiConfig.defaults());
                    assertTrue(again.alerts(sid) > 0, sid + " on " + name + " without flow: still no alert");
                }
                missing.remove(name);
            }
            if (!missing.isEmpty() || !extra.isEmpty())
            {
                differences.put(sid, "missing " + missing + ", extra " + extra + " (of " + expected.get(sid).size() +
                    ")");
            }
        }
        final Map<Long, Integer> counts = new TreeMap<>();
        actual.forEach((sid, names) -> counts.put(sid, names.size()));
        System.out.println("local rules: captures alerting per sid " + counts);
        assertEquals(Map.of(), differences);
    }
}
