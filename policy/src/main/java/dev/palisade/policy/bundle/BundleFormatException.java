package dev.palisade.policy.bundle;

/**
 * Bytes that are not a well-formed bundle or key statement: says what was expected, and at which byte offset, so that
 * a damaged file can be told from a tampered one.
 */
public final class BundleFormatException extends Exception
{
    private final int offset;
    private final String detail;

    public BundleFormatException(final int offset, final String detail)
    {
        super(detail + " (at byte " + offset + ")");
        this.offset = offset;
        this.detail = detail;
    }

    /** @return what was wrong, without the offset. */
    public String detail()
    {
        return detail;
    }

    /** @return the byte offset at which reading failed. */
    public int offset()
    {
        return offset;
    }
}
