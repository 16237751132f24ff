package dev.palisade.policy.model;

/** Where something was written: a file (or other source name), and a 1-based line and column. */
public record SourceLocation(String source, int line, int column)
{
    @Override
    public String toString()
    {
        return source + ":" + line + ":" + column;
    }
}
