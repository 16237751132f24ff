package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.classify.ClassBenchTraces.Trace;
import dev.palisade.enforcement.classify.ClassifierAgreementTest.Packet;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cut tree's own edge cases, each checked against {@link LinearClassifier}: region compaction (packets that reach
 * a node from outside the block its rules span), shared leaves and subtrees, leaves that no cut can split, the empty
 * leaf, deeply nested prefixes, and the node budget guard.
 */
class CutTreeClassifierTest
{
    private static final int TRIES = 200;

    /**
     * Rules packed into a small corner of every field, so nodes compact to a few low bits; the packets mostly share
     * those bits but differ above them, where the cuts no longer look.
     */
    @Test
    void packetsOutsideACompactedRegionMatchNothingThere()
    {
        Seeded.forEachTry("compacted regions", TRIES, (random) ->
        {
            final int srcBase = random.nextInt() & 0xFFFF_FF00;
            final int dstBase = random.nextInt() & 0xFFFF_F000;
            final int portBase = random.nextInt(60_000);
            final List<FiveTupleRule> rules = new ArrayList<>();
            final int n = Seeded.between(random, CutTreeClassifier.LEAF_RULES + 1, 200);
            for (int i = 0; i < n; i++)
            {
                final int dstPort = portBase + random.nextInt(64);
                rules.add(FiveTupleRule.ipv4(srcBase | random.nextInt(256), 24 + random.nextInt(9),
                    dstBase | random.nextInt(4096), 20 + random.nextInt(13), 0, 65535, dstPort,
                    dstPort + random.nextInt(8), random.nextBoolean() ? 6 : 17, 0xFF));
            }
            final List<Packet> packets = new ArrayList<>();
            for (int p = 0; p < 1000; p++)
            {
                // Low bits from the rules' corner, high bits now and then from anywhere.
                final int srcNoise = random.nextInt(4) == 0 ? random.nextInt() & ~0xFF : 0;
                final int dstNoise = random.nextInt(4) == 0 ? random.nextInt() & ~0xFFF : 0;
                final int portNoise = random.nextInt(4) == 0 ? random.nextInt(65536) & ~0x3F : 0;
                packets.add(Packet.ipv4((srcBase | random.nextInt(256)) ^ srcNoise,
                    (dstBase | random.nextInt(4096)) ^ dstNoise, random.nextInt(65536),
                    Math.min(65535, (portBase + random.nextInt(72)) ^ portNoise), random.nextBoolean() ? 6 : 17));
            }
            assertTreeAgrees("compacted", rules, packets, CutTreeClassifier.NODE_BUDGET);
        });
    }

    /**
     * Many copies of a few boxes (leaves with equal rules share records), and one box repeated past the leaf size
     * with only partial protocol masks to tell them apart: no cut separates those, so their leaf is long.
     */
    @Test
    void equalAndInseparableRulesKeepTheirOrder()
    {
        Seeded.forEachTry("equal and inseparable rules", TRIES, (random) ->
        {
            final List<FiveTupleRule> rules = new ArrayList<>();
            final int n = Seeded.between(random, 1, 120);
            for (int i = 0; i < n; i++)
            {
                final int kind = random.nextInt(3);
                if (kind == 0)
                {
                    rules.add(FiveTupleRule.ipv4(0x0A00_0000 | random.nextInt(4), 32, 0xC0A8_0000, 16, 0, 65535,
                        80, 80, 6, 0xFF));
                }
                else if (kind == 1)
                {
                    rules.add(FiveTupleRule.ipv4(0x0A00_0000, 30, 0xC0A8_0100, 24, 1024, 65535, 0, 65535,
                        random.nextInt(256), random.nextInt(256)));
                }
                else
                {
                    rules.add(FiveTupleRule.ipv4(0x0A00_0000 | random.nextInt(8), 29 + random.nextInt(4),
                        0xC0A8_0000 | random.nextInt(1 << 16), 16 + random.nextInt(17), random.nextInt(2048), 65535,
                        random.nextInt(100), 100 + random.nextInt(100), 17, random.nextBoolean() ? 0xFF : 0));
                }
            }
            final List<Packet> packets = new ArrayList<>();
            for (int p = 0; p < 600; p++)
            {
                packets.add(Packet.ipv4(0x0A00_0000 | random.nextInt(16), 0xC0A8_0000 | random.nextInt(1 << 16),
                    random.nextInt(4) == 0 ? random.nextInt(2048) : random.nextInt(65536),
                    random.nextBoolean() ? 80 : random.nextInt(300),
                    random.nextInt(4) == 0 ? 17 : random.nextInt(256)));
            }
            assertTreeAgrees("inseparable", rules, packets, CutTreeClassifier.NODE_BUDGET);
        });
    }

    /**
     * Rules wide in both addresses, as at the end of ClassBench sets: the wide destination port ranges among them go
     * to a tree of their own, which interleaves in priority with the others, and may cut the short prefixes.
     */
    @Test
    void wideAddressRulesSplitByPortKeepTheirOrder()
    {
        Seeded.forEachTry("wide-address rules", TRIES, (random) ->
        {
            final List<FiveTupleRule> rules = new ArrayList<>();
            final int n = Seeded.between(random, 1, 150);
            for (int i = 0; i < n; i++)
            {
                final boolean narrowAddresses = random.nextInt(5) == 0;
                final int srcLength = narrowAddresses ? 8 + random.nextInt(25) :
                    random.nextInt(CutTreeClassifier.WIDE_PREFIX);
                final int dstLength = random.nextInt(narrowAddresses ? 33 : CutTreeClassifier.WIDE_PREFIX);
                final int[] ports = switch (random.nextInt(4))
                {
                    case 0 -> new int[] {0, 65535};
                    case 1 -> new int[] {1024, 65535};
                    case 2 -> new int[] {1000, 1000 + CutTreeClassifier.WIDE_PORTS - 1 + random.nextInt(3)};
                    default ->
                    {
                        final int port = random.nextInt(600);
                        yield new int[] {port, port};
                    }
                };
                rules.add(FiveTupleRule.ipv4(random.nextInt(), srcLength, random.nextInt(), dstLength, 0, 65535,
                    ports[0], ports[1], random.nextBoolean() ? 6 : 17, random.nextInt(3) == 0 ? 0 : 0xFF));
            }
            final List<Packet> packets = new ArrayList<>();
            for (int p = 0; p < 600; p++)
            {
                final int dstPort = switch (random.nextInt(4))
                {
                    case 0 -> random.nextInt(600);
                    case 1 -> 999 + random.nextInt(CutTreeClassifier.WIDE_PORTS + 4);
                    default -> random.nextInt(65536);
                };
                packets.add(Packet.ipv4(random.nextInt(), random.nextInt(), random.nextInt(65536), dstPort,
                    random.nextBoolean() ? 6 : 17));
            }
            assertTreeAgrees("wide addresses", rules, packets, CutTreeClassifier.NODE_BUDGET);
        });
    }

    /** Prefixes nested /8 to /32 in both addresses: long chains of cuts, each node's rules inside its parent's. */
    @Test
    void nestedPrefixesResolveToTheFirstMatch()
    {
        Seeded.forEachTry("nested prefixes", TRIES, (random) ->
        {
            final int src = random.nextInt();
            final int dst = random.nextInt();
            final List<FiveTupleRule> rules = new ArrayList<>();
            final boolean longestFirst = random.nextBoolean();
            for (int length = 8; length <= 32; length++)
            {
                final int srcLength = longestFirst ? 40 - length : length;
                for (int copy = 0; copy < 3; copy++)
                {
                    final int dstLength = 8 + random.nextInt(25);
                    rules.add(FiveTupleRule.ipv4(src ^ (random.nextInt(2) << (32 - srcLength)), srcLength,
                        dst, dstLength, 0, 65535, 0, 65535, 0, 0));
                }
            }
            final List<Packet> packets = new ArrayList<>();
            for (int p = 0; p < 500; p++)
            {
                // Flip one bit at a random depth of each address: every prefix length gets its boundary tried.
                packets.add(Packet.ipv4(src ^ (1 << random.nextInt(32)) ^ (random.nextInt(4) == 0 ? 0 : 1),
                    random.nextInt(8) == 0 ? random.nextInt() : dst ^ (1 << random.nextInt(32)), random.nextInt(65536),
                    random.nextInt(65536), random.nextInt(256)));
            }
            assertTreeAgrees("nested", rules, packets, CutTreeClassifier.NODE_BUDGET);
        });
    }

    /** With almost no room for nodes, the tree stops cutting and its leaves grow; answers must not change. */
    @Test
    void theNodeBudgetGuardKeepsAnswers() throws IOException
    {
        final String name = "neurocuts_acl1_1k";
        final List<FiveTupleRule> rules = ClassBenchRules.read(ClassBenchRulesTest.ruleFile(name));
        final Trace trace = ClassBenchTraces.generate(rules, 4000, 7);
        final List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++)
        {
            packets.add(Packet.ipv4(trace.src[i], trace.dst[i], trace.srcPort[i], trace.dstPort[i],
                trace.protocol[i]));
        }
        final CutTreeClassifier full = CutTreeClassifier.build(rules);
        for (final int budget : new int[] {0, 1, 300, 5000})
        {
            final CutTreeClassifier small = CutTreeClassifier.build(rules, budget);
            assertTrue(small.nodeCount() <= full.nodeCount(), "budget " + budget + " builds no more nodes");
            ClassifierAgreementTest.assertAgree(name + ", node budget " + budget, rules, packets, small);
        }
    }

    @Test
    void emptyLeafAndNoIpv4RulesMatchNothing()
    {
        final List<FiveTupleRule> rules = new ArrayList<>();
        for (int i = 0; i < 4 * CutTreeClassifier.LEAF_RULES; i++)
        {
            rules.add(FiveTupleRule.ipv4(0x0A00_0000 | (i << 8), 24, 0x0B00_0000 | i, 32, 0, 65535, 443, 443, 6,
                0xFF));
        }
        final CutTreeClassifier tree = CutTreeClassifier.build(rules);
        assertEquals(5, tree.classifyIpv4(0x0A00_0507, 0x0B00_0005, 999, 443, 6));
        // Between the rules, in the same cuts, and far from them.
        assertEquals(FiveTupleClassifier.NO_MATCH, tree.classifyIpv4(0x0A00_0507, 0x0B00_0006, 999, 443, 6));
        assertEquals(FiveTupleClassifier.NO_MATCH, tree.classifyIpv4(0x0A00_0507, 0x0B00_0005, 999, 444, 6));
        assertEquals(FiveTupleClassifier.NO_MATCH, tree.classifyIpv4(0x8A00_0507, 0x0B00_0005, 999, 443, 6));
        assertEquals(FiveTupleClassifier.NO_MATCH, tree.classifyIpv4(0x0A00_0507, 0x0B00_0005, 999, 443, 17));
    }

    private static void assertTreeAgrees(final String what, final List<FiveTupleRule> rules,
        final List<Packet> packets, final int nodeBudget)
    {
        final SplittableRandom random = Seeded.random(rules.size());
        final List<Packet> all = new ArrayList<>(packets);
        // Each rule's corners and just outside them too.
        for (final FiveTupleRule rule : rules)
        {
            final Packet corner = Packet.ipv4((int)rule.srcLo(), (int)rule.dstLo() | ~(int)FiveTupleRule.maskLo(
                rule.dstPrefix()), rule.srcPortLo(), rule.dstPortHi(), rule.protocol());
            all.add(corner);
            all.add(ClassifierAgreementTest.justOutside(random, rule, corner));
        }
        ClassifierAgreementTest.assertAgree(what, rules, all, CutTreeClassifier.build(rules, nodeBudget));
    }
}
