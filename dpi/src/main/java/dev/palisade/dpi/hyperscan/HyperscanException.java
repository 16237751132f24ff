package dev.palisade.dpi.hyperscan;

/** A Hyperscan call failed; {@link #code()} is its return code (hs_common.h). */
public class HyperscanException extends RuntimeException
{
    private final int code;

    public HyperscanException(final String message, final int code)
    {
        super(message);
        this.code = code;
    }

    public int code()
    {
        return code;
    }
}
