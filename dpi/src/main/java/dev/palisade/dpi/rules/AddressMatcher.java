package dev.palisade.dpi.rules;

import dev.palisade.policy.compile.Prefix;

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

    /** A prefix; host bits are cleared (rules may write 10.1.2.3/8, which Suricata reads as 10.0.0.0/8). */
    record Cidr(long hi, long lo, int length) implements AddressMatcher
    {
        public Cidr
        {
            hi &= Prefix.maskHi(length);
            lo &= Prefix.maskLo(length);
        }

        @Override
        public boolean matches(final long addressHi, final long addressLo)
        {
            return (addressHi & Prefix.maskHi(length)) == hi && (addressLo & Prefix.maskLo(length)) == lo;
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
