package dev.palisade.enforcement.classify;

import java.io.IOException;

/**
 * A ClassBench rule or trace file that does not parse. The message names the file, the 1-based line and column of
 * the problem and what was expected there, e.g. {@code "acl1: line 12, column 20: source prefix length 33 is over 32"}.
 */
public final class ClassBenchFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String problem;

    public ClassBenchFormatException(final String source, final int line, final int column, final String problem)
    {
        super(source + ": line " + line + ", column " + column + ": " + problem);
        this.source = source;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    /** @return the file (or other source) name the message starts with. */
    public String source()
    {
        return source;
    }

    /** @return the 1-based line number. */
    public int line()
    {
        return line;
    }

    /** @return the 1-based column (character position in the line; a tab counts as one). */
    public int column()
    {
        return column;
    }

    /** @return what was wrong, without the position. */
    public String problem()
    {
        return problem;
    }
}
