package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dual-stack classifier (and the tuple space behind its non-IPv4 side) answer as a linear first-match scan, on
 * random rule lists mixing IPv4, IPv6 and wide 128-bit prefixes, for IPv4, IPv6 and mixed-family packets.
 */
class DualStackClassifierTest
{
    private static final long MAPPED = PacketMeta.IPV4_MAPPED_PREFIX;
    private static final long DOC = 0x2001_0db8_0000_0000L;

    @Test
    void answersAsALinearScan()
    {
        Seeded.forEachTry("dual stack = linear", 300, random ->
        {
            final List<FiveTupleRule> rules = new ArrayList<>();
            final int n = 1 + random.nextInt(60);
            for (int i = 0; i < n; i++)
            {
                final long[] src = prefix(random);
                final long[] dst = prefix(random);
                final int portLo = random.nextBoolean() ? 0 : random.nextInt(100);
                rules.add(new FiveTupleRule(src[0], src[1], (int)src[2], dst[0], dst[1], (int)dst[2],
                    0, 65535, portLo, random.nextBoolean() ? 65535 : portLo + random.nextInt(10),
                    random.nextBoolean() ? 6 : 0, random.nextBoolean() ? 0xFF : 0));
            }
            final LinearClassifier linear = new LinearClassifier(rules);
            final FiveTupleClassifier dual = Classifiers.build(rules);
            final TupleSpaceClassifier tuples = new TupleSpaceClassifier(rules);
            for (int p = 0; p < 300; p++)
            {
                final long[] src = address(random);
                final long[] dst = random.nextInt(8) == 0 ? address(random) : sameFamily(random, src);
                final int dstPort = random.nextInt(110);
                final int protocol = random.nextBoolean() ? 6 : 17;
                final int expected = linear.classify(src[0], src[1], dst[0], dst[1], 1000, dstPort, protocol);
                assertEquals(expected, dual.classify(src[0], src[1], dst[0], dst[1], 1000, dstPort, protocol),
                    "dual stack");
                assertEquals(expected, tuples.classify(src[0], src[1], dst[0], dst[1], 1000, dstPort, protocol),
                    "tuple space");
                if (RuleStore.isMappedIpv4(src[0], src[1], dst[0], dst[1]))
                {
                    assertEquals(expected, dual.classifyIpv4((int)src[1], (int)dst[1], 1000, dstPort, protocol),
                        "IPv4 entry point");
                }
            }
        });
    }

    @Test
    void choosesTheDualStackOnlyForMixedFamilies()
    {
        final FiveTupleRule v4 = FiveTupleRule.ipv4(0x0A00_0000L, 8, 0, 0, 0, 65535, 0, 65535, 6, 0xFF);
        final FiveTupleRule any = new FiveTupleRule(0, 0, 0, 0, 0, 0, 0, 65535, 0, 65535, 0, 0);
        assertTrue(Classifiers.build(List.of(v4)) instanceof CutTreeClassifier);
        assertTrue(Classifiers.build(List.of(v4, any)) instanceof DualStackClassifier);
    }

    /** {hi, lo, length}: IPv4 prefixes in 10.0.0.0/16, IPv6 ones in 2001:db8::/112, or wide ones (/0, /64, /81, /96). */
    private static long[] prefix(final SplittableRandom random)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> new long[] {0, 0, new int[] {0, 64, 81, 96}[random.nextInt(4)]};
            case 1, 2 -> new long[] {DOC, random.nextInt(1 << 16), 112 + random.nextInt(17)};
            default -> new long[] {0, MAPPED | 0x0A00_0000L | random.nextInt(1 << 16), 96 + 16 + random.nextInt(17)};
        };
    }

    private static long[] address(final SplittableRandom random)
    {
        return random.nextBoolean() ? new long[] {0, MAPPED | 0x0A00_0000L | random.nextInt(1 << 16)} :
            new long[] {DOC, random.nextInt(1 << 16)};
    }

    private static long[] sameFamily(final SplittableRandom random, final long[] like)
    {
        return like[0] == 0 ? new long[] {0, MAPPED | 0x0A00_0000L | random.nextInt(1 << 16)} :
            new long[] {DOC, random.nextInt(1 << 16)};
    }
}
