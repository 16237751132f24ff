package dev.palisade.dpi.hyperscan;

/**
 * A pattern did not compile. {@link #expression()} is the index, in the list given to {@link Database#compile}, of
 * the expression at fault, or -1 when the failure is not one expression's (for example, the set is too large).
 */
public final class CompileException extends HyperscanException
{
    private final int expression;
    private final String reason;

    public CompileException(final int expression, final String reason, final String pattern)
    {
        super(expression < 0 ? "pattern set does not compile: " + reason :
            "expression " + expression + (pattern == null ? "" : " /" + pattern + "/") + " does not compile: " + reason,
            HyperscanNative.HS_COMPILER_ERROR);
        this.expression = expression;
        this.reason = reason;
    }

    public int expression()
    {
        return expression;
    }

    /** Hyperscan's own message, such as "Unmatched parentheses." */
    public String reason()
    {
        return reason;
    }
}
