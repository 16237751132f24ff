package dev.palisade.policy.compile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressSetTest
{
    private static final long SEED = Long.getLong("palisade.property.seed", 0x5EED_F00DL);

    static Prefix v4(final int a, final int b, final int c, final int d, final int length)
    {
        final long address = ((long)a << 24) | (b << 16) | (c << 8) | d;
        return new Prefix(0, 0x0000_FFFF_0000_0000L | address, 96 + length);
    }

    @Test
    void normalisesContainedAndSiblingPrefixes()
    {
        final AddressSet set = AddressSet.of(List.of(v4(10, 0, 0, 0, 8), v4(10, 1, 0, 0, 16), v4(192, 168, 0, 0, 24),
            v4(192, 168, 1, 0, 24)));
        assertEquals(List.of(v4(10, 0, 0, 0, 8), v4(192, 168, 0, 0, 23)), set.prefixes());
        assertEquals(set, AddressSet.of(List.of(v4(192, 168, 1, 0, 24), v4(10, 0, 0, 0, 8), v4(192, 168, 0, 0, 24))),
            "order of input does not matter");
    }

    @Test
    void complementOfNothingIsEverythingAndBack()
    {
        assertEquals(AddressSet.ALL, AddressSet.EMPTY.complement());
        assertEquals(AddressSet.EMPTY, AddressSet.ALL.complement());
    }

    /** Random sets: membership is kept by normalisation and exactly inverted by the complement. */
    @Test
    void complementHoldsExactlyTheOtherAddresses()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            final SplittableRandom random = new SplittableRandom(SEED + attempt);
            final List<Prefix> prefixes = new ArrayList<>();
            final int count = 1 + random.nextInt(12);
            for (int i = 0; i < count; i++)
            {
                final boolean ipv4 = random.nextInt(4) != 0;
                prefixes.add(ipv4 ? new Prefix(0, 0x0000_FFFF_0000_0000L | (random.nextLong() & 0xFFFF_FFFFL),
                    96 + random.nextInt(33)) : new Prefix(random.nextLong(), random.nextLong(), random.nextInt(129)));
            }
            final AddressSet set = AddressSet.of(prefixes);
            final AddressSet complement = set.complement();
            for (int probe = 0; probe < 200; probe++)
            {
                // Probe near the prefixes' edges as well as at random.
                final Prefix near = prefixes.get(random.nextInt(prefixes.size()));
                final long hi = random.nextBoolean() ? near.hi() : random.nextLong();
                final long lo = random.nextBoolean() ? near.lo() | (random.nextLong() & ~Prefix.maskLo(near.length())) :
                    random.nextLong();
                boolean expected = false;
                for (final Prefix prefix : prefixes)
                {
                    expected |= prefix.contains(new Prefix(hi, lo, 128));
                }
                final String what = "seed " + (SEED + attempt) + " probe " + probe;
                assertEquals(expected, set.contains(hi, lo), what + ": normalised set");
                assertEquals(!expected, complement.contains(hi, lo), what + ": complement");
            }
            assertEquals(set, complement.complement(), "seed " + (SEED + attempt) + ": double complement");
        }
    }

    /** The merge walks of intersects and containsAll agree with checking every pair of prefixes. */
    @Test
    void intersectsAndContainsAllAgreeWithEveryPair()
    {
        for (int attempt = 0; attempt < 2000; attempt++)
        {
            final SplittableRandom random = new SplittableRandom(SEED + attempt);
            final AddressSet a = randomSet(random);
            final AddressSet b = random.nextInt(4) == 0 ? AddressSet.of(subsetOf(a, random)) : randomSet(random);
            boolean intersects = false;
            for (final Prefix x : a.prefixes())
            {
                for (final Prefix y : b.prefixes())
                {
                    intersects |= x.intersects(y);
                }
            }
            boolean containsAll = true;
            for (final Prefix y : b.prefixes())
            {
                boolean inside = false;
                for (final Prefix x : a.prefixes())
                {
                    inside |= x.contains(y);
                }
                containsAll &= inside;
            }
            final String what = "seed " + (SEED + attempt) + ": " + a + " and " + b;
            assertEquals(intersects, a.intersects(b), what);
            assertEquals(intersects, b.intersects(a), what);
            assertEquals(containsAll, a.containsAll(b), what);
        }
    }

    private static AddressSet randomSet(final SplittableRandom random)
    {
        // A small address space (10.0.0.0/16 or a /112) so that random sets often meet.
        final List<Prefix> prefixes = new ArrayList<>();
        final int count = random.nextInt(10);
        final boolean ipv4 = random.nextBoolean();
        for (int i = 0; i < count; i++)
        {
            prefixes.add(ipv4 ? v4(10, 0, random.nextInt(256), random.nextInt(256), 16 + random.nextInt(17)) :
                new Prefix(0x2001_0db8_0000_0000L, random.nextLong() & 0xFFFFL, 112 + random.nextInt(17)));
        }
        return AddressSet.of(prefixes);
    }

    private static List<Prefix> subsetOf(final AddressSet set, final SplittableRandom random)
    {
        final List<Prefix> out = new ArrayList<>();
        for (final Prefix prefix : set.prefixes())
        {
            if (random.nextBoolean())
            {
                out.add(prefix.length() < 128 && random.nextBoolean() ? prefix.halves()[random.nextInt(2)] : prefix);
            }
        }
        return out;
    }

    @Test
    void halvesSplitAtTheRightBit()
    {
        final Prefix[] v4Halves = v4(10, 0, 0, 0, 8).halves();
        assertEquals(v4(10, 0, 0, 0, 9), v4Halves[0]);
        assertEquals(v4(10, 128, 0, 0, 9), v4Halves[1]);
        final Prefix[] top = Prefix.ALL.halves();
        assertTrue(top[0].contains(new Prefix(0, 0, 128)));
        assertFalse(top[0].contains(new Prefix(Long.MIN_VALUE, 0, 128)));
        assertTrue(top[1].contains(new Prefix(Long.MIN_VALUE, 0, 128)));
    }
}
