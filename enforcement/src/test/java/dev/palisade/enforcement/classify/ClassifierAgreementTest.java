package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.classify.ClassBenchTraces.Trace;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The property that defines the fast classifier: {@code Classifiers.build(rules)} answers exactly as
 * {@link LinearClassifier}, through both entry points, on the real ClassBench sets with generated traces and on
 * random rule sets (IPv4 and IPv6, every kind of prefix, port range and protocol match) with random packets,
 * packets inside rules and packets just outside them.
 */
class ClassifierAgreementTest
{
    private static final int TRACE_PACKETS = 12_000;
    private static final int RANDOM_TRIES = 300;
    private static final int[] COMMON_PORTS = {0, 1, 22, 53, 80, 123, 443, 1023, 1024, 8080, 65534, 65535};
    private static final int[] COMMON_PROTOCOLS = {6, 17, 1, 0, 255};

    static String[] ruleSets()
    {
        return ClassBenchRulesTest.RULE_SETS;
    }

    /** One packet: the 128-bit addresses, ports and protocol. */
    record Packet(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int protocol)
    {
        static Packet ipv4(final int src, final int dst, final int srcPort, final int dstPort, final int protocol)
        {
            return new Packet(0, mapped(src), 0, mapped(dst), srcPort, dstPort, protocol);
        }

        boolean isIpv4()
        {
            return srcHi == 0 && (srcLo >>> 32) == 0xFFFF && dstHi == 0 && (dstLo >>> 32) == 0xFFFF;
        }

        @Override
        public String toString()
        {
            return isIpv4() ?
                ClassBenchRules.dottedQuad(srcLo) + " -> " + ClassBenchRules.dottedQuad(dstLo) + " " + srcPort + " -> " +
                    dstPort + " proto " + protocol :
                Long.toHexString(srcHi) + ":" + Long.toHexString(srcLo) + " -> " + Long.toHexString(dstHi) + ":" +
                    Long.toHexString(dstLo) + " " + srcPort + " -> " + dstPort + " proto " + protocol;
        }
    }

    /** A random rule set and the packets to try on it. */
    record Case(List<FiveTupleRule> rules, List<Packet> packets)
    {
        @Override
        public String toString()
        {
            final long ipv6 = rules.stream().filter((rule) -> !rule.isIpv4()).count();
            return rules.size() + " rules (" + ipv6 + " not IPv4), " + packets.size() + " packets";
        }
    }

    @ParameterizedTest
    @MethodSource("ruleSets")
    void fastEqualsLinearOnTheRealRuleSets(final String name) throws IOException
    {
        final List<FiveTupleRule> rules = ClassBenchRules.read(ClassBenchRulesTest.ruleFile(name));
        final Trace trace = ClassBenchTraces.generate(rules, TRACE_PACKETS, name.hashCode());
        final SplittableRandom random = Seeded.random(name.hashCode());
        final List<Packet> packets = new ArrayList<>(2 * trace.size());
        for (int i = 0; i < trace.size(); i++)
        {
            final Packet packet = Packet.ipv4(trace.src[i], trace.dst[i], trace.srcPort[i], trace.dstPort[i],
                trace.protocol[i]);
            packets.add(packet);
            if (trace.sourceRule[i] >= 0 && (i == 0 || trace.sourceRule[i] != trace.sourceRule[i - 1]))
            {
                packets.add(justOutside(random, rules.get(trace.sourceRule[i]), packet));
            }
        }
        assertAgree(name, rules, packets);
    }

    @Test
    void fastEqualsLinearOnRandomRuleSets()
    {
        Seeded.forAll("Classifiers.build(rules) answers as LinearClassifier", RANDOM_TRIES,
            ClassifierAgreementTest::randomCase, (c) -> assertAgree("random", c.rules(), c.packets()));
    }

    @Test
    void noRulesMatchNothing()
    {
        final FiveTupleClassifier fast = Classifiers.build(List.of());
        assertEquals(0, fast.ruleCount());
        assertEquals(FiveTupleClassifier.NO_MATCH, fast.classifyIpv4(0x0A000001, 0x0A000002, 1234, 80, 6));
        assertEquals(FiveTupleClassifier.NO_MATCH, fast.classify(0x2001_0db8_0000_0000L, 1, 0, 0, 1, 2, 17));
    }

    static void assertAgree(final String what, final List<FiveTupleRule> rules, final List<Packet> packets)
    {
        // The default (Classifiers.build) and the tuple space kept for comparison must both answer as the scan.
        assertAgree(what, rules, packets, Classifiers.build(rules));
        assertAgree(what + " (tuple space)", rules, packets, TupleMergeClassifier.build(rules));
    }

    static void assertAgree(final String what, final List<FiveTupleRule> rules, final List<Packet> packets,
        final FiveTupleClassifier fast)
    {
        final LinearClassifier linear = new LinearClassifier(rules);
        assertEquals(rules.size(), fast.ruleCount(), "rule count");
        for (final Packet p : packets)
        {
            final int expected = linear.classify(p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(), p.dstPort(),
                p.protocol());
            final int got = fast.classify(p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(), p.dstPort(),
                p.protocol());
            if (got != expected)
            {
                throw disagreement(what, "classify", rules, p, got, expected);
            }
            if (p.isIpv4())
            {
                final int gotIpv4 = fast.classifyIpv4((int)p.srcLo(), (int)p.dstLo(), p.srcPort(), p.dstPort(),
                    p.protocol());
                if (gotIpv4 != expected)
                {
                    throw disagreement(what, "classifyIpv4", rules, p, gotIpv4, expected);
                }
            }
        }
    }

    private static AssertionError disagreement(
        final String what, final String method, final List<FiveTupleRule> rules, final Packet p, final int got,
        final int expected)
    {
        return new AssertionError(what + ": " + method + "(" + p + ") gave " + got + ", linear " + expected +
            (got >= 0 ? "\n    fast's rule:   " + rules.get(got) : "") +
            (expected >= 0 ? "\n    linear's rule: " + rules.get(expected) : ""));
    }

    static Case randomCase(final SplittableRandom random)
    {
        final int ruleCount = Seeded.between(random, 1, 300);
        final boolean withIpv6 = random.nextInt(3) == 0;
        // Few distinct address bases, so that prefixes nest and overlap as in real rule sets.
        final long[] v4Bases = new long[1 + random.nextInt(6)];
        for (int i = 0; i < v4Bases.length; i++)
        {
            v4Bases[i] = i == 0 ? random.nextLong() & 0xFFFF_FFFFL :
                v4Bases[0] ^ (random.nextLong() & (0xFFFF_FFFFL >>> random.nextInt(33)));
        }
        final long[][] v6Bases = {
            {0x2001_0db8_0000_0000L | (random.nextLong() & 0xFFFF_FFFFL), random.nextLong()},
            {0x2001_0db8_0000_0000L, random.nextLong()},
            {random.nextLong(), random.nextLong()},
            {0, PacketMeta.IPV4_MAPPED_PREFIX | v4Bases[0]}};

        final List<FiveTupleRule> rules = new ArrayList<>(ruleCount);
        for (int i = 0; i < ruleCount; i++)
        {
            rules.add(withIpv6 && random.nextInt(3) == 0 ? randomIpv6Rule(random, v6Bases) :
                randomIpv4Rule(random, v4Bases));
        }

        final List<Packet> packets = new ArrayList<>();
        final int inside = Math.min(1500, 3 * ruleCount + 50);
        for (int i = 0; i < inside; i++)
        {
            final FiveTupleRule rule = rules.get(random.nextInt(ruleCount));
            final Packet packet = inside(random, rule);
            packets.add(packet);
            packets.add(justOutside(random, rule, packet));
        }
        final Trace trace = ClassBenchTraces.generate(rules, 200, random.nextLong());
        for (int i = 0; i < trace.size(); i++)
        {
            packets.add(Packet.ipv4(trace.src[i], trace.dst[i], trace.srcPort[i], trace.dstPort[i], trace.protocol[i]));
        }
        for (int i = 0; i < 200; i++)
        {
            packets.add(randomPacket(random, v4Bases, withIpv6 ? v6Bases : null));
        }
        return new Case(rules, packets);
    }

    private static FiveTupleRule randomIpv4Rule(final SplittableRandom random, final long[] bases)
    {
        final int srcPrefix = ipv4Prefix(random);
        final int dstPrefix = ipv4Prefix(random);
        final long src = bases[random.nextInt(bases.length)] ^ (random.nextLong() & 0xFFFF_FFFFL >>> random.nextInt(33));
        final long dst = bases[random.nextInt(bases.length)] ^ (random.nextLong() & 0xFFFF_FFFFL >>> random.nextInt(33));
        final int[] srcPorts = portRange(random);
        final int[] dstPorts = portRange(random);
        final int[] protocol = protocolMatch(random);
        return FiveTupleRule.ipv4(src, srcPrefix, dst, dstPrefix, srcPorts[0], srcPorts[1], dstPorts[0], dstPorts[1],
            protocol[0], protocol[1]);
    }

    private static FiveTupleRule randomIpv6Rule(final SplittableRandom random, final long[][] bases)
    {
        final int srcPrefix = ipv6Prefix(random);
        final int dstPrefix = ipv6Prefix(random);
        final long[] src = bases[random.nextInt(bases.length)];
        final long[] dst = bases[random.nextInt(bases.length)];
        final int[] srcPorts = portRange(random);
        final int[] dstPorts = portRange(random);
        final int[] protocol = protocolMatch(random);
        // Flip some low bits: sibling prefixes of the bases.
        final int srcFlip = random.nextInt(129);
        final int dstFlip = random.nextInt(129);
        return new FiveTupleRule(
            src[0] ^ (random.nextLong() & ~FiveTupleRule.maskHi(srcFlip)),
            src[1] ^ (random.nextLong() & ~FiveTupleRule.maskLo(srcFlip)), srcPrefix,
            dst[0] ^ (random.nextLong() & ~FiveTupleRule.maskHi(dstFlip)),
            dst[1] ^ (random.nextLong() & ~FiveTupleRule.maskLo(dstFlip)), dstPrefix,
            srcPorts[0], srcPorts[1], dstPorts[0], dstPorts[1], protocol[0], protocol[1]);
    }

    private static int ipv4Prefix(final SplittableRandom random)
    {
        return switch (Seeded.weighted(random, 2, 3, 3, 3))
        {
            case 0 -> 0;
            case 1 -> 32;
            case 2 -> 8 * (1 + random.nextInt(3));
            default -> random.nextInt(33);
        };
    }

    private static int ipv6Prefix(final SplittableRandom random)
    {
        return switch (Seeded.weighted(random, 2, 2, 2, 2, 2, 3))
        {
            case 0 -> 0;
            case 1 -> 128;
            case 2 -> 32 + 16 * random.nextInt(3);
            case 3 -> 96;
            case 4 -> 97 + random.nextInt(32);
            default -> random.nextInt(129);
        };
    }

    /** Wildcard, exact (a common or any port), an arbitrary range, or the privileged / unprivileged halves. */
    private static int[] portRange(final SplittableRandom random)
    {
        switch (Seeded.weighted(random, 4, 3, 2, 1))
        {
            case 0:
                return new int[] {0, 65535};
            case 1:
            {
                final int port = random.nextBoolean() ? COMMON_PORTS[random.nextInt(COMMON_PORTS.length)] :
                    random.nextInt(65536);
                return new int[] {port, port};
            }
            case 2:
            {
                final int a = Seeded.between(random, 0, 65535);
                final int b = Seeded.between(random, 0, 65535);
                return new int[] {Math.min(a, b), Math.max(a, b)};
            }
            default:
                return random.nextBoolean() ? new int[] {0, 1023} : new int[] {1024, 65535};
        }
    }

    /** Exact, wildcard, or (rarely, but the model allows it) a partial mask. */
    private static int[] protocolMatch(final SplittableRandom random)
    {
        return switch (Seeded.weighted(random, 6, 3, 1))
        {
            case 0 -> new int[] {random.nextInt(4) == 0 ? random.nextInt(256) :
                COMMON_PROTOCOLS[random.nextInt(COMMON_PROTOCOLS.length)], 0xFF};
            case 1 -> new int[] {0, 0};
            default -> new int[] {random.nextInt(256), random.nextInt(256)};
        };
    }

    /** A packet the rule matches: each field at an end of the rule's range or anywhere inside it. */
    private static Packet inside(final SplittableRandom random, final FiveTupleRule rule)
    {
        final long[] src = inPrefix(random, rule.srcHi(), rule.srcLo(), rule.srcPrefix());
        final long[] dst = inPrefix(random, rule.dstHi(), rule.dstLo(), rule.dstPrefix());
        return new Packet(src[0], src[1], dst[0], dst[1], inRange(random, rule.srcPortLo(), rule.srcPortHi()),
            inRange(random, rule.dstPortLo(), rule.dstPortHi()),
            rule.protocol() | (random.nextInt(256) & ~rule.protocolMask()));
    }

    /** {@code packet}, a packet of {@code rule}, with one field moved just outside the rule (where there is room). */
    static Packet justOutside(final SplittableRandom random, final FiveTupleRule rule, final Packet packet)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            switch (random.nextInt(5))
            {
                case 0:
                    if (rule.srcPrefix() > 0)
                    {
                        final long[] a = flipBit(packet.srcHi(), packet.srcLo(), rule.srcPrefix() - 1);
                        return new Packet(a[0], a[1], packet.dstHi(), packet.dstLo(), packet.srcPort(),
                            packet.dstPort(), packet.protocol());
                    }
                    break;
                case 1:
                    if (rule.dstPrefix() > 0)
                    {
                        final long[] a = flipBit(packet.dstHi(), packet.dstLo(), rule.dstPrefix() - 1);
                        return new Packet(packet.srcHi(), packet.srcLo(), a[0], a[1], packet.srcPort(),
                            packet.dstPort(), packet.protocol());
                    }
                    break;
                case 2:
                {
                    final int port = outsideRange(random, rule.srcPortLo(), rule.srcPortHi());
                    if (port >= 0)
                    {
                        return new Packet(packet.srcHi(), packet.srcLo(), packet.dstHi(), packet.dstLo(), port,
                            packet.dstPort(), packet.protocol());
                    }
                    break;
                }
                case 3:
                {
                    final int port = outsideRange(random, rule.dstPortLo(), rule.dstPortHi());
                    if (port >= 0)
                    {
                        return new Packet(packet.srcHi(), packet.srcLo(), packet.dstHi(), packet.dstLo(),
                            packet.srcPort(), port, packet.protocol());
                    }
                    break;
                }
                default:
                    if (rule.protocolMask() != 0)
                    {
                        final int bit = Integer.lowestOneBit(rule.protocolMask() & -(1 << random.nextInt(8)));
                        return new Packet(packet.srcHi(), packet.srcLo(), packet.dstHi(), packet.dstLo(),
                            packet.srcPort(), packet.dstPort(), packet.protocol() ^
                            (bit != 0 ? bit : Integer.lowestOneBit(rule.protocolMask())));
                    }
                    break;
            }
        }
        return packet;
    }

    private static Packet randomPacket(final SplittableRandom random, final long[] v4Bases, final long[][] v6Bases)
    {
        final int srcPort = random.nextBoolean() ? COMMON_PORTS[random.nextInt(COMMON_PORTS.length)] :
            random.nextInt(65536);
        final int dstPort = random.nextBoolean() ? COMMON_PORTS[random.nextInt(COMMON_PORTS.length)] :
            random.nextInt(65536);
        final int protocol = random.nextBoolean() ? COMMON_PROTOCOLS[random.nextInt(COMMON_PROTOCOLS.length)] :
            random.nextInt(256);
        if (v6Bases != null && random.nextBoolean())
        {
            final long[] src = v6Bases[random.nextInt(v6Bases.length)];
            final long[] dst = v6Bases[random.nextInt(v6Bases.length)];
            final int srcKeep = random.nextInt(129);
            final int dstKeep = random.nextInt(129);
            return new Packet(
                src[0] ^ (random.nextLong() & ~FiveTupleRule.maskHi(srcKeep)),
                src[1] ^ (random.nextLong() & ~FiveTupleRule.maskLo(srcKeep)),
                dst[0] ^ (random.nextLong() & ~FiveTupleRule.maskHi(dstKeep)),
                dst[1] ^ (random.nextLong() & ~FiveTupleRule.maskLo(dstKeep)), srcPort, dstPort, protocol);
        }
        final long src = random.nextBoolean() ? random.nextLong() :
            v4Bases[random.nextInt(v4Bases.length)] ^ (random.nextLong() & 0xFFFF_FFFFL >>> random.nextInt(33));
        final long dst = random.nextBoolean() ? random.nextLong() :
            v4Bases[random.nextInt(v4Bases.length)] ^ (random.nextLong() & 0xFFFF_FFFFL >>> random.nextInt(33));
        return Packet.ipv4((int)src, (int)dst, srcPort, dstPort, protocol);
    }

    /** @return {hi, lo}: the prefix's address with its free bits all zero, all one, or random. */
    private static long[] inPrefix(final SplittableRandom random, final long hi, final long lo, final int prefix)
    {
        final long freeHi = ~FiveTupleRule.maskHi(prefix);
        final long freeLo = ~FiveTupleRule.maskLo(prefix);
        return switch (random.nextInt(4))
        {
            case 0 -> new long[] {hi, lo};
            case 1 -> new long[] {hi | freeHi, lo | freeLo};
            default -> new long[] {hi | (random.nextLong() & freeHi), lo | (random.nextLong() & freeLo)};
        };
    }

    private static int inRange(final SplittableRandom random, final int lo, final int hi)
    {
        return switch (random.nextInt(4))
        {
            case 0 -> lo;
            case 1 -> hi;
            default -> lo + random.nextInt(hi - lo + 1);
        };
    }

    /** @return lo - 1 or hi + 1 when in 0..65535, else -1. */
    private static int outsideRange(final SplittableRandom random, final int lo, final int hi)
    {
        final boolean below = random.nextBoolean() ? lo > 0 : hi == 65535;
        return below ? (lo > 0 ? lo - 1 : -1) : (hi < 65535 ? hi + 1 : -1);
    }

    /** @return {hi, lo} with bit {@code index} (0 = the most significant of 128) flipped. */
    private static long[] flipBit(final long hi, final long lo, final int index)
    {
        return index < 64 ? new long[] {hi ^ (1L << (63 - index)), lo} : new long[] {hi, lo ^ (1L << (127 - index))};
    }

    static long mapped(final int address)
    {
        return PacketMeta.IPV4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL);
    }
}
