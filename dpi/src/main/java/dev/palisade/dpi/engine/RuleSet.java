package dev.palisade.dpi.engine;

import dev.palisade.dpi.hyperscan.CompileException;
import dev.palisade.dpi.hyperscan.Database;
import dev.palisade.dpi.hyperscan.Expression;
import dev.palisade.dpi.rules.AddressMatcher;
import dev.palisade.dpi.rules.Buffer;
import dev.palisade.dpi.rules.Content;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A compiled rule set: the rules in evaluation order, and for each place where rules are evaluated (a "unit": TCP
 * packets, TCP streams, UDP, other protocols, each HTTP buffer) a Hyperscan prefilter over one pattern per rule plus
 * the list of rules that have no pattern and are evaluated every time.
 * <p>
 * The prefilter pattern of a rule is its {@code fast_pattern} content, else its longest content (every positive
 * content must match for the rule to match, so any of them is a sound filter), else a regular expression compiled in
 * Hyperscan's prefilter mode (which may report more, never less); all with single-match, so a scan reports each rule
 * at most once. Every candidate is then verified in full.
 * <p>
 * Built off the packet path and shared read-only by all workers; reference-counted so that the native databases are
 * freed once the last worker has moved to a newer set (hot reload).
 */
public final class RuleSet implements AutoCloseable
{
    static final int UNIT_TCP_PACKET = 0;
    static final int UNIT_TCP_UNSTREAMED = 1;
    static final int UNIT_TCP_STREAM = 2;
    static final int UNIT_UDP = 3;
    static final int UNIT_OTHER = 4;
    static final int UNITS = 5;

    /**
     * Packet classes: the direction (to server or to client) and whether each endpoint is in {@code $HOME_NET}. A
     * rule is put in the prefilter of each class its header and {@code flow:} can match, so a packet's scan reports
     * only rules that may apply to it: most rule sets say {@code $EXTERNAL_NET any -> $HOME_NET any} and
     * {@code flow:to_server}, and without classes nineteen of twenty prefilter reports fail the header test, at a
     * native callback each.
     */
    static final int CLASSES = 8;
    static final int CLASS_TO_CLIENT = 4;
    static final int CLASS_SOURCE_HOME = 2;
    static final int CLASS_DESTINATION_HOME = 1;

    /** Where rules without a prefilter pattern wait, and the databases of those with one. */
    static final class Unit
    {
        final String name;
        /** Literal prefilters by packet class (null where no rule of the class has one). */
        final Database[] literals = new Database[CLASSES];
        Database regexes;
        int[] always = new int[0];
        /** The longest literal: a stream scan reaches back this far minus one into data already inspected. */
        int longestLiteral;
        int patternCount;

        Unit(final String name)
        {
            this.name = name;
        }
    }

    final CompiledRule[] rules;
    final Unit[] units;
    final Unit[] httpFields;
    /** Rules with HTTP buffers but no prefilter pattern, by the stage at which they are evaluated. */
    final int[][] httpAlways;
    final boolean hasHttpRules;
    private final List<LoadResult.Skipped> rejected;
    private final long compileNs;
    private final AtomicInteger references = new AtomicInteger(1);

    private RuleSet(final CompiledRule[] rules, final List<LoadResult.Skipped> rejected, final boolean hasHttpRules,
        final Unit[] units, final Unit[] httpFields, final int[][] httpAlways, final long compileNs)
    {
        this.rules = rules;
        this.units = units;
        this.httpFields = httpFields;
        this.httpAlways = httpAlways;
        this.rejected = rejected;
        this.hasHttpRules = hasHttpRules;
        this.compileNs = compileNs;
    }

    /** @return rules in this set. */
    public int size()
    {
        return rules.length;
    }

    /** Rules the parser accepted but this engine cannot run as written (a regular expression Java cannot express). */
    public List<LoadResult.Skipped> rejected()
    {
        return rejected;
    }

    public long compileNs()
    {
        return compileNs;
    }

    /** @return bytes of native memory held by the prefilter databases. */
    public long databaseBytes()
    {
        long total = 0;
        for (final Unit unit : allUnits())
        {
            for (final Database db : unit.literals)
            {
                total += db == null ? 0 : db.sizeBytes();
            }
            total += unit.regexes == null ? 0 : unit.regexes.sizeBytes();
        }
        return total;
    }

    /**
     * @return for each place rules are evaluated that has any: "literals/regexes/always" counts, for reports (a rule
     *         in the always list is evaluated on every packet that reaches it, so these should be few).
     */
    public java.util.Map<String, String> unitSummary()
    {
        final java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (final Unit unit : allUnits())
        {
            int literals = 0;
            for (final Database db : unit.literals)
            {
                literals += db == null ? 0 : db.expressions();
            }
            final int regexes = unit.regexes == null ? 0 : unit.regexes.expressions();
            if (literals + regexes + unit.always.length > 0)
            {
                out.put(unit.name, literals + " literals (over " + CLASSES + " packet classes), " + regexes +
                    " regexes, " + unit.always.length + " always");
            }
        }
        for (int stage = 1; stage < httpAlways.length; stage++)
        {
            if (httpAlways[stage].length > 0)
            {
                out.put("http stage " + stage, httpAlways[stage].length + " always");
            }
        }
        return out;
    }

    List<Unit> allUnits()
    {
        final List<Unit> all = new ArrayList<>(Arrays.asList(units));
        for (final Unit unit : httpFields)
        {
            all.add(unit);
        }
        return all;
    }

    boolean retain()
    {
        while (true)
        {
            final int n = references.get();
            if (n == 0)
            {
                return false;
            }
            if (references.compareAndSet(n, n + 1))
            {
                return true;
            }
        }
    }

    void release()
    {
        if (references.decrementAndGet() == 0)
        {
            for (final Unit unit : allUnits())
            {
                for (final Database db : unit.literals)
                {
                    if (db != null)
                    {
                        db.close();
                    }
                }
                if (unit.regexes != null)
                {
                    unit.regexes.close();
                }
            }
        }
    }

    /** Drops the owner's reference; the databases go when no worker uses this set any more. */
    @Override
    public void close()
    {
        release();
    }

    /**
     * Compiles rules for this machine's CPU (databases are never shipped compiled: they depend on CPU features).
     *
     * @param rules  loaded rules, in file order.
     * @param names  the engine's flowbit ids.
     */
    static RuleSet compile(final List<Rule> rules, final FlowbitNames names, final List<Rule.Action> actionOrder,
        final AddressMatcher home, final AddressMatcher external)
    {
        final long start = System.nanoTime();
        final List<LoadResult.Skipped> rejected = new ArrayList<>();
        final List<Prepared> prepared = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++)
        {
            final Rule rule = rules.get(i);
            try
            {
                prepared.add(prepare(rule, i, names));
            }
            catch (final PcreTranslator.Untranslatable e)
            {
                rejected.add(new LoadResult.Skipped(rule.file(), rule.line(), rule.sid(), "pcre (" + e.getMessage() +
                    ")"));
            }
        }
        prepared.sort(Comparator.comparingInt((Prepared p) -> actionOrder.indexOf(p.rule.action()))
            .thenComparingInt(p -> p.setsFlowbits ? 0 : 1)
            .thenComparingInt(p -> p.loadOrder));
        final CompiledRule[] compiled = new CompiledRule[prepared.size()];
        boolean anyHttp = false;
        for (int i = 0; i < compiled.length; i++)
        {
            compiled[i] = prepared.get(i).build(i);
            anyHttp |= compiled[i].httpStage > 0;
        }
        final Unit[] units = new Unit[UNITS];
        final Unit[] httpFields = new Unit[HttpField.VALUES.length];
        final int[][] httpAlwaysByStage = new int[HttpField.STAGES][];
        final String[] unitNames = {"tcp-packet", "tcp-unstreamed", "tcp-stream", "udp", "other"};
        final List<List<Integer>> always = new ArrayList<>();
        final List<List<List<Expression>>> literals = new ArrayList<>();
        final List<List<Expression>> regexes = new ArrayList<>();
        final int unitCount = UNITS + HttpField.VALUES.length;
        for (int u = 0; u < unitCount; u++)
        {
            always.add(new ArrayList<>());
            final List<List<Expression>> byClass = new ArrayList<>();
            for (int c = 0; c < CLASSES; c++)
            {
                byClass.add(new ArrayList<>());
            }
            literals.add(byClass);
            regexes.add(new ArrayList<>());
        }
        final List<List<Integer>> httpAlways = new ArrayList<>();
        for (int s = 0; s < HttpField.STAGES; s++)
        {
            httpAlways.add(new ArrayList<>());
        }
        final int[] longest = new int[unitCount];
        for (int i = 0; i < compiled.length; i++)
        {
            final Prepared p = prepared.get(i);
            for (final int u : p.units)
            {
                if (p.literal != null)
                {
                    final Expression expression = new Expression(hexEscape(p.literal), Expression.SINGLEMATCH |
                        (p.literalNocase ? Expression.CASELESS : 0), i);
                    for (int c = 0; c < CLASSES; c++)
                    {
                        if (mayMatch(p.rule, c, home, external))
                        {
                            literals.get(u).get(c).add(expression);
                        }
                    }
                    longest[u] = Math.max(longest[u], p.literal.length);
                }
                else if (p.regex != null)
                {
                    regexes.get(u).add(new Expression(p.regex, p.regexFlags, i));
                }
                else if (u < UNITS)
                {
                    always.get(u).add(i);
                }
                else
                {
                    httpAlways.get(compiled[i].httpStage).add(i);
                }
            }
        }
        for (int u = 0; u < unitCount; u++)
        {
            final Unit unit = new Unit(u < UNITS ? unitNames[u] : HttpField.VALUES[u - UNITS].name()
                .toLowerCase(Locale.ROOT));
            unit.always = always.get(u).stream().mapToInt(Integer::intValue).toArray();
            unit.longestLiteral = longest[u];
            unit.patternCount = regexes.get(u).size();
            for (int c = 0; c < CLASSES; c++)
            {
                final List<Expression> list = literals.get(u).get(c);
                unit.patternCount += list.size();
                if (!list.isEmpty())
                {
                    unit.literals[c] = Database.compile(list, Database.MODE_BLOCK);
                }
            }
            if (!regexes.get(u).isEmpty())
            {
                unit.regexes = Database.compile(regexes.get(u), Database.MODE_BLOCK);
            }
            if (u < UNITS)
            {
                units[u] = unit;
            }
            else
            {
                httpFields[u - UNITS] = unit;
            }
        }
        for (int s = 0; s < HttpField.STAGES; s++)
        {
            httpAlwaysByStage[s] = httpAlways.get(s).stream().mapToInt(Integer::intValue).toArray();
        }
        return new RuleSet(compiled, List.copyOf(rejected), anyHttp, units, httpFields, httpAlwaysByStage,
            System.nanoTime() - start);
    }

    /** @return the packet class of {@code p} (direction as the data plane sees it, endpoints against home). */
    static int classOf(final Packet p, final AddressMatcher home)
    {
        return (p.toServer ? 0 : CLASS_TO_CLIENT) | (home.matches(p.srcHi, p.srcLo) ? CLASS_SOURCE_HOME : 0) |
            (home.matches(p.dstHi, p.dstLo) ? CLASS_DESTINATION_HOME : 0);
    }

    /** Whether {@code rule} can match a packet of class {@code c}; true when unsure (its header test decides). */
    static boolean mayMatch(final Rule rule, final int c, final AddressMatcher home, final AddressMatcher external)
    {
        final boolean toServer = (c & CLASS_TO_CLIENT) == 0;
        if (rule.flow().toServer() && !toServer || rule.flow().toClient() && toServer)
        {
            return false;
        }
        final boolean sourceHome = (c & CLASS_SOURCE_HOME) != 0;
        final boolean destinationHome = (c & CLASS_DESTINATION_HOME) != 0;
        final boolean forward = side(rule.source(), sourceHome, home, external) &&
            side(rule.destination(), destinationHome, home, external);
        final boolean reverse = rule.bidirectional() && side(rule.source(), destinationHome, home, external) &&
            side(rule.destination(), sourceHome, home, external);
        return forward || reverse;
    }

    private static boolean side(final AddressMatcher matcher, final boolean isHome, final AddressMatcher home,
        final AddressMatcher external)
    {
        if (matcher.equals(home))
        {
            return isHome;
        }
        if (matcher.equals(external))
        {
            return !isHome;
        }
        return true;
    }

    static String hexEscape(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder(bytes.length * 4);
        for (final byte b : bytes)
        {
            sb.append("\\x").append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /** A rule between parsing and its place in the set. */
    private static final class Prepared
    {
        Rule rule;
        int loadOrder;
        int protocols;
        Element[] payload;
        Element[][] http;
        int httpStage;
        boolean packetOnly;
        boolean streamOnly;
        int[][] flowbits;
        boolean issetAny;
        boolean isNotSetAny;
        boolean noAlert;
        boolean setsFlowbits;
        byte[] literal;
        boolean literalNocase;
        String regex;
        int regexFlags;
        int[] units;

        CompiledRule build(final int index)
        {
            return new CompiledRule(rule, index, protocols, payload, http, httpStage, packetOnly, streamOnly,
                flowbits, issetAny, isNotSetAny, noAlert);
        }
    }

    private static Prepared prepare(final Rule rule, final int loadOrder, final FlowbitNames names)
        throws PcreTranslator.Untranslatable
    {
        final Prepared p = new Prepared();
        p.rule = rule;
        p.loadOrder = loadOrder;
        p.protocols = switch (rule.protocol())
        {
            case "tcp" -> CompiledRule.PROTO_TCP;
            case "udp" -> CompiledRule.PROTO_UDP;
            case "icmp" -> CompiledRule.PROTO_ICMP;
            default -> CompiledRule.PROTO_TCP | CompiledRule.PROTO_UDP | CompiledRule.PROTO_ICMP |
                CompiledRule.PROTO_OTHER;
        };
        final boolean response = respondsSide(rule);
        final List<List<Element>> chains = new ArrayList<>();
        for (int i = 0; i <= HttpField.VALUES.length; i++)
        {
            chains.add(new ArrayList<>());
        }
        // Candidates for the prefilter: positive literals, and positive regexes, with their chain (0 = payload).
        Content best = null;
        int bestChain = -1;
        Rule.PcreDetection bestRegex = null;
        int bestRegexChain = -1;
        for (final Rule.Detection detection : rule.detection())
        {
            final int chain = chainOf(detection.buffer(), response, rule);
            switch (detection)
            {
                case Rule.ContentDetection cd ->
                {
                    final Content c = cd.content();
                    chains.get(chain).add(literal(c));
                    if (!c.negated() && (best == null || c.fastPattern() && !best.fastPattern() ||
                        c.fastPattern() == best.fastPattern() && c.bytes().length > best.bytes().length))
                    {
                        best = c;
                        bestChain = chain;
                    }
                }
                case Rule.PcreDetection pcre ->
                {
                    chains.get(chain).add(new Element.Regex(PcreTranslator.compile(pcre.pattern(), pcre.flags()),
                        pcre.negated(), pcre.relative(), pcre.flags().indexOf('A') >= 0, pcre.pattern()));
                    if (!pcre.negated() && bestRegex == null)
                    {
                        bestRegex = pcre;
                        bestRegexChain = chain;
                    }
                }
                case Rule.IsDataAt d -> chains.get(chain).add(new Element.DataAt(d.position(), d.negated(),
                    d.relative()));
            }
        }
        p.payload = chains.get(0).isEmpty() ? null : chains.get(0).toArray(new Element[0]);
        p.http = new Element[HttpField.VALUES.length][];
        for (int f = 0; f < HttpField.VALUES.length; f++)
        {
            if (!chains.get(f + 1).isEmpty())
            {
                p.http[f] = chains.get(f + 1).toArray(new Element[0]);
                p.httpStage = Math.max(p.httpStage, HttpField.VALUES[f].stage);
            }
        }
        final Rule.Flow flow = rule.flow();
        p.packetOnly = rule.dsize() != null || rule.itype() != null || rule.icode() != null || flow.noStream();
        p.streamOnly = flow.onlyStream();
        flowbits(p, rule, names);

        // The prefilter: for an HTTP rule, a pattern in one of its HTTP buffers; else one in the payload.
        final boolean http = p.httpStage > 0;
        if (http && bestChain == 0)
        {
            best = null;
            for (final Rule.Detection detection : rule.detection())
            {
                if (detection instanceof Rule.ContentDetection cd && !cd.content().negated() &&
                    chainOf(cd.buffer(), response, rule) != 0 &&
                    (best == null || cd.content().bytes().length > best.bytes().length))
                {
                    best = cd.content();
                    bestChain = chainOf(cd.buffer(), response, rule);
                }
            }
        }
        if (http && bestRegexChain == 0)
        {
            bestRegex = null;
        }
        int prefilterChain = -1;
        if (best != null)
        {
            p.literal = best.nocase() ? lowered(best.bytes()) : best.bytes();
            p.literalNocase = best.nocase();
            prefilterChain = bestChain;
        }
        else if (bestRegex != null && prefilterCompiles(bestRegex))
        {
            p.regex = bestRegex.pattern();
            p.regexFlags = hyperscanFlags(bestRegex.flags()) | Expression.PREFILTER | Expression.SINGLEMATCH |
                Expression.ALLOWEMPTY;
            prefilterChain = bestRegexChain;
        }
        p.units = units(p, http, prefilterChain);
        return p;
    }

    private static int[] units(final Prepared p, final boolean http, final int prefilterChain)
    {
        if (http)
        {
            // Evaluated per transaction; the prefilter scans the buffer of its pattern.
            return new int[] {prefilterChain > 0 ? UNITS + prefilterChain - 1 : UNITS};
        }
        final List<Integer> units = new ArrayList<>();
        if ((p.protocols & CompiledRule.PROTO_TCP) != 0)
        {
            if (p.payload == null)
            {
                if (p.streamOnly)
                {
                    units.add(UNIT_TCP_STREAM);
                }
                else
                {
                    units.add(UNIT_TCP_PACKET);
                    units.add(UNIT_TCP_UNSTREAMED);
                }
            }
            else if (p.packetOnly)
            {
                units.add(UNIT_TCP_PACKET);
                units.add(UNIT_TCP_UNSTREAMED);
            }
            else if (p.streamOnly)
            {
                units.add(UNIT_TCP_STREAM);
            }
            else
            {
                units.add(UNIT_TCP_STREAM);
                units.add(UNIT_TCP_UNSTREAMED);
                if (anchored(p.payload))
                {
                    // offset/depth name places in a packet as much as in a stream: Suricata and Snort look at each
                    // packet too (a TLS hello after STARTTLS starts a packet, not the stream).
                    units.add(UNIT_TCP_PACKET);
                }
            }
        }
        if ((p.protocols & CompiledRule.PROTO_UDP) != 0)
        {
            units.add(UNIT_UDP);
        }
        if ((p.protocols & (CompiledRule.PROTO_ICMP | CompiledRule.PROTO_OTHER)) != 0)
        {
            units.add(UNIT_OTHER);
        }
        return units.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return true when a content of the chain is tied to absolute positions (offset, depth, startswith). */
    private static boolean anchored(final Element[] chain)
    {
        for (final Element element : chain)
        {
            if (element instanceof Element.Literal literal && !literal.relative() &&
                (literal.offset() != Element.UNSET || literal.depth() != Element.UNSET))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Header-type HTTP buffers mean the response's when the rule looks at traffic to the client or at response-only
     * buffers (status, and file data unless the rule is to the server).
     */
    private static boolean respondsSide(final Rule rule)
    {
        if (rule.flow().toClient())
        {
            return true;
        }
        if (rule.flow().toServer())
        {
            return false;
        }
        for (final Rule.Detection d : rule.detection())
        {
            if (d.buffer() == Buffer.HTTP_STAT_CODE || d.buffer() == Buffer.HTTP_STAT_MSG ||
                d.buffer() == Buffer.FILE_DATA)
            {
                return true;
            }
        }
        return false;
    }

    /** @return 0 for the payload, else 1 + the {@link HttpField} ordinal. */
    private static int chainOf(final Buffer buffer, final boolean response, final Rule rule)
    {
        final HttpField field = switch (buffer)
        {
            case PAYLOAD -> null;
            case HTTP_URI -> HttpField.URI;
            case HTTP_RAW_URI -> HttpField.RAW_URI;
            case HTTP_METHOD -> HttpField.METHOD;
            case HTTP_HEADER -> response ? HttpField.RESPONSE_HEADER : HttpField.REQUEST_HEADER;
            case HTTP_RAW_HEADER -> response ? HttpField.RESPONSE_RAW_HEADER : HttpField.REQUEST_RAW_HEADER;
            case HTTP_COOKIE -> response ? HttpField.RESPONSE_COOKIE : HttpField.REQUEST_COOKIE;
            case HTTP_USER_AGENT -> HttpField.USER_AGENT;
            case HTTP_HOST -> HttpField.HOST;
            case HTTP_CLIENT_BODY -> HttpField.REQUEST_BODY;
            case HTTP_STAT_CODE -> HttpField.STAT_CODE;
            case HTTP_STAT_MSG -> HttpField.STAT_MSG;
            case FILE_DATA -> rule.flow().toServer() ? HttpField.REQUEST_BODY : HttpField.RESPONSE_BODY;
        };
        return field == null ? 0 : field.ordinal() + 1;
    }

    private static Element.Literal literal(final Content c)
    {
        final byte[] bytes = c.nocase() ? lowered(c.bytes()) : c.bytes();
        int offset = c.offset() == null ? Element.UNSET : c.offset();
        int depth = c.depth() == null ? Element.UNSET : c.depth();
        if (c.startsWith())
        {
            offset = 0;
            depth = bytes.length;
        }
        return new Element.Literal(bytes, c.nocase(), c.negated(), c.relative(), offset, depth,
            c.distance() == null ? Element.UNSET : c.distance(), c.within() == null ? Element.UNSET : c.within(),
            c.endsWith());
    }

    static byte[] lowered(final byte[] bytes)
    {
        final byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            out[i] = Verifier.lower(bytes[i]);
        }
        return out;
    }

    private static int hyperscanFlags(final String flags)
    {
        int out = 0;
        for (final char f : flags.toCharArray())
        {
            switch (f)
            {
                case 'i' -> out |= Expression.CASELESS;
                case 's' -> out |= Expression.DOTALL;
                case 'm' -> out |= Expression.MULTILINE;
                default ->
                {
                }
            }
        }
        return out;
    }

    /** Hyperscan rejects some constructs even in prefilter mode; such a rule is then evaluated every time. */
    private static boolean prefilterCompiles(final Rule.PcreDetection pcre)
    {
        if (pcre.flags().indexOf('x') >= 0 || pcre.flags().indexOf('A') >= 0)
        {
            return false;
        }
        try (Database ignored = Database.compile(List.of(new Expression(pcre.pattern(),
            hyperscanFlags(pcre.flags()) | Expression.PREFILTER | Expression.SINGLEMATCH | Expression.ALLOWEMPTY, 0)),
            Database.MODE_BLOCK))
        {
            return true;
        }
        catch (final CompileException | IllegalArgumentException e)
        {
            return false;
        }
    }

    private static void flowbits(final Prepared p, final Rule rule, final FlowbitNames names)
    {
        final List<Integer> set = new ArrayList<>();
        final List<Integer> unset = new ArrayList<>();
        final List<Integer> toggle = new ArrayList<>();
        final List<Integer> isset = new ArrayList<>();
        final List<Integer> isnotset = new ArrayList<>();
        for (final Rule.Flowbits fb : rule.flowbits())
        {
            final List<Integer> target = switch (fb.command())
            {
                case "set" -> set;
                case "unset" -> unset;
                case "toggle" -> toggle;
                case "isset" -> isset;
                case "isnotset" -> isnotset;
                default -> null;
            };
            if (fb.command().equals("noalert"))
            {
                p.noAlert = true;
            }
            if (target == null)
            {
                continue;
            }
            if (fb.command().equals("isset"))
            {
                p.issetAny = fb.any();
            }
            if (fb.command().equals("isnotset"))
            {
                p.isNotSetAny = fb.any();
            }
            for (final String name : fb.names())
            {
                target.add(names.id(name));
            }
        }
        p.flowbits = new int[][] {ints(set), ints(unset), ints(toggle), ints(isset), ints(isnotset)};
        p.setsFlowbits = !set.isEmpty() || !unset.isEmpty() || !toggle.isEmpty();
    }

    private static int[] ints(final List<Integer> list)
    {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
