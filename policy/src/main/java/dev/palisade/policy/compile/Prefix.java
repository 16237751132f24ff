package dev.palisade.policy.compile;

/**
 * A 128-bit address prefix (IPv4 mapped into {@code ::ffff:0:0/96}), host bits zero. Ordered by address, then by
 * length, which is the order compiled sets are written in.
 */
public record Prefix(long hi, long lo, int length) implements Comparable<Prefix>
{
    public static final Prefix ALL = new Prefix(0, 0, 0);

    public Prefix
    {
        if (length < 0 || length > 128)
        {
            throw new IllegalArgumentException("prefix length must be 0..128, was " + length);
        }
        hi &= maskHi(length);
        lo &= maskLo(length);
    }

    /** The prefix a parsed address or CIDR names. */
    public static Prefix of(final dev.palisade.policy.model.Cidr cidr)
    {
        return new Prefix(cidr.hi(), cidr.lo(), cidr.prefix());
    }

    public static long maskHi(final int length)
    {
        return length >= 64 ? -1L : length == 0 ? 0 : -1L << (64 - length);
    }

    public static long maskLo(final int length)
    {
        return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
    }

    /** @return whether this prefix contains {@code other} (equal prefixes contain each other). */
    public boolean contains(final Prefix other)
    {
        return other.length >= length && (other.hi & maskHi(length)) == hi && (other.lo & maskLo(length)) == lo;
    }

    public boolean intersects(final Prefix other)
    {
        return contains(other) || other.contains(this);
    }

    /** @return the two halves of this prefix (it must be shorter than 128). */
    public Prefix[] halves()
    {
        final int next = length + 1;
        final Prefix left = new Prefix(hi, lo, next);
        final Prefix right = next <= 64 ?
            new Prefix(hi | (1L << (64 - next)), lo, next) :
            new Prefix(hi, lo | (1L << (128 - next)), next);
        return new Prefix[] {left, right};
    }

    @Override
    public int compareTo(final Prefix other)
    {
        int c = Long.compareUnsigned(hi, other.hi);
        if (c == 0)
        {
            c = Long.compareUnsigned(lo, other.lo);
        }
        return c != 0 ? c : Integer.compare(length, other.length);
    }
}
