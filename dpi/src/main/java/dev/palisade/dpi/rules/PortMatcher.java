package dev.palisade.dpi.rules;

import java.util.List;

/** A rule header's port expression: {@code any}, {@code 80}, {@code 1024:}, {@code :1023}, {@code [80,8080:8090]}, {@code !80}. */
public sealed interface PortMatcher
{
    PortMatcher ANY = new Any();

    boolean matches(int port);

    record Any() implements PortMatcher
    {
        @Override
        public boolean matches(final int port)
        {
            return true;
        }
    }

    record Span(int lo, int hi) implements PortMatcher
    {
        @Override
        public boolean matches(final int port)
        {
            return port >= lo && port <= hi;
        }
    }

    record Not(PortMatcher inner) implements PortMatcher
    {
        @Override
        public boolean matches(final int port)
        {
            return !inner.matches(port);
        }
    }

    record Group(List<PortMatcher> items) implements PortMatcher
    {
        @Override
        public boolean matches(final int port)
        {
            boolean anyPositive = false;
            boolean positiveMatch = false;
            for (final PortMatcher item : items)
            {
                if (item instanceof Not not)
                {
                    if (not.inner().matches(port))
                    {
                        return false;
                    }
                }
                else
                {
                    anyPositive = true;
                    positiveMatch |= item.matches(port);
                }
            }
            return !anyPositive || positiveMatch;
        }
    }
}
