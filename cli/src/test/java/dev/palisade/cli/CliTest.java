package dev.palisade.cli;

import dev.palisade.policy.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI in-process, as a user drives it: exit codes, output shapes and error messages. */
class CliTest
{
    @TempDir
    Path dir;

    record Run(int exitCode, String out, String err)
    {
    }

    static Run run(final String... args)
    {
        final CommandLine commandLine = Main.newCommandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo", "replay", "gen-traffic", "bench", "bench fastpath", "bench newconn", "bench replay", "classbench", "api", "agent", "policy", "policy check", "policy release", "policy verify", "policy inspect", "policy keygen", "policy certify-key", "policy revoke-key"})
    void everyCommandHasHelp(final String command)
    {
        final String[] args = command.isEmpty() ? new String[] {"--help"} :
            (command + " --help").split(" ");
        final Run run = run(args);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Usage: palisade"), run.out());
    }

    @Test
    void usageErrorsExitTwoAndSayWhatIsWrong()
    {
        final Run unknown = run("replay", "--pcap", "x.pcap", "--bogus");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("--bogus"), unknown.err());

        final Run missing = run("replay");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("--pcap"), missing.err());

        final Run workers = run("replay", "--pcap", "x.pcap", "--workers", "0");
        assertEquals(2, workers.exitCode());
        assertTrue(workers.err().contains("--workers must be 1..256"), workers.err());

        final Run size = run("gen-traffic", "--out", dir.resolve("t.pcap").toString(), "--flows", "10", "--packets",
            "1000", "--size", "huge");
        assertEquals(2, size.exitCode());
        assertTrue(size.err().contains("size must be 64, imix or 1500"), size.err());

        final Run tooFew = run("gen-traffic", "--out", dir.resolve("t.pcap").toString(), "--flows", "100", "--packets", "10");
        assertEquals(2, tooFew.exitCode());
        assertTrue(tooFew.err().contains("too few"), tooFew.err());
    }

    @Test
    void damagedCaptureIsOneLineNamingFileAndOffset() throws IOException
    {
        final Path bad = dir.resolve("bad.pcap");
        Files.writeString(bad, "definitely not a capture");
        final Run run = run("replay", "--pcap", bad.toString());
        assertEquals(3, run.exitCode());
        assertTrue(run.err().contains("bad.pcap: byte 0: bad magic"), run.err());
        assertFalse(run.err().contains("at dev.palisade"), "no stack trace without -v: " + run.err());

        final Run verbose = run("replay", "-v", "--pcap", bad.toString());
        assertEquals(3, verbose.exitCode());
        assertTrue(verbose.err().contains("at dev.palisade"), "stack trace with -v: " + verbose.err());

        final Run missing = run("replay", "--pcap", dir.resolve("absent.pcap").toString());
        assertEquals(3, missing.exitCode());
        assertTrue(missing.err().contains("absent.pcap: no such file"), missing.err());
    }

    @Test
    void truncatedCaptureNamesTheByteOffset() throws IOException
    {
        final Path capture = dir.resolve("t.pcap");
        assertEquals(0, run("gen-traffic", "--out", capture.toString(), "--flows", "20", "--packets", "400",
            "--quiet").exitCode());
        final byte[] bytes = Files.readAllBytes(capture);
        final Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(bytes, 1000));
        final Run run = run("replay", "--pcap", cut.toString(), "--quiet");
        assertEquals(3, run.exitCode());
        assertTrue(run.err().matches("(?s).*cut\\.pcap: byte \\d+: record.*truncated.*"), run.err());
    }

    @Test
    void generatedTrafficReplaysToTheNumbersItWasMadeWith() throws IOException
    {
        final Path capture = dir.resolve("t.pcapng");
        final Run gen = run("gen-traffic", "--out", capture.toString(), "--flows", "300", "--packets", "20000",
            "--size", "1500", "--seed", "9", "--json", "--quiet");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().contains("\"packets\":20000"), gen.out());
        assertTrue(gen.out().contains("\"flows\":300"), gen.out());

        for (final String workers : new String[] {"1", "3"})
        {
            final Run replay = run("replay", "--pcap", capture.toString(), "--workers", workers, "--json", "--quiet");
            assertEquals(0, replay.exitCode(), replay.err());
            final String json = replay.out().trim();
            assertTrue(json.startsWith("{") && json.endsWith("}"), json);
            assertTrue(json.contains("\"packets\":20000"), json);
            assertTrue(json.contains("\"flows\":300"), json);
            assertTrue(json.contains("\"malformed\":{}"), json);
            assertTrue(json.contains("\"workers\":" + workers), json);
            for (final String key : new String[] {"\"bytes\":", "\"elapsed_s\":", "\"pps\":", "\"mpps\":", "\"gbps\":"})
            {
                assertTrue(json.contains(key), key + " in " + json);
            }
        }
    }

    /** The whole system: service, agent (swtpm: run-tests installs it), release, traffic, tamper story. */
    @Test
    void demoRunsEndToEnd()
    {
        final Run run = run("demo", "--flows", "500", "--packets", "20000", "--json");
        assertEquals(0, run.exitCode(), run.err());
        final io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(run.out().strip());
        assertEquals("affirming", json.getJsonObject("attestation").getString("status"), run.out());
        assertEquals("swtpm", json.getJsonObject("attestation").getString("attester"), run.out());
        final io.vertx.core.json.JsonObject policy = json.getJsonObject("policy");
        assertEquals(2, policy.getLong("version"), run.out());
        assertTrue(policy.getBoolean("acked"), run.out());
        assertTrue(policy.getInteger("dpi_rules") > 50 && policy.getInteger("segmentation_rules") > 3, run.out());
        final io.vertx.core.json.JsonObject traffic = json.getJsonObject("traffic");
        assertTrue(traffic.getLong("packets") > 20000, run.out());
        assertEquals(traffic.getLong("packets"), traffic.getLong("allowed") + traffic.getLong("denied") +
            traffic.getLong("self_protection_dropped"), "every packet decided: " + run.out());
        assertTrue(traffic.getLong("denied") > 0, run.out());
        assertEquals(traffic.getLong("attacks_sent"), traffic.getLong("alerts"), "each attack alerts once: " + run.out());
        assertEquals(traffic.getLong("host_probe_packets_sent"), traffic.getLong("self_protection_dropped"), run.out());
        final io.vertx.core.json.JsonObject tamper = json.getJsonObject("tamper");
        assertEquals("version_not_newer", tamper.getJsonObject("old_version_replayed").getString("reason"), run.out());
        final io.vertx.core.json.JsonObject host = tamper.getJsonObject("host_to_management");
        assertEquals("refused", host.getString("host_side_connect"), run.out());
        assertTrue(host.getString("without_client_certificate").startsWith("refused"), run.out());
        assertEquals("answered 200", host.getString("operator_with_certificate"), run.out());
        assertEquals("refused", tamper.getJsonObject("boot_after_modification").getString("outcome"), run.out());
        assertEquals(2, tamper.getLong("recovered_version"), run.out());
        assertTrue(json.getJsonObject("events").getLong("exported") > 10, run.out());
    }

    @Test
    void jsonEscapesAndFormats()
    {
        final java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("a", "x\"y\n");
        m.put("b", java.util.List.of(1, 2));
        m.put("c", 1.5);
        m.put("d", Double.NaN);
        m.put("e", 3.0);
        assertEquals("{\"a\":\"x\\\"y\\n\",\"b\":[1,2],\"c\":1.5,\"d\":null,\"e\":3}", Json.write(m));
    }
}
