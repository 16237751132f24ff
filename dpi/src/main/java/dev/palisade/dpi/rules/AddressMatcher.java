package dev.palisade.dpi.rules;

import java.util.List;

/**
 * A rule header's address expression: {@code any}, a CIDR, a list {@code [a,b,!c]}, or a negation. A list matches
 * an address that one of its positive items matches (any address when it has none) and none of its negative items
 * does, as in Suricata. Addresses are 128-bit, IPv4 mapped into {@code ::ffff:0:0/96}.
 */
public sealed interface AddressMatcher
{
    AddressMatcher ANY = new Any();

    boolean matches(long hi, long lo);

    record Any() implements AddressMatcher
    {
        @Override
        public boolean matches(final long hi, final long lo)
        {
            return true;
        }
    }

    record Cidr(long hi, long lo, int length) implements AddressMatcher
    {
        @Override
        public boolean matches(final long addressHi, final long addressLo)
        {
            final long maskHi = length >= 64 ? -1L : length == 0 ? 0 : -1L << (64 - length);
            final long maskLo = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
            return (addressHi & maskHi) == hi && (addressLo & maskLo) == lo;
        }
    }

    record Not(AddressMatcher inner) implements AddressMatcher
    {
        @Override
        public boolean matches(final long hi, final long lo)
        {
            return !inner.matches(hi, lo);
        }
    }

    record Group(List<AddressMatcher> items) implements AddressMatcher
    {
        @Override
        public boolean matches(final long hi, final long lo)
        {
            boolean anyPositive = false;
            boolean positiveMatch = false;
            for (final AddressMatcher item : items)
            {
                if (item instanceof Not not)
                {
                    if (not.inner().matches(hi, lo))
                    {
                        return false;
                    }
                }
                else
                {
                    anyPositive = true;
                    positiveMatch |= item.matches(hi, lo);
                }
            }
            return !anyPositive || positiveMatch;
        }
    }
}
