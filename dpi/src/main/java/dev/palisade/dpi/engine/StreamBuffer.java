package dev.palisade.dpi.engine;

import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * One direction of a TCP connection, reassembled: bytes are delivered in sequence order whatever order segments
 * arrive in, so a signature split across segments (or sent out of order) still matches.
 * <ul>
 * <li><b>Window.</b> The in-order bytes are kept in {@link #window}, which holds stream positions
 *     {@link #windowBase} to {@link #end}. After each inspection only the last {@code retainBytes} are kept (how far a
 *     match may reach back into data already inspected); positions are 64-bit stream offsets, so offset/depth in rules
 *     keep their meaning for the whole connection.</li>
 * <li><b>Out of order.</b> A segment ahead of {@link #end} is copied aside (sorted by position) up to
 *     {@code maxPendingBytes} per direction; the first copy of a byte wins, as in Linux and Suricata's default for
 *     data already delivered. Retransmissions of delivered bytes are dropped; ones that differ from what was delivered
 *     are counted ({@link #overlapsDiffering}), as they are how evasion by overlap is attempted.</li>
 * <li><b>Gaps.</b> When the bytes ahead of a hole cannot be held any longer, or the direction ends with a hole, the
 *     hole is skipped ({@link #skipGap}): what follows is inspected on its own, and nothing matches across it.</li>
 * <li><b>Memory.</b> Every byte held is charged to the worker's {@link ReassemblyBudget}; when it is spent, this
 *     direction stops being reassembled (its packets are then inspected one by one) rather than anything failing.</li>
 * </ul>
 * Sequence numbers are compared modulo 2^32.
 */
final class StreamBuffer
{
    /** Result of {@link #accept}. */
    static final int ACCEPTED = 0;
    /** Nothing new (a retransmission, or data before the start). */
    static final int OLD = 1;
    /** Held out of order, waiting for the bytes before it. */
    static final int HELD = 2;
    /** Ahead of a hole that cannot be waited on: call {@link #skipGap} and offer the segment again. */
    static final int NEEDS_GAP_SKIP = 3;
    /** Not reassembled (memory budget spent, or stopped). */
    static final int NOT_TRACKED = 4;

    private static final int INITIAL_CAPACITY = 512;

    boolean active;
    /** The stream stopped being reassembled: memory ran out or the depth was reached. */
    boolean stopped;
    boolean finished;
    /** Sequence number of stream position {@link #end}. */
    private long nextSeq;
    /** Stream position of the next byte expected. */
    long end;
    byte[] window;
    long windowBase;
    /** Stream position up to which stream rules have run. */
    long inspected;
    private long[] pendingPosition = new long[0];
    private byte[][] pendingData = new byte[0][];
    private int pendingCount;
    private int pendingBytes;
    long gaps;
    long gapBytes;
    long overlapsDiffering;
    private ReassemblyBudget budget;
    private int chargedBytes;

    /** Starts the direction with the byte at sequence number {@code seq} as stream position 0. */
    void start(final long seq, final ReassemblyBudget budget)
    {
        release();
        this.budget = budget;
        active = true;
        stopped = false;
        finished = false;
        nextSeq = seq & 0xFFFF_FFFFL;
        end = 0;
        windowBase = 0;
        inspected = 0;
        gaps = 0;
        gapBytes = 0;
        overlapsDiffering = 0;
    }

    /** Frees what this direction holds and marks it inactive. */
    void release()
    {
        if (budget != null)
        {
            budget.release(chargedBytes);
        }
        chargedBytes = 0;
        window = null;
        Arrays.fill(pendingData, 0, pendingCount, null);
        pendingCount = 0;
        pendingBytes = 0;
        active = false;
    }

    int windowLength()
    {
        return (int)(end - windowBase);
    }

    boolean hasPending()
    {
        return pendingCount > 0;
    }

    /**
     * Offers a segment.
     *
     * @param seq             its sequence number.
     * @param maxPendingBytes bytes this direction may hold out of order.
     * @return {@link #ACCEPTED} when {@link #end} moved, else why not.
     */
    int accept(final long seq, final DirectBuffer buffer, final int offset, final int length,
        final int retainBytes, final int maxPendingBytes)
    {
        if (!active || stopped)
        {
            return NOT_TRACKED;
        }
        final int delta = (int)(seq - nextSeq); // modulo 2^32, signed
        final long position = end + delta;
        if (position + length <= end)
        {
            compareOverlap(position, buffer, offset, length);
            return OLD;
        }
        if (position > end)
        {
            return hold(position, buffer, offset, length, maxPendingBytes);
        }
        final int skip = (int)(end - position);
        compareOverlap(position, buffer, offset, skip);
        if (!append(buffer, offset + skip, length - skip, retainBytes))
        {
            return NOT_TRACKED;
        }
        drainPending(retainBytes);
        return stopped ? NOT_TRACKED : ACCEPTED;
    }

    /** Compares bytes sent again with what the window still holds of them, counting a difference. */
    private void compareOverlap(final long position, final DirectBuffer buffer, final int offset, final int length)
    {
        if (window == null)
        {
            return;
        }
        final long from = Math.max(position, windowBase);
        final long to = Math.min(position + length, end);
        for (long p = from; p < to; p++)
        {
            if (window[(int)(p - windowBase)] != buffer.getByte(offset + (int)(p - position)))
            {
                overlapsDiffering++;
                return;
            }
        }
    }

    private int hold(final long position, final DirectBuffer buffer, final int offset, final int length,
        final int maxPendingBytes)
    {
        if (pendingBytes + length > maxPendingBytes || !budget.charge(length))
        {
            return NEEDS_GAP_SKIP;
        }
        chargedBytes += length;
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        int at = pendingCount;
        while (at > 0 && pendingPosition[at - 1] > position)
        {
            at--;
        }
        if (pendingCount == pendingPosition.length)
        {
            final int capacity = Math.max(4, pendingCount * 2);
            pendingPosition = Arrays.copyOf(pendingPosition, capacity);
            pendingData = Arrays.copyOf(pendingData, capacity);
        }
        System.arraycopy(pendingPosition, at, pendingPosition, at + 1, pendingCount - at);
        System.arraycopy(pendingData, at, pendingData, at + 1, pendingCount - at);
        pendingPosition[at] = position;
        pendingData[at] = copy;
        pendingCount++;
        pendingBytes += length;
        return HELD;
    }

    private void drainPending(final int retainBytes)
    {
        while (pendingCount > 0 && pendingPosition[0] <= end && !stopped)
        {
            final long position = pendingPosition[0];
            final byte[] data = pendingData[0];
            removeFirstPending();
            if (position + data.length > end)
            {
                final int skip = (int)(end - position);
                appendArray(data, skip, data.length - skip, retainBytes);
            }
        }
    }

    private void removeFirstPending()
    {
        final int length = pendingData[0].length;
        pendingBytes -= length;
        chargedBytes -= length;
        budget.release(length);
        pendingCount--;
        System.arraycopy(pendingPosition, 1, pendingPosition, 0, pendingCount);
        System.arraycopy(pendingData, 1, pendingData, 0, pendingCount);
        pendingData[pendingCount] = null;
    }

    /**
     * Skips the hole before the first held segment (or, with nothing held, just marks the data before as ended), so
     * that what follows can be inspected. The window restarts after the hole: nothing matches across it.
     *
     * @return the hole's length in bytes, or -1 when nothing is held.
     */
    long skipGap(final int retainBytes)
    {
        if (pendingCount == 0)
        {
            return -1;
        }
        final long hole = pendingPosition[0] - end;
        nextSeq = (nextSeq + hole) & 0xFFFF_FFFFL;
        end += hole;
        windowBase = end;
        inspected = end;
        gaps++;
        gapBytes += hole;
        drainPending(retainBytes);
        return hole;
    }

    /**
     * Gives up the unknown bytes between {@link #end} and {@code seq} (a segment that cannot be held arrived ahead of
     * a hole, with nothing else held): the stream goes on at {@code seq}.
     *
     * @return the hole's length.
     */
    long jumpTo(final long seq)
    {
        final long hole = (seq - nextSeq) & 0xFFFF_FFFFL;
        nextSeq = seq & 0xFFFF_FFFFL;
        end += hole;
        windowBase = end;
        inspected = end;
        gaps++;
        gapBytes += hole;
        return hole;
    }

    /** Keeps only what a later match may reach back into: the last {@code retainBytes} before {@link #inspected}. */
    void trim(final int retainBytes)
    {
        final long keepFrom = Math.max(windowBase, inspected - retainBytes);
        if (keepFrom > windowBase && window != null)
        {
            final int drop = (int)(keepFrom - windowBase);
            final int keep = windowLength() - drop;
            System.arraycopy(window, drop, window, 0, keep);
            windowBase = keepFrom;
            // Shrink an array grown for a burst once the burst is gone, so idle flows stay small.
            if (window.length > 4 * Math.max(INITIAL_CAPACITY, keep) && window.length > 2 * retainBytes)
            {
                resize(Math.max(INITIAL_CAPACITY, Integer.highestOneBit(Math.max(keep, 1)) * 2));
            }
        }
    }

    private boolean append(final DirectBuffer buffer, final int offset, final int length, final int retainBytes)
    {
        if (!ensure(length, retainBytes))
        {
            return false;
        }
        buffer.getBytes(offset, window, windowLength(), length);
        end += length;
        nextSeq = (nextSeq + length) & 0xFFFF_FFFFL;
        return true;
    }

    private void appendArray(final byte[] data, final int offset, final int length, final int retainBytes)
    {
        if (!ensure(length, retainBytes))
        {
            return;
        }
        System.arraycopy(data, offset, window, windowLength(), length);
        end += length;
        nextSeq = (nextSeq + length) & 0xFFFF_FFFFL;
    }

    private boolean ensure(final int extra, final int retainBytes)
    {
        final int needed = windowLength() + extra;
        if (window != null && needed <= window.length)
        {
            return true;
        }
        int capacity = window == null ? INITIAL_CAPACITY : window.length;
        while (capacity < needed)
        {
            capacity *= 2;
        }
        final int old = window == null ? 0 : window.length;
        if (!budget.charge(capacity - old))
        {
            stop();
            return false;
        }
        chargedBytes += capacity - old;
        window = window == null ? new byte[capacity] : Arrays.copyOf(window, capacity);
        return true;
    }

    private void resize(final int capacity)
    {
        final int old = window.length;
        window = Arrays.copyOf(window, capacity);
        budget.release(old - capacity);
        chargedBytes -= old - capacity;
    }

    /** Stops reassembling this direction (memory budget, depth), freeing what it holds. */
    void stop()
    {
        release();
        active = true; // still known, but not reassembled: packets go to packet inspection
        stopped = true;
    }

    /** Bytes this direction holds (window capacity and out-of-order copies). */
    int heldBytes()
    {
        return chargedBytes;
    }
}
