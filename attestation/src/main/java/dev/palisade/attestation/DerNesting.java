package dev.palisade.attestation;

/**
 * A bound on how deeply BER/DER values nest, checked before Bouncy Castle parses untrusted bytes: its ASN.1 parser
 * recurses once per constructed value (and stacks one stream per level), so a few kilobytes of nested SEQUENCEs
 * overflow the thread's stack, a {@link StackOverflowError} that no {@code catch (RuntimeException)} sees. The scan
 * here is iterative and allocation-free apart from one small array, so it cannot overflow anything itself.
 * <p>
 * X.690 section 8.1: identifier octets (bit 6 of the first is "constructed"; tag number 31 continues in base-128
 * octets), then length octets (short form, long form, or 0x80 for indefinite, ended by the two-octet end-of-contents),
 * then the contents. Only constructed values nest; primitive contents (an OCTET STRING's, say) are not looked into,
 * since Bouncy Castle does not parse them until asked, and each such value is checked again on its own then.
 */
public final class DerNesting
{
    /**
     * The nesting allowed in a certificate or one of its extension values. The deepest legitimate structures are far
     * shallower (a Certificate with explicit EC parameters, or a GeneralName holding a directoryName, nest about ten
     * levels), and 64 levels of parsing use a negligible part of any thread's stack.
     */
    public static final int MAX_DEPTH = 64;

    private DerNesting()
    {
    }

    /**
     * @return null when {@code encoding} nests at most {@code maxDepth} constructed values deep (or does not frame,
     * which the real parser reports itself), else a sentence saying it nests deeper.
     */
    public static String problem(final byte[] encoding, final int maxDepth)
    {
        // ends[d] is where the constructed value at depth d ends, or -1 for an indefinite length (ended by 00 00).
        final int[] ends = new int[maxDepth];
        int depth = 0;
        int position = 0;
        final int length = encoding.length;
        while (position < length)
        {
            while (depth > 0 && ends[depth - 1] >= 0 && position >= ends[depth - 1])
            {
                depth--;
            }
            final int identifier = encoding[position++] & 0xFF;
            if ((identifier & 0x1F) == 0x1F)
            {
                while (position < length && (encoding[position] & 0x80) != 0)
                {
                    position++;
                }
                position++;
            }
            if (position >= length)
            {
                return null;
            }
            final int first = encoding[position++] & 0xFF;
            if (identifier == 0 && first == 0)
            {
                // End-of-contents: closes the innermost indefinite-length value.
                if (depth > 0 && ends[depth - 1] < 0)
                {
                    depth--;
                }
                continue;
            }
            long contentBytes = -1;
            if (first < 0x80)
            {
                contentBytes = first;
            }
            else if (first > 0x80)
            {
                final int lengthOctets = first & 0x7F;
                if (lengthOctets > 4 || position + lengthOctets > length)
                {
                    return null;
                }
                contentBytes = 0;
                for (int i = 0; i < lengthOctets; i++)
                {
                    contentBytes = (contentBytes << 8) | (encoding[position++] & 0xFF);
                }
            }
            if ((identifier & 0x20) != 0)
            {
                if (depth == maxDepth)
                {
                    return "the ASN.1 nests more than " + maxDepth + " constructed values deep";
                }
                ends[depth++] = contentBytes < 0 ? -1 : (int)Math.min(Integer.MAX_VALUE, position + contentBytes);
            }
            else if (contentBytes < 0)
            {
                // A primitive value cannot have an indefinite length: not BER, and the parser will say so.
                return null;
            }
            else
            {
                position = (int)Math.min(length, position + contentBytes);
            }
        }
        return null;
    }

    /**
     * @throws IllegalArgumentException saying so when {@code encoding} nests deeper than {@link #MAX_DEPTH}, so that
     *                                  a caller's existing "does not decode" handling reports it.
     */
    public static void check(final byte[] encoding, final String what)
    {
        final String problem = problem(encoding, MAX_DEPTH);
        if (problem != null)
        {
            throw new IllegalArgumentException(what + ": " + problem);
        }
    }
}
