package dev.palisade.dpi.rules;

/** What became of one rule in a rule file. */
public sealed interface LoadResult
{
    String file();

    int line();

    /** Loaded with the meaning it has in Suricata / Snort. */
    record Loaded(Rule rule) implements LoadResult
    {
        @Override
        public String file()
        {
            return rule.file();
        }

        @Override
        public int line()
        {
            return rule.line();
        }
    }

    /**
     * Not loaded because it uses {@code keyword}, which this engine does not implement: loading it without would
     * change its meaning. {@code sid} is 0 when the rule had none before the keyword.
     */
    record Skipped(String file, int line, long sid, String keyword) implements LoadResult
    {
    }

    /** Not a valid rule: {@code message} says what is wrong and where. */
    record Invalid(String file, int line, long sid, String message) implements LoadResult
    {
    }
}
