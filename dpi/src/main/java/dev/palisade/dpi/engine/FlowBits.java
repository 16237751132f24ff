package dev.palisade.dpi.engine;

/** A flow's flowbits: a growable bit set indexed by the engine-wide id of each flowbit name. */
final class FlowBits
{
    private long[] words = new long[1];

    boolean get(final int bit)
    {
        final int w = bit >>> 6;
        return w < words.length && (words[w] & (1L << bit)) != 0;
    }

    void set(final int bit)
    {
        ensure(bit);
        words[bit >>> 6] |= 1L << bit;
    }

    void clear(final int bit)
    {
        final int w = bit >>> 6;
        if (w < words.length)
        {
            words[w] &= ~(1L << bit);
        }
    }

    void toggle(final int bit)
    {
        ensure(bit);
        words[bit >>> 6] ^= 1L << bit;
    }

    boolean anySet(final int[] bits)
    {
        for (final int bit : bits)
        {
            if (get(bit))
            {
                return true;
            }
        }
        return false;
    }

    boolean allSet(final int[] bits)
    {
        for (final int bit : bits)
        {
            if (!get(bit))
            {
                return false;
            }
        }
        return true;
    }

    void reset()
    {
        java.util.Arrays.fill(words, 0);
    }

    private void ensure(final int bit)
    {
        final int w = bit >>> 6;
        if (w >= words.length)
        {
            words = java.util.Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
        }
    }
}
