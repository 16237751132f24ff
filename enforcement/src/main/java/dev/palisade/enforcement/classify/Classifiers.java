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
     * the tuple space ({@link TupleMergeClassifier}) on every ClassBench set measured; with rules that are not IPv4,
     * a {@link DualStackClassifier} (cut trees for IPv4 packets, a tuple space for the rest).
     */
    public static FiveTupleClassifier build(final List<FiveTupleRule> rules)
    {
        for (final FiveTupleRule rule : rules)
        {
            if (!rule.isIpv4())
            {
                // Mixed families (a policy's "any" and "world" are 128-bit): one structure per family.
                return new DualStackClassifier(rules, CutTreeClassifier::build);
            }
        }
        return CutTreeClassifier.build(rules);
    }
}
