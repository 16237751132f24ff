package dev.palisade.attestation;

import org.bouncycastle.asn1.ASN1Primitive;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nesting bound checked before Bouncy Castle parses untrusted DER: exactly {@link DerNesting#MAX_DEPTH}
 * constructed levels pass and one more does not, whatever the length forms (short, long, indefinite) and tag forms
 * (high tag numbers); primitive contents are not looked into; bytes that do not frame are left to the parser.
 */
class DerNestingTest
{
    @Test
    void theBoundIsExact() throws IOException
    {
        final byte[] atBound = DeepDer.nestedSequences(DerNesting.MAX_DEPTH);
        assertNull(DerNesting.problem(atBound, DerNesting.MAX_DEPTH));
        assertNotNull(ASN1Primitive.fromByteArray(atBound), "what passes, Bouncy Castle parses");
        final String problem = DerNesting.problem(DeepDer.nestedSequences(DerNesting.MAX_DEPTH + 1),
            DerNesting.MAX_DEPTH);
        assertEquals("the ASN.1 nests more than 64 constructed values deep", problem);
    }

    @Test
    void farTooDeepIsRefusedWithoutRecursion()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DerNesting.check(DeepDer.nestedSequences(200_000), "the input"));
        assertEquals("the input: the ASN.1 nests more than 64 constructed values deep", e.getMessage());
    }

    @Test
    void siblingsDoNotAddUp()
    {
        // SEQUENCE { SEQUENCE { NULL } x 100 }: wide, two levels deep.
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            hex.append("30020500");
        }
        final byte[] inner = HexFormat.of().parseHex(hex.toString());
        final byte[] wide = new byte[inner.length + 3];
        wide[0] = 0x30;
        wide[1] = (byte)0x81;
        wide[2] = (byte)inner.length;
        System.arraycopy(inner, 0, wide, 3, inner.length);
        assertNull(DerNesting.problem(wide, 2));
        assertNotNull(DerNesting.problem(wide, 1));
    }

    @Test
    void indefiniteLengthsAndHighTagNumbersAreFollowed()
    {
        // [APPLICATION 100] constructed, indefinite { SEQUENCE indefinite { NULL } EOC } EOC, then a primitive
        // OCTET STRING whose contents look like a deep SEQUENCE but are not parsed.
        final String indefinite = "7f6480" + "3080" + "0500" + "0000" + "0000";
        final byte[] ber = HexFormat.of().parseHex(indefinite + "0404" + "30023000");
        assertNull(DerNesting.problem(ber, 2));
        assertNotNull(DerNesting.problem(ber, 1));
        assertDoesNotThrow(() -> ASN1Primitive.fromByteArray(HexFormat.of().parseHex(indefinite)));
    }

    @Test
    void bytesThatDoNotFrameAreLeftToTheParser()
    {
        for (final String hex : new String[] {"", "30", "3085ffffffffff", "0480", "1f", "30ff"})
        {
            assertNull(DerNesting.problem(HexFormat.of().parseHex(hex), DerNesting.MAX_DEPTH), hex);
        }
        assertTrue(DerNesting.problem(HexFormat.of().parseHex("3080".repeat(65)), DerNesting.MAX_DEPTH) != null,
            "65 open indefinite-length SEQUENCEs are too deep even unterminated");
    }
}
