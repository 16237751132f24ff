package dev.palisade.enforcement.inspect;

import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import dev.palisade.enforcement.capture.SharedTestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suricata's own regression cases ({@code shared/data/dpi/suricata-verify}): each case's capture and rules run
 * through the data plane with the settings its {@code args} name, and the alert count of every signature its
 * {@code test.yaml} checks must be what Suricata produces. Cases out of scope are listed with the reason.
 */
class SuricataVerifyTest
{
    /** Cases this engine does not reproduce, and why. */
    static final Map<String, String> OUT_OF_SCOPE = Map.of();

    @TestFactory
    Stream<DynamicTest> everyCaseInScopeReproducesSuricatasAlertCounts() throws IOException
    {
        final Path root = SharedTestData.require("dpi/suricata-verify");
        final List<Path> cases = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root))
        {
            files.filter(p -> p.getFileName().toString().equals("test.yaml")).map(Path::getParent).sorted()
                .forEach(cases::add);
        }
        assertTrue(cases.size() >= 24, "expected the suricata-verify cases, found " + cases.size());
        return cases.stream()
            .filter(dir -> !OUT_OF_SCOPE.containsKey(root.relativize(dir).toString()))
            .map(dir -> DynamicTest.dynamicTest(root.relativize(dir).toString(), () -> check(dir)));
    }

    private static void check(final Path dir) throws IOException
    {
        final Map<String, Object> yaml = yaml(dir.resolve("test.yaml"));
        final DpiConfig config = settings(dir, yaml);
        final Path capture = capture(dir);
        final InspectionRun run = InspectionRun.of(capture, Files.readString(dir.resolve("test.rules")), config);
        assertEquals(List.of(), run.loadResults().stream().filter(r -> !(r instanceof LoadResult.Loaded)).toList(),
            "every rule of the case loads");
        final Map<Long, Integer> bySid = run.alertsBySid();
        final Map<String, Integer> expected = new TreeMap<>();
        final Map<String, Integer> actual = new TreeMap<>();
        for (final Object check : list(yaml.get("checks")))
        {
            final Map<String, Object> filter = map(map(check).get("filter"));
            if (filter == null)
            {
                continue;
            }
            final Map<String, Object> match = map(filter.get("match"));
            if (match == null || !"alert".equals(match.get("event_type")))
            {
                continue;
            }
            final int count = ((Number)filter.get("count")).intValue();
            final Object sid = match.get("alert.signature_id");
            if (sid != null)
            {
                expected.put("sid " + sid, count);
                actual.put("sid " + sid, bySid.getOrDefault(((Number)sid).longValue(), 0));
            }
            else
            {
                expected.put("all alerts", count);
                actual.put("all alerts", run.alerts().size());
            }
        }
        assertTrue(!expected.isEmpty(), "no alert expectations in " + dir);
        assertEquals(expected, actual, () -> "alert counts for " + dir.getFileName() + " with " + config +
            "; alerts: " + run.alerts().stream().map(a -> a.sid() + "@" + a.source() + ":" +
            new String(a.payload() == null ? new byte[0] : a.payload(), java.nio.charset.StandardCharsets.ISO_8859_1))
            .toList() + "; counters " + run.summary().inspection().toMap());
    }

    /** Suricata's settings named by the case's args and suricata.yaml, on this engine's options. */
    static DpiConfig settings(final Path dir, final Map<String, Object> yaml) throws IOException
    {
        final String args = String.join(" ", list(yaml.get("args")).stream().map(String::valueOf).toList());
        DpiConfig config = DpiConfig.defaults()
            .withMidstream(args.contains("stream.midstream=true"))
            .withIps(args.contains("--simulate-ips") || args.contains("stream.inline=true"))
            .withValidateChecksums(!args.contains("-k none"));
        if (args.contains("stream.reassembly.depth=0"))
        {
            config = config.withReassemblyDepthBytes(0);
        }
        final Path suricataYaml = dir.resolve("suricata.yaml");
        if (Files.exists(suricataYaml))
        {
            final Map<String, Object> settings = yaml(suricataYaml);
            if (settings.get("packet-alert-max") instanceof Number max)
            {
                config = config.withPacketAlertMax(max.intValue());
            }
            if (settings.get("action-order") instanceof List<?> order)
            {
                config = config.withActionOrder(order.stream()
                    .map(a -> Rule.Action.valueOf(String.valueOf(a).toUpperCase(java.util.Locale.ROOT))).toList());
            }
        }
        return config;
    }

    private static Path capture(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                .findFirst().orElseThrow(() -> new AssertionError("no capture in " + dir));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(final Path file) throws IOException
    {
        // Suricata's files start with a YAML 1.1 directive that YAML 1.2 parsers reject.
        final String text = Files.readString(file).replaceFirst("^%YAML 1\\.1\\s*\\n", "");
        return (Map<String, Object>)new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(final Object o)
    {
        return (Map<String, Object>)o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object o)
    {
        return o == null ? List.of() : (List<Object>)o;
    }
}
