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
