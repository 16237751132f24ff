package dev.palisade.dpi.hyperscan;

import java.util.Objects;

/**
 * One pattern to compile: the regular expression (PCRE syntax as Hyperscan accepts it, no delimiters), its
 * {@code HS_FLAG_*} flags, the id reported on a match, and optionally extended parameters (hs_expr_ext_t).
 */
public record Expression(String pattern, int flags, int id, Extension extension)
{
    public static final int CASELESS = 1;
    public static final int DOTALL = 2;
    public static final int MULTILINE = 4;
    public static final int SINGLEMATCH = 8;
    public static final int ALLOWEMPTY = 16;
    public static final int UTF8 = 32;
    public static final int UCP = 64;
    public static final int PREFILTER = 128;
    public static final int SOM_LEFTMOST = 256;
    public static final int COMBINATION = 512;
    public static final int QUIET = 1024;

    public Expression
    {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.indexOf('\0') >= 0)
        {
            throw new IllegalArgumentException("pattern " + id + " contains a NUL character; write it as \\x00");
        }
    }

    public Expression(final String pattern, final int flags, final int id)
    {
        this(pattern, flags, id, null);
    }

    /**
     * hs_expr_ext_t: bounds on where a match may end and how long it must be, and approximate matching. A field at
     * its "unset" value (0 for offsets and length, -1... here 0 for distances) is not passed.
     *
     * @param minOffset     the match must end at or after this offset (0: unset).
     * @param maxOffset     the match must end at or before this offset (0: unset).
     * @param minLength     the match must be at least this long (0: unset).
     * @param editDistance  matches within this Levenshtein distance (0: unset).
     * @param hammingDistance matches within this Hamming distance (0: unset).
     */
    public record Extension(long minOffset, long maxOffset, long minLength, int editDistance, int hammingDistance)
    {
        static final long FLAG_MIN_OFFSET = 1;
        static final long FLAG_MAX_OFFSET = 2;
        static final long FLAG_MIN_LENGTH = 4;
        static final long FLAG_EDIT_DISTANCE = 8;
        static final long FLAG_HAMMING_DISTANCE = 16;

        public Extension
        {
            if (minOffset < 0 || maxOffset < 0 || minLength < 0 || editDistance < 0 || hammingDistance < 0)
            {
                throw new IllegalArgumentException("extension bounds must not be negative");
            }
            if (maxOffset != 0 && minOffset > maxOffset)
            {
                throw new IllegalArgumentException("min offset " + minOffset + " is beyond max offset " + maxOffset);
            }
        }

        long flags()
        {
            return (minOffset != 0 ? FLAG_MIN_OFFSET : 0) | (maxOffset != 0 ? FLAG_MAX_OFFSET : 0) |
                (minLength != 0 ? FLAG_MIN_LENGTH : 0) | (editDistance != 0 ? FLAG_EDIT_DISTANCE : 0) |
                (hammingDistance != 0 ? FLAG_HAMMING_DISTANCE : 0);
        }
    }
}
