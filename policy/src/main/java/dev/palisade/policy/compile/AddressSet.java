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
        for (final Prefix prefix : other.prefixes)
        {
            boolean inside = false;
            for (final Prefix mine : prefixes)
            {
                if (mine.contains(prefix))
                {
                    inside = true;
                    break;
                }
            }
            if (!inside)
            {
                return false;
            }
        }
        return true;
    }

    /** @return whether some address is in both sets. */
    public boolean intersects(final AddressSet other)
    {
        for (final Prefix prefix : other.prefixes)
        {
            for (final Prefix mine : prefixes)
            {
                if (mine.intersects(prefix))
                {
                    return true;
                }
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
