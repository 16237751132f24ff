package dev.palisade.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code palisade replay --policy}: the firewall over a generated capture, end to end through the CLI. */
class ReplayPolicyTest
{
    private static final String POLICY = Path.of("..", "examples", "policies", "branch.yaml").toString();

    @TempDir
    Path dir;
    private Path capture;

    @BeforeEach
    void generate()
    {
        capture = dir.resolve("t.pcap");
        final CliTest.Run gen = CliTest.run("gen-traffic", "--out", capture.toString(), "--flows", "2000", "--packets",
            "30000", "--seed", "5", "--quiet"); // enough flows for clients in both workloads of branch.yaml
        assertEquals(0, gen.exitCode(), gen.err());
    }

    private static long number(final String json, final String key)
    {
        final Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    /** The rule_hits entry of one rule. */
    private static String hits(final String json, final String rule)
    {
        final Matcher m = Pattern.compile("\\{\"rule\":\"" + Pattern.quote(rule) + "\"[^}]*}").matcher(json);
        assertTrue(m.find(), rule + " in " + json);
        return m.group();
    }

    @Test
    void addsAllowedDeniedAndRuleHitsThatAddUpAndDoNotDependOnWorkers() throws IOException
    {
        String firewallPart = null;
        for (final String workers : new String[] {"1", "2"})
        {
            final Path events = dir.resolve("events-" + workers + ".jsonl");
            final CliTest.Run run = CliTest.run("replay", "--pcap", capture.toString(), "--policy", POLICY,
                "--events", events.toString(), "--workers", workers, "--json", "--quiet");
            assertEquals(0, run.exitCode(), run.err());
            final String json = run.out().trim();
            final long packets = number(json, "packets");
            assertEquals(packets, number(json, "allowed") + number(json, "denied"), json);
            assertEquals(number(json, "flows"), number(json, "flows_allowed") + number(json, "flows_denied"));
            assertTrue(number(json, "denied") > 0 && number(json, "allowed") > 0, json);
            assertTrue(number(hits(json, "application/frontend-web"), "flows") > 0, json);
            assertTrue(number(hits(json, "application/worker-lockdown"), "audit_flows") > 0, json);
            assertEquals(0, number(hits(json, "application/worker-lockdown"), "flows"), "audit only");

            long rulePackets = 0;
            final Matcher m = Pattern.compile("\\{\"rule\":\"[^\"]+\",[^}]*}").matcher(json);
            while (m.find())
            {
                rulePackets += number(m.group(), "packets");
            }
            assertEquals(packets, rulePackets, "every packet counts against exactly one rule");

            final List<String> lines = Files.readAllLines(events);
            assertEquals(number(json, "flows_denied") + number(json, "audit_hits"), lines.size(),
                "one event per denied flow and per audit hit (branch.yaml's only logging rule denies)");
            assertTrue(lines.stream().allMatch(l -> l.startsWith("{\"time\":\"") && l.endsWith("}")), lines.get(0));

            final String part = json.substring(json.indexOf("\"policy\":{")).replaceAll("\"build_ms\":[0-9.]+,", "");
            if (firewallPart == null)
            {
                firewallPart = part;
            }
            else
            {
                assertEquals(firewallPart, part, "1 and 2 workers decide and count the same");
            }
        }
    }

    @Test
    void quarantineIsolatesAWorkloadForTheWholeReplay()
    {
        final CliTest.Run run = CliTest.run("replay", "--pcap", capture.toString(), "--policy", POLICY,
            "--quarantine", "tier=frontend", "--json", "--quiet");
        assertEquals(0, run.exitCode(), run.err());
        final String json = run.out().trim();
        assertTrue(number(hits(json, "quarantine"), "flows") > 0, json);
        assertEquals(0, number(hits(json, "application/frontend-web"), "flows"), json);
    }

    @Test
    void badInputIsRefusedSayingWhy() throws IOException
    {
        final Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(Path.of(POLICY)).replace("action: allow", "action: permit"));
        final CliTest.Run invalid = CliTest.run("replay", "--pcap", capture.toString(), "--policy", bad.toString());
        assertEquals(1, invalid.exitCode(), invalid.out() + invalid.err());
        assertTrue(invalid.err().contains("bad.yaml:30:15: error: unknown action 'permit'"), invalid.err());
        assertTrue(invalid.err().contains("the policy cannot be used"), invalid.err());

        final CliTest.Run noPolicy = CliTest.run("replay", "--pcap", capture.toString(), "--events", "e.jsonl");
        assertEquals(2, noPolicy.exitCode());
        assertTrue(noPolicy.err().contains("need --policy"), noPolicy.err());

        final CliTest.Run unknown = CliTest.run("replay", "--pcap", capture.toString(), "--policy", POLICY,
            "--quarantine", "workload=nope");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("workload=nope matches no workload address"), unknown.err());

        final CliTest.Run host = CliTest.run("replay", "--pcap", capture.toString(), "--policy", POLICY,
            "--host", "10.0.0.1/8");
        assertEquals(2, host.exitCode());
        assertTrue(host.err().contains("--host: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?"), host.err());
    }
}
