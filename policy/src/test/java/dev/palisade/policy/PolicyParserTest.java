package dev.palisade.policy;

import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Inventory.GroupEntry;
import dev.palisade.policy.model.Inventory.WorkloadEntry;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Policy.TierName;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.IcmpMatch;
import dev.palisade.policy.model.Rule.PortRange;
import dev.palisade.policy.model.Selector;
import dev.palisade.policy.model.SourceLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static dev.palisade.policy.PolicyRejectionTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec's example, its JSON twin, defaults, several problems in one run, and the bounds on untrusted input. */
class PolicyParserTest
{
    private static final String HEADER = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: t}
        """;

    private static Rule rule(final Policy policy, final TierName tier, final int index)
    {
        return policy.tiers().get(tier).get(index);
    }

    private static Cidr cidr(final String text)
    {
        return ((CidrParser.Parsed)CidrParser.parse(text)).cidr();
    }

    @Test
    void theSpecExampleParsesToTheModel() throws Exception
    {
        final Path file = fixture("valid/payments.yaml");
        final Policy policy = PolicyParser.parse(file);

        assertEquals("payments", policy.name());
        assertEquals("Payments segmentation", policy.description());
        assertEquals(new SourceLocation(file.toString(), 1, 1), policy.at());

        final Inventory inventory = policy.inventory();
        assertEquals(2, inventory.workloads().size());
        final WorkloadEntry web = inventory.workloads().get(0);
        assertEquals("web-1", web.name());
        assertEquals(Map.of("app", "web", "env", "prod"), web.labels());
        assertEquals(List.of("app", "env"), new ArrayList<>(web.labels().keySet()), "labels keep the written order");
        assertEquals(new SourceLocation(file.toString(), 8, 7), web.at());
        final Cidr webV4 = web.addresses().get(0);
        assertTrue(webV4.ipv4());
        assertEquals(128, webV4.prefix(), "a bare address is a /32, mapped");
        assertEquals(Cidr.IPV4_MAPPED | 0x0A00_010AL, webV4.lo());
        final Cidr webV6 = web.addresses().get(1);
        assertFalse(webV6.ipv4());
        assertEquals(0x2001_0db8_0000_0000L, webV6.hi());
        assertEquals(0x10L, webV6.lo());
        assertEquals(128, webV6.prefix(), "a bare IPv6 address is a /128");
        assertEquals("2001:db8::10", webV6.text());
        assertEquals(List.of(cidr("10.0.2.10/32")), inventory.workloads().get(1).addresses());

        final GroupEntry corp = inventory.groups().get(0);
        assertEquals("corp", corp.name());
        assertEquals(List.of(cidr("192.168.0.0/16"), cidr("fd00::/8")), corp.cidrs());
        assertEquals(8, corp.cidrs().get(1).prefix());
        assertEquals(Map.of(), corp.labels());
        assertEquals(Map.of("env", "prod"), inventory.groups().get(1).labels());
        assertEquals(List.of(), inventory.groups().get(1).cidrs());

        assertEquals(List.of(TierName.EMERGENCY, TierName.PLATFORM, TierName.APPLICATION, TierName.BASELINE),
            new ArrayList<>(policy.tiers().keySet()), "tiers in evaluation order");
        assertEquals(List.of(), policy.tiers().get(TierName.EMERGENCY));

        final Rule dns = rule(policy, TierName.PLATFORM, 0);
        assertEquals("dns", dns.name());
        assertEquals(Selector.Entity.Kind.HOST, assertInstanceOf(Selector.Entity.class, dns.from()).kind());
        assertEquals(List.of(cidr("10.0.0.53")), assertInstanceOf(Selector.Cidrs.class, dns.to()).cidrs());
        assertEquals(Rule.UDP, dns.protocol());
        assertEquals(List.of(new PortRange(53, 53)), dns.ports());
        assertEquals(Action.ALLOW, dns.action());
        assertEquals(new SourceLocation(file.toString(), 22, 7), dns.at());
        assertEquals(new SourceLocation(file.toString(), 23, 13), dns.from().at());

        final Rule webToDb = rule(policy, TierName.APPLICATION, 0);
        assertEquals(Map.of("app", "web"), assertInstanceOf(Selector.Labels.class, webToDb.from()).labels());
        assertEquals(Map.of("app", "db"), assertInstanceOf(Selector.Labels.class, webToDb.to()).labels());
        assertEquals(Rule.TCP, webToDb.protocol());
        assertEquals(List.of(new PortRange(5432, 5432), new PortRange(8000, 8080)), webToDb.ports());
        assertTrue(webToDb.log());
        assertFalse(webToDb.audit());
        assertNull(webToDb.icmp());

        final Rule dbEgress = rule(policy, TierName.APPLICATION, 1);
        assertEquals(Selector.Entity.Kind.WORLD, assertInstanceOf(Selector.Entity.class, dbEgress.to()).kind());
        assertEquals(Rule.ANY_PROTOCOL, dbEgress.protocol());
        assertEquals(List.of(), dbEgress.ports());
        assertEquals(Action.DENY, dbEgress.action());
        assertTrue(dbEgress.audit());
        assertFalse(dbEgress.log());

        final Rule ping = rule(policy, TierName.BASELINE, 0);
        assertEquals("corp", assertInstanceOf(Selector.Group.class, ping.from()).name());
        assertInstanceOf(Selector.Any.class, ping.to(), "a missing 'to' means any");
        assertEquals(Rule.ICMP, ping.protocol());
        assertEquals(new IcmpMatch(8, IcmpMatch.ANY_CODE), ping.icmp());
        assertEquals(Action.ALLOW, ping.action());
    }

    @Test
    void theSameExampleAsJsonParsesEqual() throws Exception
    {
        final Policy yaml = PolicyParser.parse(fixture("valid/payments.yaml"));
        final Policy json = PolicyParser.parse(fixture("valid/payments.json"));
        assertEquals(withoutLocations(yaml), withoutLocations(json));
        final SourceLocation ping = json.tiers().get(TierName.BASELINE).get(0).at();
        assertEquals(28, ping.line(), "JSON keeps positions too");
        assertEquals(7, ping.column());
    }

    @Test
    void jsonWithTabsAndCompactForms() throws Exception
    {
        final String json = "{\n\t\"apiVersion\": \"palisade.dev/v1\",\n\t\"kind\": \"Policy\",\n" +
            "\t\"metadata\": {\"name\": \"t\"},\n\t\"tiers\": {\"baseline\": [{\"name\": \"r\", \"action\": \"deny\"," +
            " \"protocol\": 17, \"ports\": [53]}]}\n}\n";
        final Policy policy = PolicyParser.parse("t.json", json);
        assertEquals(Rule.UDP, rule(policy, TierName.BASELINE, 0).protocol());
    }

    @Test
    void defaultsAndOtherForms() throws Exception
    {
        final Policy policy = PolicyParser.parse("forms.yaml", HEADER + """
            inventory:
              workloads:
                - name: "007"
                  labels: {"1": "", tier: "1"}
                  addresses: []
            tiers:
              baseline:
                - {name: last, action: deny}
              emergency:
                - name: gre
                  from: {workload: "007"}
                  to: {any: true}
                  protocol: 47
                  action: pass
                - name: unreachable
                  protocol: icmpv6
                  icmp: {type: 1, code: 4}
                  action: reject
                  log: TRUE
                  audit: false
                - name: hex-udp
                  protocol: 0x11
                  ports: [0, 65535, "0-65535", 1024-2047]
                  action: allow
            """);
        assertEquals(List.of(TierName.EMERGENCY, TierName.PLATFORM, TierName.APPLICATION, TierName.BASELINE),
            new ArrayList<>(policy.tiers().keySet()), "the fixed order, whatever order they are written in");
        assertEquals(List.of(), policy.tiers().get(TierName.PLATFORM), "a tier not written is empty");
        assertEquals("", policy.description());

        final Rule last = rule(policy, TierName.BASELINE, 0);
        assertInstanceOf(Selector.Any.class, last.from());
        assertInstanceOf(Selector.Any.class, last.to());
        assertEquals(Rule.ANY_PROTOCOL, last.protocol());
        assertEquals(List.of(), last.ports());
        assertNull(last.icmp());
        assertFalse(last.log());
        assertFalse(last.audit());

        final Rule gre = rule(policy, TierName.EMERGENCY, 0);
        assertEquals("007", assertInstanceOf(Selector.Workload.class, gre.from()).name());
        assertInstanceOf(Selector.Any.class, gre.to());
        assertEquals(47, gre.protocol());
        assertEquals(Action.PASS, gre.action());

        final Rule unreachable = rule(policy, TierName.EMERGENCY, 1);
        assertEquals(Rule.ICMPV6, unreachable.protocol());
        assertEquals(new IcmpMatch(1, 4), unreachable.icmp());
        assertEquals(Action.REJECT, unreachable.action());
        assertTrue(unreachable.log());

        final Rule hexUdp = rule(policy, TierName.EMERGENCY, 2);
        assertEquals(Rule.UDP, hexUdp.protocol());
        assertEquals(List.of(new PortRange(0, 0), new PortRange(65535, 65535), new PortRange(0, 65535),
            new PortRange(1024, 2047)), hexUdp.ports());

        assertEquals(Map.of("1", "", "tier", "1"), policy.inventory().workloads().get(0).labels());
    }

    @Test
    void anchorsAndAliasesShareASelector() throws Exception
    {
        final Policy policy = PolicyParser.parse("aliases.yaml", HEADER + """
            tiers:
              application:
                - name: a
                  from: &web {labels: {app: web}}
                  to: *web
                  action: allow
                - name: b
                  from: *web
                  action: deny
            """);
        final Selector from = rule(policy, TierName.APPLICATION, 0).from();
        assertEquals(Map.of("app", "web"), assertInstanceOf(Selector.Labels.class, from).labels());
        assertEquals(from, rule(policy, TierName.APPLICATION, 1).from());
    }

    @Test
    void aByteOrderMarkIsAllowed() throws Exception
    {
        assertEquals("t", PolicyParser.parse("bom.yaml", "\uFEFF" + HEADER).name());
    }

    @Test
    void reportsEveryProblemOfOneRunInDocumentOrder() throws Exception
    {
        final PolicyException e =
            assertThrows(PolicyException.class, () -> PolicyParser.parse(fixture("many-problems.yaml")));
        final List<String> expected = List.of(
            "1:13 unsupported apiVersion 'palisade.dev/v2'",
            "4:9 invalid policy name 'Shop'",
            "8:19 '10.0.1.5/24' has host bits set",
            "12:21 unknown group 'nope'; the inventory defines no groups",
            "14:20 port range '90-80' is reversed",
            "16:12 expected true or false for log, got a string 'maybe'",
            "17:7 missing required key 'action' in rule 'web-in'",
            "17:13 duplicate rule name 'web-in' (first at 11:13)",
            "18:3 unknown tier 'baselin'");
        assertEquals(expected.size(), e.problems().size(), e.getMessage());
        for (int i = 0; i < expected.size(); i++)
        {
            final PolicyProblem problem = e.problems().get(i);
            final String found = problem.at().line() + ":" + problem.at().column() + " " + problem.message();
            assertTrue(found.startsWith(expected.get(i)), found + "\nshould start with\n" + expected.get(i));
        }
        assertFalse(e.truncated());
        assertEquals(9, e.getMessage().lines().count(), "one line per problem");
    }

    @Test
    void problemsAreCapped()
    {
        final StringBuilder text = new StringBuilder(HEADER);
        for (int i = 0; i < 80; i++)
        {
            text.append("unknown").append(i).append(": x\n");
        }
        final PolicyException e =
            assertThrows(PolicyException.class, () -> PolicyParser.parse("many.yaml", text.toString()));
        assertEquals(PolicyParser.MAX_PROBLEMS, e.problems().size());
        assertTrue(e.truncated());
        assertEquals("many.yaml:4:1: unknown key 'unknown0'; expected one of: apiVersion, kind, metadata, " +
            "inventory, tiers", e.problems().get(0).toString());
        assertTrue(e.getMessage().endsWith("(more problems not shown; stopped after 50)"), e.getMessage());
    }

    @Test
    void aDocumentOverTheSizeLimitIsNotParsed(@TempDir final Path dir) throws IOException
    {
        final String big = HEADER + "description: |\n" + "  x\n".repeat(PolicyParser.MAX_DOCUMENT_CHARS / 4 + 1);
        final PolicyException fromText = assertThrows(PolicyException.class, () -> PolicyParser.parse("big", big));
        assertTrue(fromText.problems().get(0).message().startsWith("document too large"), fromText.getMessage());

        final Path file = dir.resolve("big.yaml");
        Files.writeString(file, big, StandardCharsets.UTF_8);
        final PolicyException fromFile = assertThrows(PolicyException.class, () -> PolicyParser.parse(file));
        assertEquals(file + ":1:1: document too large: more than 4194304 bytes; expected a policy of at most 4 MiB",
            fromFile.problems().get(0).toString());
    }

    @Test
    void aliasesCannotMultiplyTheWorkBeyondABudget()
    {
        // 17 workloads share one list of 65,000 addresses through 16 aliases: 1.1 million values to check.
        final StringBuilder text = new StringBuilder(HEADER).append("inventory:\n  workloads:\n");
        text.append("    - name: w0\n      addresses: &all [");
        for (int i = 0; i < 65_000; i++)
        {
            text.append(i == 0 ? "" : ", ").append("10.").append(i >>> 8 & 0xFF).append('.').append(i & 0xFF)
                .append(".1");
        }
        text.append("]\n");
        for (int w = 1; w <= PolicyParser.MAX_COLLECTION_ALIASES; w++)
        {
            text.append("    - name: w").append(w).append("\n      addresses: *all\n");
        }
        final PolicyException e =
            assertThrows(PolicyException.class, () -> PolicyParser.parse("budget.yaml", text.toString()));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).message().startsWith("the document has more than 1000000 values"),
            e.getMessage());
    }

    @Test
    void anIoErrorIsNotAPolicyProblem(@TempDir final Path dir)
    {
        assertThrows(IOException.class, () -> PolicyParser.parse(dir.resolve("missing.yaml")));
    }

    @Test
    void messagesDoNotEchoControlCharacters()
    {
        final PolicyException e = assertThrows(PolicyException.class,
            () -> PolicyParser.parse("t.yaml", HEADER + "\"evil\\e[31m\\u202e\": 1\n"));
        assertEquals("t.yaml:4:1: unknown key 'evil\\u001B[31m\\u202E'; expected one of: apiVersion, kind, metadata, " +
            "inventory, tiers", e.problems().get(0).toString());
    }

    /** The model with every location replaced, to compare documents written differently (YAML and JSON). */
    static Policy withoutLocations(final Policy policy)
    {
        final SourceLocation none = new SourceLocation("-", 0, 0);
        final List<WorkloadEntry> workloads = new ArrayList<>();
        for (final WorkloadEntry w : policy.inventory().workloads())
        {
            workloads.add(new WorkloadEntry(w.name(), w.labels(), w.addresses(), none));
        }
        final List<GroupEntry> groups = new ArrayList<>();
        for (final GroupEntry g : policy.inventory().groups())
        {
            groups.add(new GroupEntry(g.name(), g.cidrs(), g.labels(), none));
        }
        final Map<TierName, List<Rule>> tiers = new EnumMap<>(TierName.class);
        for (final Map.Entry<TierName, List<Rule>> tier : policy.tiers().entrySet())
        {
            final List<Rule> rules = new ArrayList<>();
            for (final Rule r : tier.getValue())
            {
                rules.add(new Rule(r.name(), withoutLocation(r.from(), none), withoutLocation(r.to(), none),
                    r.protocol(), r.ports(), r.icmp(), r.action(), r.log(), r.audit(), none));
            }
            tiers.put(tier.getKey(), rules);
        }
        return new Policy(policy.name(), policy.description(), new Inventory(workloads, groups), tiers, none);
    }

    private static Selector withoutLocation(final Selector selector, final SourceLocation none)
    {
        return switch (selector)
        {
            case Selector.Any any -> new Selector.Any(none);
            case Selector.Labels labels -> new Selector.Labels(labels.labels(), none);
            case Selector.Group group -> new Selector.Group(group.name(), none);
            case Selector.Workload workload -> new Selector.Workload(workload.name(), none);
            case Selector.Cidrs cidrs -> new Selector.Cidrs(cidrs.cidrs(), none);
            case Selector.Entity entity -> new Selector.Entity(entity.kind(), none);
        };
    }
}
