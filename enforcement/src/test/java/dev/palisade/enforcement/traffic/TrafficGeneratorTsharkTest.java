package dev.palisade.enforcement.traffic;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks the generated traffic with an independent decoder: Wireshark's. It must see the same conversations, decode
 * every ClientHello's SNI, HTTP Host and DNS name, reassemble every HTTP response by its Content-Length, and find
 * nothing malformed and no TCP sequence anomaly.
 */
class TrafficGeneratorTsharkTest
{
    private static final Path TSHARK = Path.of("/usr/bin/tshark");
    private static final long FLOWS = 300;
    private static final long PACKETS = 8_000;

    @TempDir
    static Path dir;

    private static Path capture;
    private static TrafficStats stats;
    private static Set<String> hostnames;

    @BeforeAll
    static void generate() throws IOException
    {
        assumeTrue(Files.isExecutable(TSHARK),
            "tshark is not installed at " + TSHARK + "; skipping the Wireshark checks");
        capture = dir.resolve("mix.pcap");
        final TrafficSpec spec = new TrafficSpec(FLOWS, PACKETS, SizeMode.IMIX, 21, TrafficSpec.DEFAULT_START_TIME_NS,
            20, TrafficSpec.DEFAULT_PACKETS_PER_SECOND);
        stats = TrafficGenerator.generate(spec, capture, TrafficGenerator.ProgressListener.NONE);

        hostnames = new HashSet<>();
        for (final byte[] prefix : PayloadWriter.HOST_PREFIXES)
        {
            for (final byte[] domain : PayloadWriter.HOST_DOMAINS)
            {
                for (final byte[] tld : PayloadWriter.HOST_TLDS)
                {
                    hostnames.add(ascii(prefix) + "." + ascii(domain) + "." + ascii(tld));
                }
            }
        }
    }

    @Test
    void seesOneConversationPerFlow() throws Exception
    {
        final List<String> lines = tshark("-q", "-z", "conv,tcp", "-z", "conv,udp");
        int tcp = 0;
        int udp = 0;
        String section = "";
        for (final String line : lines)
        {
            if (line.startsWith("TCP Conversations") || line.startsWith("UDP Conversations"))
            {
                section = line;
            }
            else if (line.contains("<->"))
            {
                if (section.startsWith("TCP"))
                {
                    tcp++;
                }
                else
                {
                    udp++;
                }
            }
        }
        assertEquals(stats.tcpHttpFlows() + stats.tcpTlsFlows(), tcp, "TCP conversations");
        assertEquals(stats.dnsFlows() + stats.udpOtherFlows(), udp, "UDP conversations");
    }

    @Test
    void decodesTheSniOfEveryClientHello() throws Exception
    {
        final List<String> names = tshark("-Y", "tls.handshake.extensions_server_name",
            "-T", "fields", "-e", "tls.handshake.extensions_server_name");
        assertEquals(stats.tcpTlsFlows(), names.size(), "one ClientHello with SNI per TLS flow");
        assertGeneratedAndVaried(names);
        final List<String> versions = tshark("-Y", "tls.handshake.type == 2", "-T", "fields",
            "-e", "tls.handshake.extensions.supported_version");
        assertEquals(stats.tcpTlsFlows(), versions.size(), "one ServerHello per TLS flow");
        assertTrue(versions.contains("0x0304") && versions.contains(""), "both TLS 1.3 and 1.2 servers");
    }

    @Test
    void decodesEveryHttpRequestHostAndResponse() throws Exception
    {
        final List<String> hosts = tshark("-Y", "http.host", "-T", "fields", "-e", "http.host");
        assertEquals(stats.tcpHttpFlows(), hosts.size(), "one GET per HTTP flow");
        assertGeneratedAndVaried(hosts);
        final List<String> responses = tshark("-Y", "http.response", "-T", "fields", "-e", "http.response.code");
        assertEquals(stats.tcpHttpFlows(), responses.size(), "every response reassembled by its Content-Length");
        assertTrue(responses.stream().allMatch("200"::equals), "all 200 OK");
    }

    @Test
    void decodesEveryDnsQueryName() throws Exception
    {
        final List<String> queries = tshark("-Y", "dns.flags.response == 0", "-T", "fields", "-e", "dns.qry.name");
        assertEquals(stats.dnsFlows(), queries.size(), "one query per DNS flow");
        assertGeneratedAndVaried(queries);
        final List<String> answers = tshark("-Y", "dns.flags.response == 1 && dns.count.answers > 0",
            "-T", "fields", "-e", "dns.qry.name");
        assertEquals(queries.stream().sorted().toList(), answers.stream().sorted().toList(), "each query answered");
    }

    @Test
    void findsNothingMalformedAndNoTcpAnomaly() throws Exception
    {
        assertEquals(List.of(), tshark("-Y", "_ws.malformed || _ws.expert.severity == error"), "malformed");
        // A RST is flagged as a warning; the generator sends some on purpose.
        assertEquals(List.of(), tshark("-Y", "tcp.analysis.flags && !(tcp.flags.reset == 1)"), "TCP analysis");
    }

    private void assertGeneratedAndVaried(final List<String> names)
    {
        for (final String name : names)
        {
            assertTrue(hostnames.contains(name), "a generated hostname: '" + name + "'");
        }
        assertTrue(new HashSet<>(names).size() > names.size() / 2, "names vary: " + names);
    }

    private static List<String> tshark(final String... arguments) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(TSHARK.toString());
        command.add("-r");
        command.add(capture.toString());
        command.addAll(List.of(arguments));
        final Process process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.DISCARD) // tshark warns about running as root
            .start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, process.exitValue(), "tshark exit status for " + command);
        return output.isEmpty() ? List.of() : List.of(output.split("\n"));
    }

    private static String ascii(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
