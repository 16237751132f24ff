package dev.palisade.policy;

import java.util.List;

/**
 * A policy document was rejected. Carries every problem found in one run (in document order, at most
 * {@link PolicyParser#MAX_PROBLEMS}; {@link #truncated()} says whether more were left out). An expected outcome for
 * untrusted input, so it is checked and carries no stack trace.
 */
public final class PolicyException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final List<PolicyProblem> problems;
    private final boolean truncated;

    public PolicyException(final List<PolicyProblem> problems, final boolean truncated)
    {
        super(render(problems, truncated), null, false, false);
        if (problems.isEmpty())
        {
            throw new IllegalArgumentException("a rejection needs at least one problem");
        }
        this.problems = List.copyOf(problems);
        this.truncated = truncated;
    }

    /** The problems, in document order; never empty. */
    public List<PolicyProblem> problems()
    {
        return problems;
    }

    /** True when the document had more problems than were collected. */
    public boolean truncated()
    {
        return truncated;
    }

    private static String render(final List<PolicyProblem> problems, final boolean truncated)
    {
        final StringBuilder out = new StringBuilder();
        for (final PolicyProblem problem : problems)
        {
            if (out.length() > 0)
            {
                out.append('\n');
            }
            out.append(problem);
        }
        if (truncated)
        {
            out.append("\n(more problems not shown; stopped after ").append(problems.size()).append(')');
        }
        return out.toString();
    }
}
