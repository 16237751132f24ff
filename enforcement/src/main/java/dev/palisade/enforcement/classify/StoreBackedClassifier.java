package dev.palisade.enforcement.classify;

/**
 * What the fast classifiers share: a {@link RuleStore}, and the split by address family. IPv4 packets go to the
 * subclass's {@link #classifyIpv4}; any other packet can only match the store's non-IPv4 rules.
 */
abstract class StoreBackedClassifier implements FiveTupleClassifier
{
    protected final RuleStore store;

    StoreBackedClassifier(final RuleStore store)
    {
        this.store = store;
    }

    @Override
    public final int classify(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int protocol)
    {
        if (RuleStore.isMappedIpv4(srcHi, srcLo, dstHi, dstLo))
        {
            return classifyIpv4((int)srcLo, (int)dstLo, srcPort, dstPort, protocol);
        }
        return store.classifyOther(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
    }

    @Override
    public final int ruleCount()
    {
        return store.ruleCount;
    }
}
