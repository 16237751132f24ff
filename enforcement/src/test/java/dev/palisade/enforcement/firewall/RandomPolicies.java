package dev.palisade.enforcement.firewall;

import dev.palisade.policy.Addresses;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.Selector;
import dev.palisade.policy.model.SourceLocation;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random but valid policies over a small address space, so that rules, workloads and packets collide often: every
 * selector kind, IPv4 and IPv6, every action, pass, audit, ports and ranges, ICMP type and code.
 */
final class RandomPolicies
{
    static final SourceLocation AT = new SourceLocation("random", 1, 1);
    static final List<String> APPS = List.of("web", "db", "api");
    static final List<String> ENVS = List.of("prod", "dev");
    static final int[] PROTOCOLS = {-1, 6, 17, 1, 58};

    private RandomPolicies()
    {
    }

    static Cidr cidr(final String text)
    {
        return Addresses.parseCidr(text);
    }

    static Prefix prefix(final String text)
    {
        final Cidr cidr = cidr(text);
        return Prefix.of(cidr);
    }

    /** An address or prefix in 10.0.0.0/22 or 2001:db8::/120: small, so they overlap. */
    static String randomCidr(final SplittableRandom random)
    {
        if (random.nextInt(4) == 0)
        {
            final int length = 120 + random.nextInt(9);
            final int value = random.nextInt(256) & (length == 128 ? 0xFF : ~((1 << (128 - length)) - 1) & 0xFF);
            return "2001:db8::" + Integer.toHexString(value) + "/" + length;
        }
        final int length = 22 + random.nextInt(11);
        final int value = random.nextInt(1 << 10) & ~((1 << (32 - length)) - 1);
        return "10.0." + (value >>> 8) + "." + (value & 0xFF) + "/" + length;
    }

    static Policy policy(final SplittableRandom random)
    {
        final List<Inventory.WorkloadEntry> workloads = new ArrayList<>();
        final int workloadCount = 1 + random.nextInt(6);
        for (int i = 0; i < workloadCount; i++)
        {
            final Map<String, String> labels = new LinkedHashMap<>();
            labels.put("app", APPS.get(random.nextInt(APPS.size())));
            if (random.nextBoolean())
            {
                labels.put("env", ENVS.get(random.nextInt(ENVS.size())));
            }
            final List<Cidr> addresses = new ArrayList<>();
            final int n = random.nextInt(3);
            for (int a = 0; a < n; a++)
            {
                addresses.add(cidr(randomCidr(random)));
            }
            workloads.add(new Inventory.WorkloadEntry("w" + i, labels, addresses, AT));
        }
        final List<Inventory.GroupEntry> groups = new ArrayList<>();
        final int groupCount = random.nextInt(3);
        for (int i = 0; i < groupCount; i++)
        {
            final List<Cidr> cidrs = new ArrayList<>();
            final int n = random.nextInt(3);
            for (int a = 0; a < n; a++)
            {
                cidrs.add(cidr(randomCidr(random)));
            }
            final Map<String, String> labels = cidrs.isEmpty() || random.nextBoolean() ?
                Map.of("app", APPS.get(random.nextInt(APPS.size()))) : Map.of();
            groups.add(new Inventory.GroupEntry("g" + i, cidrs, labels, AT));
        }
        final Map<Policy.TierName, List<Rule>> tiers = new EnumMap<>(Policy.TierName.class);
        final int ruleCount = random.nextInt(14);
        for (int i = 0; i < ruleCount; i++)
        {
            final Policy.TierName tier = Policy.TierName.values()[random.nextInt(Policy.TierName.values().length)];
            tiers.computeIfAbsent(tier, t -> new ArrayList<>()).add(rule("r" + i, random, workloads, groups));
        }
        return new Policy("random", null, new Inventory(workloads, groups), tiers, AT);
    }

    private static Rule rule(final String name, final SplittableRandom random,
        final List<Inventory.WorkloadEntry> workloads, final List<Inventory.GroupEntry> groups)
    {
        final int protocol = PROTOCOLS[random.nextInt(PROTOCOLS.length)];
        final List<Rule.PortRange> ports = new ArrayList<>();
        Rule.IcmpMatch icmp = null;
        if ((protocol == 6 || protocol == 17) && random.nextBoolean())
        {
            final int n = 1 + random.nextInt(2);
            for (int p = 0; p < n; p++)
            {
                final int lo = random.nextInt(4) == 0 ? random.nextInt(65536) : 1 + random.nextInt(100);
                final int hi = random.nextBoolean() ? lo : Math.min(65535, lo + random.nextInt(50));
                ports.add(new Rule.PortRange(lo, hi));
            }
        }
        else if ((protocol == 1 || protocol == 58) && random.nextBoolean())
        {
            icmp = new Rule.IcmpMatch(random.nextInt(4) * 4, random.nextBoolean() ? Rule.IcmpMatch.ANY_CODE :
                random.nextInt(3));
        }
        final Rule.Action action = Rule.Action.values()[random.nextInt(Rule.Action.values().length)];
        return new Rule(name, selector(random, workloads, groups), selector(random, workloads, groups), protocol,
            ports, icmp, action, random.nextInt(3) == 0, random.nextInt(5) == 0, AT);
    }

    private static Selector selector(final SplittableRandom random, final List<Inventory.WorkloadEntry> workloads,
        final List<Inventory.GroupEntry> groups)
    {
        return switch (random.nextInt(8))
        {
            case 0 -> new Selector.Any(AT);
            case 1 -> new Selector.Labels(Map.of("app", APPS.get(random.nextInt(APPS.size()))), AT);
            case 2 -> groups.isEmpty() ? new Selector.Any(AT) :
                new Selector.Group(groups.get(random.nextInt(groups.size())).name(), AT);
            case 3 -> new Selector.Workload(workloads.get(random.nextInt(workloads.size())).name(), AT);
            case 4, 5 -> new Selector.Cidrs(List.of(cidr(randomCidr(random))), AT);
            case 6 -> new Selector.Entity(Selector.Entity.Kind.HOST, AT);
            default -> new Selector.Entity(Selector.Entity.Kind.WORLD, AT);
        };
    }

    /** A random address, usually inside 10.0.0.0/22 or 2001:db8::/120 (so inside rules), sometimes elsewhere. */
    static long[] randomAddress(final SplittableRandom random)
    {
        return switch (random.nextInt(10))
        {
            case 0 -> new long[] {0x2001_0db8_0000_0000L, random.nextInt(256)};
            case 1 -> new long[] {0, 0x0000_FFFF_0000_0000L | 0x0A09_0000L | random.nextInt(4)}; // the host, 10.9/16
            case 2 -> new long[] {0, 0x0000_FFFF_0000_0000L | (random.nextInt() & 0xFFFF_FFFFL)};
            case 3 -> new long[] {random.nextLong(), random.nextLong()};
            default -> new long[] {0, 0x0000_FFFF_0000_0000L | 0x0A00_0000L | random.nextInt(1 << 10)};
        };
    }
}
