package dev.palisade.attestation;

import java.io.ByteArrayOutputStream;

/** Hostile DER for tests: values nested deep enough to overflow a recursive parser's stack. */
public final class DeepDer
{
    private DeepDer()
    {
    }

    /**
     * {@code depth} SEQUENCEs, each holding the next, around a NULL, with definite lengths (X.690 8.1.3): Bouncy
     * Castle's recursive parser overflows a default thread stack on a few thousand levels.
     */
    public static byte[] nestedSequences(final int depth)
    {
        final int[] contentLengths = new int[depth];
        int length = 2;
        for (int level = depth - 1; level >= 0; level--)
        {
            contentLengths[level] = length;
            length += 1 + lengthOctets(length);
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        for (final int content : contentLengths)
        {
            out.write(0x30);
            final int octets = lengthOctets(content);
            if (octets == 1)
            {
                out.write(content);
            }
            else
            {
                out.write(0x80 | (octets - 1));
                for (int shift = 8 * (octets - 2); shift >= 0; shift -= 8)
                {
                    out.write((content >>> shift) & 0xFF);
                }
            }
        }
        out.write(0x05);
        out.write(0x00);
        return out.toByteArray();
    }

    /** The number of length octets DER uses for a content of {@code length} bytes. */
    private static int lengthOctets(final int length)
    {
        return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x1000000 ? 4 : 5;
    }
}
