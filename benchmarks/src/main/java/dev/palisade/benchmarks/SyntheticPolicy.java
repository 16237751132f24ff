package dev.palisade.benchmarks;

import java.util.SplittableRandom;

/**
 * A policy document of a chosen size for benchmarks and load tests, in the shape a large estate has: workloads with
 * app/env/team labels and their own subnets, groups of external CIDRs, and rules spread over the tiers that select by
 * label, group, workload or entity, with ports and port ranges. The same arguments give the same text.
 */
public final class SyntheticPolicy
{
    private static final String[] ENVIRONMENTS = {"prod", "staging", "dev"};
    private static final int[] PORTS = {22, 53, 80, 443, 1433, 3306, 5432, 6379, 8080, 8443, 9092, 9200, 11211, 27017};

    private SyntheticPolicy()
    {
    }

    /**
     * @param rules     segmentation rules in all.
     * @param workloads workloads in the inventory (each a /28 in 10.0.0.0/8).
     */
    public static String yaml(final String name, final int rules, final int workloads, final long seed)
    {
        if (workloads < 1 || workloads > 65_536)
        {
            throw new IllegalArgumentException("workloads must be 1..65536");
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final int apps = Math.max(1, workloads / 4);
        final int teams = Math.max(1, workloads / 50);
        final int groups = Math.max(1, rules / 200);
        final StringBuilder out = new StringBuilder(256 + 150 * rules + 120 * workloads);
        out.append("apiVersion: palisade.dev/v1\nkind: Policy\nmetadata:\n  name: ").append(name)
            .append("\ninventory:\n  workloads:\n");
        for (int i = 0; i < workloads; i++)
        {
            out.append("    - {name: w").append(i).append(", labels: {app: a").append(i % apps).append(", env: ")
                .append(ENVIRONMENTS[i % ENVIRONMENTS.length]).append(", team: t").append(i % teams)
                .append("}, addresses: [10.").append(i >>> 8).append('.').append(i & 0xFF).append(".0/28]}\n");
        }
        out.append("  groups:\n");
        for (int g = 0; g < groups; g++)
        {
            out.append("    - {name: g").append(g).append(", cidrs: [");
            for (int c = 0; c < 4; c++)
            {
                out.append(c == 0 ? "" : ", ").append(100 + (g % 100)).append('.').append(g / 100).append('.')
                    .append(c * 16).append(".0/20");
            }
            out.append("]}\n");
        }
        out.append("tiers:\n");
        final String[] tiers = {"emergency", "platform", "application", "baseline"};
        final int[] share = {rules / 100, rules / 10, rules - rules / 100 - rules / 10 - rules / 10, rules / 10};
        int index = 0;
        for (int t = 0; t < tiers.length; t++)
        {
            if (share[t] == 0)
            {
                continue;
            }
            out.append("  ").append(tiers[t]).append(":\n");
            for (int r = 0; r < share[t]; r++, index++)
            {
                out.append("    - {name: r").append(index).append(", from: ");
                selector(out, random, apps, teams, groups, workloads, true);
                out.append(", to: ");
                selector(out, random, apps, teams, groups, workloads, false);
                final boolean udp = random.nextInt(5) == 0;
                out.append(", protocol: ").append(udp ? "udp" : "tcp").append(", ports: [")
                    .append(PORTS[random.nextInt(PORTS.length)]);
                if (random.nextInt(4) == 0)
                {
                    final int lo = 10_000 + random.nextInt(50_000);
                    out.append(", \"").append(lo).append('-').append(lo + random.nextInt(100)).append('"');
                }
                final int action = random.nextInt(100);
                out.append("], action: ").append(action < 75 ? "allow" : action < 97 ? "deny" : "reject").append("}\n");
            }
        }
        return out.toString();
    }

    private static void selector(final StringBuilder out, final SplittableRandom random, final int apps,
        final int teams, final int groups, final int workloads, final boolean source)
    {
        final int kind = random.nextInt(10);
        if (kind < 5)
        {
            out.append("{labels: {app: a").append(random.nextInt(apps)).append("}}");
        }
        else if (kind < 7)
        {
            out.append("{labels: {env: ").append(ENVIRONMENTS[random.nextInt(ENVIRONMENTS.length)])
                .append(", team: t").append(random.nextInt(teams)).append("}}");
        }
        else if (kind < 8)
        {
            out.append("{workload: w").append(random.nextInt(workloads)).append('}');
        }
        else if (kind < 9)
        {
            out.append("{group: g").append(random.nextInt(groups)).append('}');
        }
        else
        {
            out.append(source ? "{any: true}" : "{entity: world}");
        }
    }
}
