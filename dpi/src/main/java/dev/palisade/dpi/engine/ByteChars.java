package dev.palisade.dpi.engine;

/**
 * Bytes seen as ISO-8859-1 characters (one char per byte, no copy) for java.util.regex, with a budget of character
 * reads: a regular expression that backtracks catastrophically on crafted input is stopped instead of stalling the
 * worker.
 */
final class ByteChars implements CharSequence
{
    /** Thrown (preallocated, no stack trace) when the read budget runs out. */
    static final class BudgetExhausted extends RuntimeException
    {
        static final BudgetExhausted INSTANCE = new BudgetExhausted();

        private BudgetExhausted()
        {
            super("regular expression read budget exhausted", null, false, false);
        }
    }

    private byte[] data;
    private int from;
    private int length;
    private long[] budget = new long[1];

    ByteChars()
    {
    }

    private ByteChars(final byte[] data, final int from, final int length, final long[] budget)
    {
        this.data = data;
        this.from = from;
        this.length = length;
        this.budget = budget;
    }

    void reset(final byte[] data, final int from, final int length, final long readBudget)
    {
        this.data = data;
        this.from = from;
        this.length = length;
        this.budget[0] = readBudget;
    }

    @Override
    public int length()
    {
        return length;
    }

    @Override
    public char charAt(final int index)
    {
        if (--budget[0] < 0)
        {
            throw BudgetExhausted.INSTANCE;
        }
        return (char)(data[from + index] & 0xFF);
    }

    @Override
    public CharSequence subSequence(final int start, final int end)
    {
        return new ByteChars(data, from + start, end - start, budget);
    }

    @Override
    public String toString()
    {
        return new String(data, from, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
