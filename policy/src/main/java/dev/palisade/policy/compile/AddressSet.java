package dev.palisade.policy.compile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * A set of addresses as a normal list of prefixes: sorted, none inside another, sibling halves merged. Two equal sets
 * have equal lists, which is what makes compiled policies deterministic.
 */
public final class AddressSet
{
    public static final AddressSet EMPTY = new AddressSet(List.of());
    public static final AddressSet ALL = new AddressSet(List.of(Prefix.ALL));

    private final List<Prefix> prefixes;

    private AddressSet(final List<Prefix> normal)
    {
        this.prefixes = List.copyOf(normal);
    }

    public static AddressSet of(final Collection<Prefix> prefixes)
    {
        // Drop prefixes inside others, then merge sibling pairs until none remain.
        final TreeSet<Prefix> sorted = new TreeSet<>(prefixes);
        List<Prefix> current = new ArrayList<>();
        for (final Prefix prefix : sorted)
        {
            if (current.isEmpty() || !current.get(current.size() - 1).contains(prefix))
            {
                current.add(prefix);
            }
        }
        boolean merged = true;
        while (merged)
        {
            merged = false;
            final List<Prefix> next = new ArrayList<>(current.size());
            for (int i = 0; i < current.size(); i++)
            {
                final Prefix a = current.get(i);
                if (i + 1 < current.size() && a.length() > 0)
                {
                    final Prefix b = current.get(i + 1);
                    final Prefix parent = new Prefix(a.hi(), a.lo(), a.length() - 1);
                    final Prefix[] halves = parent.halves();
                    if (b.length() == a.length() && a.equals(halves[0]) && b.equals(halves[1]))
                    {
                        next.add(parent);
                        i++;
                        merged = true;
                        continue;
                    }
                }
                next.add(a);
            }
            // A merged parent may now contain its successor or follow its own container: renormalise containment.
            current = new ArrayList<>();
            for (final Prefix prefix : new TreeSet<>(next))
            {
                if (current.isEmpty() || !current.get(current.size() - 1).contains(prefix))
                {
                    current.add(prefix);
                }
            }
        }
        return new AddressSet(current);
    }

    public static AddressSet union(final Collection<AddressSet> sets)
    {
        final List<Prefix> all = new ArrayList<>();
        for (final AddressSet set : sets)
        {
            all.addAll(set.prefixes);
        }
        return of(all);
    }

    public List<Prefix> prefixes()
    {
        return prefixes;
    }

    public boolean isEmpty()
    {
        return prefixes.isEmpty();
    }

    public boolean contains(final long hi, final long lo)
    {
        final Prefix host = new Prefix(hi, lo, 128);
        for (final Prefix prefix : prefixes)
        {
            if (prefix.contains(host))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether every address of {@code other} is in this set. Exact because both are normal: a prefix covered
     * by a normal set lies inside one of its prefixes (otherwise its covering pieces would have been merged).
     */
    public boolean containsAll(final AddressSet other)
    {
        // Both lists are sorted by start address and their prefixes are disjoint, so one forward walk finds, for each
        // of other's prefixes, the only one of ours that could hold it: the first that does not end before it starts.
        int i = 0;
        for (final Prefix prefix : other.prefixes)
        {
            while (i < prefixes.size() && endsBefore(prefixes.get(i), prefix.hi(), prefix.lo()))
            {
                i++;
            }
            if (i == prefixes.size() || !prefixes.get(i).contains(prefix))
            {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code prefix}'s last address is below the address (hi, lo). */
    private static boolean endsBefore(final Prefix prefix, final long hi, final long lo)
    {
        final long endHi = prefix.hi() | ~Prefix.maskHi(prefix.length());
        final long endLo = prefix.lo() | ~Prefix.maskLo(prefix.length());
        final int c = Long.compareUnsigned(endHi, hi);
        return c < 0 || (c == 0 && Long.compareUnsigned(endLo, lo) < 0);
    }

    /** @return whether {@code a}'s last address is below {@code b}'s. */
    private static boolean endsFirst(final Prefix a, final Prefix b)
    {
        return endsBefore(a, b.hi() | ~Prefix.maskHi(b.length()), b.lo() | ~Prefix.maskLo(b.length()));
    }

    /** @return whether some address is in both sets. */
    public boolean intersects(final AddressSet other)
    {
        // A merge walk over two sorted lists of disjoint prefixes: two prefixes that do not intersect lie one before
        // the other, and the one that ends first cannot meet anything later in the other list.
        int i = 0;
        int j = 0;
        while (i < prefixes.size() && j < other.prefixes.size())
        {
            final Prefix mine = prefixes.get(i);
            final Prefix theirs = other.prefixes.get(j);
            if (mine.intersects(theirs))
            {
                return true;
            }
            if (endsFirst(mine, theirs))
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return false;
    }

    /** Every address not in this set, as few prefixes as the binary split gives. */
    public AddressSet complement()
    {
        final List<Prefix> out = new ArrayList<>();
        complement(Prefix.ALL, out);
        return of(out);
    }

    private void complement(final Prefix block, final List<Prefix> out)
    {
        boolean intersects = false;
        for (final Prefix prefix : prefixes)
        {
            if (prefix.contains(block))
            {
                return; // wholly inside the set
            }
            intersects |= block.contains(prefix);
        }
        if (!intersects)
        {
            out.add(block);
            return;
        }
        for (final Prefix half : block.halves())
        {
            complement(half, out);
        }
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof AddressSet set && set.prefixes.equals(prefixes);
    }

    @Override
    public int hashCode()
    {
        return prefixes.hashCode();
    }

    @Override
    public String toString()
    {
        return prefixes.toString();
    }
}
