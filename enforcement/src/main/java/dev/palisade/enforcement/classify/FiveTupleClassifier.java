package dev.palisade.enforcement.classify;

/**
 * First-match classification: the index of the first rule (in priority order) that matches a packet, or
 * {@link #NO_MATCH}. Implementations are immutable once built and safe to read from many threads.
 */
public interface FiveTupleClassifier
{
    int NO_MATCH = -1;

    /** Addresses in {@link dev.palisade.enforcement.packet.PacketMeta}'s 128-bit form. */
    int classify(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int protocol);

    /** IPv4 addresses as unsigned 32-bit values in an int. Same answer as {@link #classify} on the mapped form. */
    int classifyIpv4(int src, int dst, int srcPort, int dstPort, int protocol);

    int ruleCount();

    /** @return an estimate of the memory the lookup structures hold, in bytes. */
    long memoryBytes();
}
