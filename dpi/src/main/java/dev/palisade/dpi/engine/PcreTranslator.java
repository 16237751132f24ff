package dev.palisade.dpi.engine;

import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns a rule's PCRE into a java.util.regex pattern with the same meaning over bytes (ISO-8859-1 characters), or
 * says why it cannot: a construct Java lacks (recursion, conditionals, {@code \K}, ungreedy mode) makes the rule
 * skipped rather than loaded with another meaning.
 * <p>
 * Differences handled: a {@code {} that does not start a quantifier is a literal in PCRE and an error in Java;
 * {@code [} and {@code &&} inside a class are literals in PCRE and set operators in Java; POSIX classes; Python-style
 * named groups; {@code \0} alone is NUL. Line terminators: only {@code \n}, as in PCRE ({@link Pattern#UNIX_LINES}).
 */
final class PcreTranslator
{
    private static final Map<String, String> POSIX = Map.ofEntries(
        Map.entry("alnum", "\\p{Alnum}"), Map.entry("alpha", "\\p{Alpha}"), Map.entry("ascii", "\\p{ASCII}"),
        Map.entry("blank", "\\p{Blank}"), Map.entry("cntrl", "\\p{Cntrl}"), Map.entry("digit", "\\p{Digit}"),
        Map.entry("graph", "\\p{Graph}"), Map.entry("lower", "\\p{Lower}"), Map.entry("print", "\\p{Print}"),
        Map.entry("punct", "\\p{Punct}"), Map.entry("space", "\\s\\x0B"), Map.entry("upper", "\\p{Upper}"),
        Map.entry("word", "\\w"), Map.entry("xdigit", "\\p{XDigit}"));

    /** Why a pattern cannot be translated. */
    static final class Untranslatable extends Exception
    {
        Untranslatable(final String message)
        {
            super(message);
        }
    }

    private PcreTranslator()
    {
    }

    /**
     * @param flags the rule's matching modifiers (i, s, m, x, A, E, G).
     * @throws Untranslatable naming the construct that has no Java equivalent, or Java's syntax complaint.
     */
    static Pattern compile(final String pcre, final String flags) throws Untranslatable
    {
        int javaFlags = Pattern.UNIX_LINES;
        for (final char f : flags.toCharArray())
        {
            switch (f)
            {
                case 'i' -> javaFlags |= Pattern.CASE_INSENSITIVE;
                case 's' -> javaFlags |= Pattern.DOTALL;
                case 'm' -> javaFlags |= Pattern.MULTILINE;
                case 'x' -> javaFlags |= Pattern.COMMENTS;
                case 'A' ->
                {
                    // anchoring is applied by the verifier (lookingAt)
                }
                case 'E' -> throw new Untranslatable("modifier E (dollar end only) is not supported");
                case 'G' -> throw new Untranslatable("modifier G (ungreedy) is not supported");
                default -> throw new Untranslatable("modifier " + f + " is not supported");
            }
        }
        final String translated = translate(pcre);
        try
        {
            return Pattern.compile(translated, javaFlags);
        }
        catch (final PatternSyntaxException e)
        {
            throw new Untranslatable(e.getDescription() + " near index " + e.getIndex());
        }
        catch (final StackOverflowError | IllegalArgumentException e)
        {
            throw new Untranslatable("pattern too complex");
        }
    }

    static String translate(final String p) throws Untranslatable
    {
        final StringBuilder out = new StringBuilder(p.length() + 16);
        boolean inClass = false;
        int classStart = -1;
        final int n = p.length();
        for (int i = 0; i < n; i++)
        {
            final char c = p.charAt(i);
            if (c == '\\')
            {
                if (i + 1 >= n)
                {
                    throw new Untranslatable("pattern ends with a backslash");
                }
                final char e = p.charAt(i + 1);
                switch (e)
                {
                    case 'K' -> throw new Untranslatable("\\K is not supported");
                    case 'N' -> throw new Untranslatable("\\N is not supported");
                    case 'g' -> throw new Untranslatable("\\g references are not supported");
                    case 'C' -> throw new Untranslatable("\\C is not supported");
                    case 'Q' ->
                    {
                        final int end = p.indexOf("\\E", i + 2);
                        final String quoted = end < 0 ? p.substring(i + 2) : p.substring(i + 2, end);
                        out.append(Pattern.quote(quoted));
                        i = end < 0 ? n : end + 1;
                        continue;
                    }
                    case '0' ->
                    {
                        if (i + 2 >= n || !isOctal(p.charAt(i + 2)))
                        {
                            out.append("\\x00");
                            i++;
                            continue;
                        }
                    }
                    default ->
                    {
                    }
                }
                out.append(c).append(e);
                i++;
                continue;
            }
            if (inClass)
            {
                if (c == '[' && i + 1 < n && p.charAt(i + 1) == ':')
                {
                    final int end = p.indexOf(":]", i + 2);
                    if (end > 0)
                    {
                        String name = p.substring(i + 2, end);
                        final boolean negated = name.startsWith("^");
                        name = negated ? name.substring(1) : name;
                        final String java = POSIX.get(name);
                        if (java == null)
                        {
                            throw new Untranslatable("unknown POSIX class [:" + name + ":]");
                        }
                        if (negated)
                        {
                            if (!java.startsWith("\\p"))
                            {
                                throw new Untranslatable("negated POSIX class [:^" + name + ":]");
                            }
                            out.append("\\P").append(java, 2, java.length());
                        }
                        else
                        {
                            out.append(java);
                        }
                        i = end + 1;
                        continue;
                    }
                }
                if (c == '[')
                {
                    out.append("\\[");
                    continue;
                }
                if (c == '&')
                {
                    out.append("\\&");
                    continue;
                }
                if (c == ']' && i > classStart + 1 && !(i == classStart + 2 && p.charAt(classStart + 1) == '^'))
                {
                    inClass = false;
                }
                else if (c == ']')
                {
                    // ']' first in a class is a literal in PCRE
                    out.append("\\]");
                    continue;
                }
                out.append(c);
                continue;
            }
            switch (c)
            {
                case '[' ->
                {
                    inClass = true;
                    classStart = i;
                    out.append(c);
                }
                case '{' ->
                {
                    final int end = quantifierEnd(p, i);
                    if (end < 0)
                    {
                        out.append("\\{");
                    }
                    else
                    {
                        out.append(p, i, end + 1);
                        i = end;
                    }
                }
                case '}' -> out.append("\\}");
                case '(' ->
                {
                    if (p.startsWith("(?#", i))
                    {
                        final int end = p.indexOf(')', i);
                        if (end < 0)
                        {
                            throw new Untranslatable("unclosed (?# comment");
                        }
                        i = end;
                    }
                    else if (p.startsWith("(?P<", i))
                    {
                        out.append("(?<");
                        i += 3;
                    }
                    else if (p.startsWith("(?P=", i))
                    {
                        final int end = p.indexOf(')', i);
                        if (end < 0)
                        {
                            throw new Untranslatable("unclosed (?P=");
                        }
                        out.append("\\k<").append(p, i + 4, end).append('>');
                        i = end;
                    }
                    else if (p.startsWith("(?(", i) || p.startsWith("(?R", i) || p.startsWith("(?P>", i) ||
                        p.startsWith("(?&", i) || p.startsWith("(?|", i) || p.startsWith("(*", i) ||
                        (i + 2 < n && p.charAt(i + 1) == '?' && (Character.isDigit(p.charAt(i + 2)) ||
                        p.charAt(i + 2) == '+' || p.charAt(i + 2) == '-' && i + 3 < n &&
                        Character.isDigit(p.charAt(i + 3)))))
                    {
                        throw new Untranslatable("recursion, conditionals and verbs are not supported");
                    }
                    else
                    {
                        if (i + 1 < n && p.charAt(i + 1) == '?')
                        {
                            // inline options: U means ungreedy in PCRE but Unicode classes in Java
                            int j = i + 2;
                            while (j < n && (Character.isLetter(p.charAt(j)) || p.charAt(j) == '-'))
                            {
                                if (p.charAt(j) == 'U' || p.charAt(j) == 'X' || p.charAt(j) == 'J')
                                {
                                    throw new Untranslatable("inline option (?" + p.charAt(j) + ") is not supported");
                                }
                                j++;
                            }
                        }
                        out.append(c);
                    }
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(final char c)
    {
        return c >= '0' && c <= '7';
    }

    /** @return the index of the '}' closing a quantifier {n}, {n,} or {n,m} at {@code i}, or -1. */
    private static int quantifierEnd(final String p, final int i)
    {
        int j = i + 1;
        final int n = p.length();
        final int digitsStart = j;
        while (j < n && Character.isDigit(p.charAt(j)))
        {
            j++;
        }
        if (j == digitsStart)
        {
            return -1;
        }
        if (j < n && p.charAt(j) == '}')
        {
            return j;
        }
        if (j < n && p.charAt(j) == ',')
        {
            j++;
            while (j < n && Character.isDigit(p.charAt(j)))
            {
                j++;
            }
            if (j < n && p.charAt(j) == '}')
            {
                return j;
            }
        }
        return -1;
    }
}
