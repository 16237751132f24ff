package dev.palisade.enforcement.counters;

import dev.palisade.enforcement.packet.MalformedReason;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One worker's counters: single writer (the worker), any number of readers. Writes are release-ordered stores, which
 * on x86 and Arm cost no more than plain stores; reads are volatile, so a reader on another thread sees recent values.
 * Each counter has its own cache line so that readers polling one worker do not slow it down.
 */
public final class WorkerCounters
{
    public static final int SLOTS = Counter.MALFORMED_BASE + 64;
    private static final int STRIDE = 64;

    /** Held so the memory lives as long as the counters (the buffer wraps a raw address). */
    private final OffHeapRegion memory = new OffHeapRegion(SLOTS * STRIDE);
    private final UnsafeBuffer values = memory.buffer();

    public void increment(final int id)
    {
        final int index = id * STRIDE;
        values.putLongRelease(index, values.getLong(index) + 1);
    }

    public void add(final int id, final long delta)
    {
        final int index = id * STRIDE;
        values.putLongRelease(index, values.getLong(index) + delta);
    }

    public void increment(final Counter counter)
    {
        increment(counter.id());
    }

    public void incrementMalformed(final int reasonId)
    {
        increment(Counter.MALFORMED_BASE + reasonId);
        increment(Counter.MALFORMED.id());
    }

    public long get(final int id)
    {
        return values.getLongVolatile(id * STRIDE);
    }

    public long get(final Counter counter)
    {
        return get(counter.id());
    }

    public long malformed(final MalformedReason reason)
    {
        return get(Counter.MALFORMED_BASE + reason.id());
    }

    /** Sums one counter over several workers' counters. */
    public static long sum(final WorkerCounters[] all, final int id)
    {
        long total = 0;
        for (final WorkerCounters counters : all)
        {
            total += counters.get(id);
        }
        return total;
    }
}
