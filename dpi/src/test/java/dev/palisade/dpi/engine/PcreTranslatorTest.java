package dev.palisade.dpi.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcreTranslatorTest
{
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a{|'' |a{",
        "x{2}|'' |xx",
        "[[:digit:]]+|'' |42",
        "[]a]|'' |]",
        "[a[]|'' |[",
        "(?P<n>ab)(?P=n)|'' |abab",
        "ab(?#comment)c|'' |abc",
    })
    void translatedPatternsMatchWhatPcreMatches(final String pcre, final String flags, final String subject)
    {
        assertTrue(assertDoesNotThrow(pcre, flags.strip()).matcher(subject).find(), pcre);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a(?R)b|''|recursion",
        "a\\Kb|''|\\K",
        "(?(1)a)|''|conditionals",
        "ab|G|ungreedy",
        "ab|E|dollar end only",
        "(?U)ab|''|(?U)",
    })
    void constructsJavaLacksAreRefusedWithTheReason(final String pcre, final String flags, final String reason)
    {
        final PcreTranslator.Untranslatable e = assertThrows(PcreTranslator.Untranslatable.class,
            () -> PcreTranslator.compile(pcre, flags));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void nulAnchorsAndCarriageReturnBehaveAsInPcre() throws Exception
    {
        assertTrue(PcreTranslator.compile("\\0", "").matcher("a\u0000").find());
        assertTrue(PcreTranslator.compile("^GET", "m").matcher("x\nGET").find());
        assertTrue(PcreTranslator.compile("a.b", "").matcher("a\rb").find());
    }

    @org.junit.jupiter.api.Test
    void dotDoesNotMatchNewlineButMatchesCarriageReturnAsInPcre() throws Exception
    {
        assertEquals(false, PcreTranslator.compile("a.b", "").matcher("a\nb").find());
        assertEquals(true, PcreTranslator.compile("a.b", "s").matcher("a\nb").find());
    }

    private static java.util.regex.Pattern assertDoesNotThrow(final String pcre, final String flags)
    {
        try
        {
            return PcreTranslator.compile(pcre, flags);
        }
        catch (final PcreTranslator.Untranslatable e)
        {
            throw new AssertionError(pcre + ": " + e.getMessage(), e);
        }
    }
}
