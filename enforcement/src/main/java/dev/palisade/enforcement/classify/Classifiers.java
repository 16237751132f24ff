package dev.palisade.enforcement.classify;

import java.util.List;

/** Builds the classifier the data plane uses for a rule list. */
public final class Classifiers
{
    private Classifiers()
    {
    }

    /**
     * Builds the fast classifier for {@code rules} (first match wins, in list order): separable cut trees, which beat
     * the tuple space ({@link TupleMergeClassifier}) on every ClassBench set measured.
     */
    public static FiveTupleClassifier build(final List<FiveTupleRule> rules)
    {
        return CutTreeClassifier.build(rules);
    }
}
