package dev.palisade.dpi.engine;

/**
 * A worker's memory for TCP reassembly: every byte any of its streams holds is charged here, so the total stays
 * under the configured cap however many flows send data out of order at once. Single-threaded (one per worker).
 */
final class ReassemblyBudget
{
    private final long capBytes;
    private long usedBytes;
    private long peakBytes;
    long refusals;

    ReassemblyBudget(final long capBytes)
    {
        this.capBytes = capBytes;
    }

    boolean charge(final long bytes)
    {
        if (usedBytes + bytes > capBytes)
        {
            refusals++;
            return false;
        }
        usedBytes += bytes;
        peakBytes = Math.max(peakBytes, usedBytes);
        return true;
    }

    void release(final long bytes)
    {
        usedBytes -= bytes;
    }

    long usedBytes()
    {
        return usedBytes;
    }

    long peakBytes()
    {
        return peakBytes;
    }
}
