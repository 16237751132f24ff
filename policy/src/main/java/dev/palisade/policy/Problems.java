package dev.palisade.policy;

import dev.palisade.policy.model.SourceLocation;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Collects the problems of one run, up to a cap; a problem reported twice at one place (via an alias) counts once. */
final class Problems
{
    private final String source;
    private final int max;
    private final Set<PolicyProblem> problems = new LinkedHashSet<>();
    private boolean truncated;

    Problems(final String source, final int max)
    {
        this.source = source;
        this.max = max;
    }

    String source()
    {
        return source;
    }

    boolean any()
    {
        return !problems.isEmpty();
    }

    void add(final SourceLocation at, final String message)
    {
        final PolicyProblem problem = new PolicyProblem(at, message);
        if (problems.contains(problem))
        {
            return;
        }
        if (problems.size() == max)
        {
            truncated = true;
            return;
        }
        problems.add(problem);
    }

    void add(final Node node, final String message)
    {
        add(at(node), message);
    }

    SourceLocation at(final Node node)
    {
        return at(node.getStartMark());
    }

    /** SnakeYAML marks are 0-based; locations are 1-based. */
    SourceLocation at(final Optional<Mark> mark)
    {
        return mark.map(m -> at(m.getLine() + 1, m.getColumn() + 1)).orElseGet(this::start);
    }

    SourceLocation at(final int line, final int column)
    {
        return new SourceLocation(source, line, column);
    }

    SourceLocation start()
    {
        return at(1, 1);
    }

    /** The rejection, problems in document order. Fails closed: called with no problem, it still rejects. */
    PolicyException toException()
    {
        if (problems.isEmpty())
        {
            add(start(), "internal error: the policy was rejected without a reason; please report this");
        }
        final List<PolicyProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt((PolicyProblem p) -> p.at().line()).thenComparingInt(p -> p.at().column()));
        return new PolicyException(sorted, truncated);
    }
}
