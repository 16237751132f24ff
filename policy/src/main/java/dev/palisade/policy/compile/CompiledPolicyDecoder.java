package dev.palisade.policy.compile;

import dev.palisade.policy.model.Policy.TierName;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.PortRange;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Reads the canonical form that {@link PolicyCompiler} writes back into a {@link CompiledPolicy}: what a DPU does with
 * the policy payload of a verified bundle. The bytes must be exactly canonical (they are re-encoded and compared), so
 * one policy has one encoding and one digest. Errors name the line and what was expected.
 */
public final class CompiledPolicyDecoder
{
    /** Bounds on what one policy may hold, far above any real one, so that hostile counts cannot exhaust memory. */
    static final int MAX_SETS = 1 << 20;
    static final int MAX_RULES = 1 << 20;

    private CompiledPolicyDecoder()
    {
    }

    /** Bytes that are not a canonical compiled policy. */
    public static final class FormatException extends Exception
    {
        public FormatException(final int line, final String message)
        {
            super("line " + line + ": " + message);
        }
    }

    public static CompiledPolicy decode(final byte[] bytes) throws FormatException
    {
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new FormatException(1, "not UTF-8");
        }
        if (!text.endsWith("\n"))
        {
            throw new FormatException(1, "does not end with a newline");
        }
        final String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        int n = 0;
        expectLine(lines, n++, "palisade-compiled-policy 1");
        final String name = field(lines, n, "name ");
        n++;
        final List<AddressSet> sets = new ArrayList<>();
        while (n < lines.length && lines[n].startsWith("set "))
        {
            final String[] words = lines[n].split(" ", -1);
            if (sets.size() >= MAX_SETS || !words[1].equals(Integer.toString(sets.size())))
            {
                throw new FormatException(n + 1, "expected set " + sets.size());
            }
            int w = 2;
            if (sets.isEmpty())
            {
                if (words.length < 3 || !words[2].equals("host"))
                {
                    throw new FormatException(n + 1, "set 0 is the host set");
                }
                w = 3;
            }
            sets.add(prefixes(words, w, words.length, n + 1));
            n++;
        }
        if (sets.isEmpty())
        {
            throw new FormatException(n + 1, "expected set 0 (host)");
        }
        final List<CompiledPolicy.CompiledRule> rules = new ArrayList<>();
        while (n < lines.length && lines[n].startsWith("rule "))
        {
            if (rules.size() >= MAX_RULES)
            {
                throw new FormatException(n + 1, "more than " + MAX_RULES + " rules");
            }
            rules.add(rule(lines[n].split(" ", -1), rules.size(), sets.size(), n + 1));
            n++;
        }
        if (n >= lines.length || !(lines[n].equals("selected") || lines[n].startsWith("selected ")))
        {
            throw new FormatException(n + 1, "expected the selected set");
        }
        final String[] selectedWords = lines[n].split(" ", -1);
        final AddressSet selected = prefixes(selectedWords, 1, selectedWords.length, n + 1);
        n++;
        final List<CompiledPolicy.CompiledWorkload> workloads = new ArrayList<>();
        while (n < lines.length)
        {
            workloads.add(workload(lines[n].split(" ", -1), n + 1));
            n++;
        }
        final byte[] encoded = PolicyCompiler.encode(name, sets, rules, selected, workloads);
        if (!Arrays.equals(encoded, bytes))
        {
            throw new FormatException(firstDifferentLine(encoded, bytes), "not in canonical form");
        }
        return new CompiledPolicy(name, List.copyOf(sets), List.copyOf(rules), selected, List.copyOf(workloads),
            encoded, PolicyCompiler.sha256(encoded));
    }

    private static CompiledPolicy.CompiledRule rule(final String[] words, final int index, final int setCount,
        final int line) throws FormatException
    {
        // rule INDEX TIER NAME ACTION [log] [audit] from S to D proto P (port LO-HI)* [icmp T/C]
        if (words.length < 11 || !words[1].equals(Integer.toString(index)))
        {
            throw new FormatException(line, "expected rule " + index + " TIER NAME ACTION from S to D proto P");
        }
        final TierName tier = enumOf(TierName.class, words[2], "tier", line);
        final String name = words[3];
        final Action action = enumOf(Action.class, words[4], "action", line);
        int w = 5;
        final boolean log = words[w].equals("log");
        w += log ? 1 : 0;
        final boolean audit = w < words.length && words[w].equals("audit");
        w += audit ? 1 : 0;
        if (w + 6 > words.length || !words[w].equals("from") || !words[w + 2].equals("to") ||
            !words[w + 4].equals("proto"))
        {
            throw new FormatException(line, "expected from S to D proto P");
        }
        final int source = integer(words[w + 1], 0, setCount - 1, "source set", line);
        final int destination = integer(words[w + 3], 0, setCount - 1, "destination set", line);
        final int protocol = integer(words[w + 5], -1, 255, "protocol", line);
        w += 6;
        final List<PortRange> ports = new ArrayList<>();
        while (w + 1 < words.length && words[w].equals("port"))
        {
            final int dash = words[w + 1].indexOf('-');
            if (dash < 0)
            {
                throw new FormatException(line, "port range '" + words[w + 1] + "' is not LO-HI");
            }
            final int lo = integer(words[w + 1].substring(0, dash), 0, 65535, "port", line);
            final int hi = integer(words[w + 1].substring(dash + 1), lo, 65535, "port range end", line);
            ports.add(new PortRange(lo, hi));
            w += 2;
        }
        int icmpType = -1;
        int icmpCode = -1;
        if (w + 1 < words.length && words[w].equals("icmp"))
        {
            final int slash = words[w + 1].indexOf('/');
            if (slash < 0)
            {
                throw new FormatException(line, "icmp '" + words[w + 1] + "' is not TYPE/CODE");
            }
            icmpType = integer(words[w + 1].substring(0, slash), 0, 255, "ICMP type", line);
            icmpCode = integer(words[w + 1].substring(slash + 1), -1, 255, "ICMP code", line);
            w += 2;
        }
        if (w != words.length)
        {
            throw new FormatException(line, "unexpected '" + words[w] + "'");
        }
        return new CompiledPolicy.CompiledRule(index, name, tier, action, log, audit, source, destination, protocol,
            List.copyOf(ports), icmpType, icmpCode);
    }

    private static CompiledPolicy.CompiledWorkload workload(final String[] words, final int line)
        throws FormatException
    {
        // workload NAME (label K=V)* at PREFIX*
        if (words.length < 3 || !words[0].equals("workload"))
        {
            throw new FormatException(line, "expected workload NAME ... at PREFIXES");
        }
        final TreeMap<String, String> labels = new TreeMap<>();
        int w = 2;
        while (w + 1 < words.length && words[w].equals("label"))
        {
            final int equals = words[w + 1].indexOf('=');
            if (equals < 0)
            {
                throw new FormatException(line, "label '" + words[w + 1] + "' is not KEY=VALUE");
            }
            labels.put(unescape(words[w + 1].substring(0, equals), line),
                unescape(words[w + 1].substring(equals + 1), line));
            w += 2;
        }
        if (w >= words.length || !words[w].equals("at"))
        {
            throw new FormatException(line, "expected 'at' and the workload's addresses");
        }
        return new CompiledPolicy.CompiledWorkload(words[1], Collections.unmodifiableSortedMap(labels),
            prefixes(words, w + 1, words.length, line));
    }

    private static AddressSet prefixes(final String[] words, final int from, final int to, final int line)
        throws FormatException
    {
        final List<Prefix> prefixes = new ArrayList<>(to - from);
        for (int w = from; w < to; w++)
        {
            final String word = words[w];
            if (word.length() < 34 || word.charAt(32) != '/')
            {
                throw new FormatException(line, "'" + word + "' is not a prefix (32 hex digits, '/', length)");
            }
            final long hi;
            final long lo;
            try
            {
                hi = Long.parseUnsignedLong(word.substring(0, 16), 16);
                lo = Long.parseUnsignedLong(word.substring(16, 32), 16);
            }
            catch (final NumberFormatException e)
            {
                throw new FormatException(line, "'" + word + "' is not hex");
            }
            prefixes.add(new Prefix(hi, lo, integer(word.substring(33), 0, 128, "prefix length", line)));
        }
        return AddressSet.of(prefixes);
    }

    private static String unescape(final String text, final int line) throws FormatException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '%')
            {
                if (i + 2 >= text.length())
                {
                    throw new FormatException(line, "a truncated %-escape in '" + text + "'");
                }
                final int high = Character.digit(text.charAt(i + 1), 16);
                final int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0)
                {
                    throw new FormatException(line, "a bad %-escape in '" + text + "'");
                }
                out.write(high << 4 | low);
                i += 2;
            }
            else
            {
                out.write(c);
            }
        }
        try
        {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new FormatException(line, "'" + text + "' is not UTF-8 once unescaped");
        }
    }

    private static <E extends Enum<E>> E enumOf(final Class<E> type, final String word, final String what,
        final int line) throws FormatException
    {
        for (final E value : type.getEnumConstants())
        {
            if (value.name().toLowerCase(Locale.ROOT).equals(word))
            {
                return value;
            }
        }
        throw new FormatException(line, "unknown " + what + " '" + word + "'");
    }

    private static int integer(final String word, final int min, final int max, final String what, final int line)
        throws FormatException
    {
        final int value;
        try
        {
            value = Integer.parseInt(word);
        }
        catch (final NumberFormatException e)
        {
            throw new FormatException(line, what + " '" + word + "' is not a number");
        }
        if (value < min || value > max)
        {
            throw new FormatException(line, what + " " + value + " is outside " + min + ".." + max);
        }
        return value;
    }

    private static void expectLine(final String[] lines, final int n, final String expected) throws FormatException
    {
        if (n >= lines.length || !lines[n].equals(expected))
        {
            throw new FormatException(n + 1, "expected '" + expected + "'");
        }
    }

    private static String field(final String[] lines, final int n, final String prefix) throws FormatException
    {
        if (n >= lines.length || !lines[n].startsWith(prefix))
        {
            throw new FormatException(n + 1, "expected '" + prefix.strip() + " …'");
        }
        return lines[n].substring(prefix.length());
    }

    private static int firstDifferentLine(final byte[] a, final byte[] b)
    {
        int line = 1;
        for (int i = 0; i < Math.min(a.length, b.length); i++)
        {
            if (a[i] != b[i])
            {
                return line;
            }
            line += a[i] == '\n' ? 1 : 0;
        }
        return line;
    }
}
