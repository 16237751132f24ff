package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Rules that pair an IPv4 prefix with a field wider than the IPv4-mapped /96 ({@code 10.0.0.0/8} to {@code ::/0}, as
 * a policy's "any" or "world" makes) still match IPv4 packets: they live outside the IPv4 structure and must be
 * scanned for IPv4 lookups too. The firewall's property test found them missed once.
 */
class ClassifierMixedWidthTest
{
    private static final long MAPPED = PacketMeta.IPV4_MAPPED_PREFIX;

    @Test
    void wideAndIpv4FieldsTogetherMatchIpv4Packets()
    {
        Seeded.forEachTry("mixed-width rules", 300, random ->
        {
            final List<FiveTupleRule> rules = new ArrayList<>();
            final int n = 1 + random.nextInt(40);
            for (int i = 0; i < n; i++)
            {
                rules.add(new FiveTupleRule(0, field(random), width(random), 0, field(random), width(random),
                    0, 65535, random.nextBoolean() ? 0 : 80, random.nextBoolean() ? 65535 : 80,
                    random.nextBoolean() ? 6 : 0, random.nextBoolean() ? 0xFF : 0));
            }
            final FiveTupleClassifier fast = CutTreeClassifier.build(rules); // alone, not behind the dual stack
            final LinearClassifier linear = new LinearClassifier(rules);
            for (int p = 0; p < 200; p++)
            {
                final int src = 0x0A00_0000 | random.nextInt(1 << 12);
                final int dst = 0x0A00_0000 | random.nextInt(1 << 12);
                final int dstPort = random.nextBoolean() ? 80 : random.nextInt(65536);
                final int protocol = random.nextBoolean() ? 6 : 17;
                final int expected = linear.classify(0, MAPPED | (src & 0xFFFF_FFFFL), 0, MAPPED | (dst & 0xFFFF_FFFFL),
                    1234, dstPort, protocol);
                assertEquals(expected, fast.classify(0, MAPPED | (src & 0xFFFF_FFFFL), 0,
                    MAPPED | (dst & 0xFFFF_FFFFL), 1234, dstPort, protocol), "128-bit lookup");
                assertEquals(expected, fast.classifyIpv4(src, dst, 1234, dstPort, protocol), "IPv4 lookup");
            }
        });
    }

    /** The low word of a prefix inside 10.0.0.0/20 (masked by the rule itself). */
    private static long field(final SplittableRandom random)
    {
        return MAPPED | 0x0A00_0000L | random.nextInt(1 << 12);
    }

    /** Prefix lengths over 128 bits: IPv4 ones (/96 + 20..32), and wide ones that still cover IPv4 (::/0, /80). */
    private static int width(final SplittableRandom random)
    {
        return switch (random.nextInt(4))
        {
            case 0 -> 0;
            case 1 -> 80;
            default -> FiveTupleRule.IPV4_PREFIX_BASE + 20 + random.nextInt(13);
        };
    }
}
