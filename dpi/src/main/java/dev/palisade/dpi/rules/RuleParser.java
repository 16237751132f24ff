package dev.palisade.dpi.rules;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one Suricata or Snort 3 rule. The dialect is told apart per rule: Snort 3 writes content modifiers inside
 * the option ({@code content:"x",nocase;}), has {@code service:}, and its {@code http_*} keywords are sticky buffers
 * (they apply to the contents after them), where Suricata 4's are modifiers of the content before them; so an
 * {@code http_*} keyword before the rule's first content also marks Snort 3.
 * <p>
 * A keyword this engine does not implement makes the rule {@link LoadResult.Skipped} with that keyword, never loaded
 * with a different meaning. Malformed rules are {@link LoadResult.Invalid} with a message naming what and where.
 * Rules are untrusted text: nothing here throws on bad input but {@link RuleException}, which the callers turn into
 * results; lengths are bounded.
 */
public final class RuleParser
{
    /** Longer rules are refused (the longest ET Open rule is under 8 KiB). */
    public static final int MAX_RULE_CHARS = 64 * 1024;
    private static final int MAX_VARIABLE_DEPTH = 16;
    private static final int MAX_POSITION = 1 << 30;

    /** Keywords that only describe the rule. */
    private static final Set<String> META = Set.of("msg", "sid", "gid", "rev", "classtype", "priority", "reference",
        "metadata", "target");

    /** Header protocols: the transport they mean, and the service for application-layer ones. */
    private static final Map<String, String[]> PROTOCOLS = Map.ofEntries(
        Map.entry("tcp", new String[] {"tcp", null}), Map.entry("udp", new String[] {"udp", null}),
        Map.entry("icmp", new String[] {"icmp", null}), Map.entry("ip", new String[] {"ip", null}),
        Map.entry("http", new String[] {"tcp", "http"}), Map.entry("tls", new String[] {"tcp", "tls"}),
        Map.entry("ssl", new String[] {"tcp", "tls"}), Map.entry("ftp", new String[] {"tcp", "ftp"}),
        Map.entry("smtp", new String[] {"tcp", "smtp"}), Map.entry("ssh", new String[] {"tcp", "ssh"}),
        Map.entry("smb", new String[] {"tcp", "smb"}), Map.entry("imap", new String[] {"tcp", "imap"}),
        Map.entry("pop3", new String[] {"tcp", "pop3"}), Map.entry("dns", new String[] {"ip", "dns"}),
        Map.entry("tcp-pkt", new String[] {"tcp", null}), Map.entry("tcp-stream", new String[] {"tcp", null}));

    private final RuleVariables variables;

    public RuleParser(final RuleVariables variables)
    {
        this.variables = variables;
    }

    /** Parses one rule (one logical line, comments and continuations already handled). */
    public LoadResult parse(final String text, final String file, final int line)
    {
        final State state = new State(text, file, line);
        try
        {
            return state.parse();
        }
        catch (final RuleException ex)
        {
            return new LoadResult.Invalid(file, line, state.sid != 0 ? state.sid : sidIn(text), ex.getMessage());
        }
        catch (final Unsupported ex)
        {
            return new LoadResult.Skipped(file, line, state.sid, ex.keyword);
        }
    }

    private static final java.util.regex.Pattern SID = java.util.regex.Pattern.compile("\\bsid\\s*:\\s*([0-9]{1,18})\\s*;");

    /** The sid of a rule too broken to parse, to name it in the report; 0 when none is found. */
    static long sidIn(final String text)
    {
        final java.util.regex.Matcher m = SID.matcher(text.length() > MAX_RULE_CHARS ? text.substring(0, MAX_RULE_CHARS) :
            text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** A malformed rule. */
    public static final class RuleException extends Exception
    {
        RuleException(final String message)
        {
            super(message, null, false, false);
        }
    }

    private static final class Unsupported extends Exception
    {
        final String keyword;

        Unsupported(final String keyword)
        {
            super(keyword, null, false, false);
            this.keyword = keyword;
        }
    }

    /** One parse: the rule's text and what has been read so far. */
    private final class State
    {
        final String text;
        final String file;
        final int line;
        long sid;
        int gid = 1;
        int rev;
        int priority;
        String msg;
        String classtype;
        String service;
        boolean snort3;
        Buffer sticky = Buffer.PAYLOAD;
        final List<Rule.Detection> detection = new ArrayList<>();
        Rule.Flow flow = Rule.Flow.NONE;
        final List<Rule.Flowbits> flowbits = new ArrayList<>();
        Rule.Range dsize;
        Rule.Range itype;
        Rule.Range icode;
        Rule.Threshold threshold;
        /** The content the Suricata modifiers apply to: an index into detection, or -1. */
        int lastContent = -1;

        State(final String text, final String file, final int line)
        {
            this.text = text;
            this.file = file;
            this.line = line;
        }

        LoadResult parse() throws RuleException, Unsupported
        {
            if (text.length() > MAX_RULE_CHARS)
            {
                throw new RuleException("rule longer than " + MAX_RULE_CHARS + " characters");
            }
            final int open = text.indexOf('(');
            final int close = text.lastIndexOf(')');
            if (open < 0 || close < open)
            {
                throw new RuleException("expected 'action protocol source ports direction destination ports " +
                    "(options)'; no option list in parentheses");
            }
            if (!text.substring(close + 1).isBlank())
            {
                throw new RuleException("text after the closing ')': '" + text.substring(close + 1).strip() + "'");
            }
            final List<String> header = headerTokens(text.substring(0, open));
            final List<String[]> options = options(text.substring(open + 1, close));
            // sid first, so that skips and errors can name the rule.
            for (final String[] option : options)
            {
                if (option[0].equals("sid") && option[1] != null)
                {
                    sid = number(option[1], "sid", 1, Long.MAX_VALUE);
                }
            }
            snort3 = isSnort3(options);
            if (header.size() != 7)
            {
                throw new RuleException("expected 7 header fields (action protocol source ports direction " +
                    "destination ports), found " + header.size() + ": '" + String.join(" ", header) + "'");
            }
            final Rule.Action action = action(header.get(0));
            final String[] protocol = PROTOCOLS.get(header.get(1).toLowerCase(Locale.ROOT));
            if (protocol == null)
            {
                throw new Unsupported("protocol " + header.get(1));
            }
            service = protocol[1];
            final AddressMatcher source = address(header.get(2), 0);
            final PortMatcher sourcePorts = ports(header.get(3), 0);
            final String direction = header.get(4);
            if (!direction.equals("->") && !direction.equals("<>"))
            {
                throw new RuleException("expected '->' or '<>' between source and destination, found '" + direction +
                    "'");
            }
            final AddressMatcher destination = address(header.get(5), 0);
            final PortMatcher destinationPorts = ports(header.get(6), 0);
            for (final String[] option : options)
            {
                option(option[0], option[1]);
            }
            if (sid == 0)
            {
                throw new RuleException("no sid; every rule needs a sid");
            }
            // Suricata's tcp-pkt and tcp-stream protocols say what flow:no_stream and flow:only_stream say.
            final String headerProtocol = header.get(1).toLowerCase(Locale.ROOT);
            if (headerProtocol.equals("tcp-pkt") || headerProtocol.equals("tcp-stream"))
            {
                final boolean packet = headerProtocol.equals("tcp-pkt");
                flow = new Rule.Flow(flow.toServer(), flow.toClient(), flow.established(), flow.notEstablished(),
                    flow.stateless(), flow.onlyStream() || !packet, flow.noStream() || packet);
            }
            return new LoadResult.Loaded(new Rule(action, protocol[0], service, source, sourcePorts,
                direction.equals("<>"), destination, destinationPorts, sid, gid, rev, msg, classtype, priority,
                List.copyOf(detection), flow, List.copyOf(flowbits), dsize, itype, icode, threshold, text, file, line));
        }

        private boolean isSnort3(final List<String[]> options)
        {
            boolean contentSeen = false;
            for (final String[] option : options)
            {
                if (option[0].equals("service"))
                {
                    return true;
                }
                // An http_* keyword before any content can only be Snort 3's sticky buffer: in Suricata 4 it would
                // modify a content that is not there.
                if (!contentSeen && option[1] == null && option[0].startsWith("http_") &&
                    Buffer.byKeyword(option[0]) != null)
                {
                    return true;
                }
                contentSeen |= option[0].equals("content") || option[0].equals("uricontent");
                if (option[0].equals("content") && option[1] != null)
                {
                    final int end = closingQuote(option[1]);
                    if (end > 0 && option[1].substring(end + 1).strip().startsWith(","))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private Rule.Action action(final String word) throws Unsupported
        {
            return switch (word.toLowerCase(Locale.ROOT))
            {
                case "alert" -> Rule.Action.ALERT;
                case "drop", "block" -> Rule.Action.DROP;
                case "reject", "rejectsrc", "rejectdst", "rejectboth" -> Rule.Action.REJECT;
                case "pass" -> Rule.Action.PASS;
                default -> throw new Unsupported("action " + word);
            };
        }

        private void option(final String name, final String value) throws RuleException, Unsupported
        {
            if (META.contains(name))
            {
                meta(name, value);
                return;
            }
            final Buffer buffer = Buffer.byKeyword(name);
            if (buffer != null && value == null)
            {
                bufferKeyword(name, buffer);
                return;
            }
            switch (name)
            {
                case "content" -> content(require(name, value), Buffer.PAYLOAD);
                case "uricontent" -> content(require(name, value), Buffer.HTTP_URI);
                case "nocase", "rawbytes", "fast_pattern", "startswith", "endswith" -> flag(name, value);
                case "offset", "depth", "distance", "within" -> position(name, require(name, value));
                case "pcre" -> pcre(require(name, value));
                case "isdataat" -> isdataat(require(name, value));
                case "flow" -> flow(require(name, value));
                case "flowbits" -> flowbits(require(name, value));
                case "dsize" -> dsize = range(require(name, value), name, 0, 65535);
                case "itype" -> itype = range(require(name, value), name, 0, 255);
                case "icode" -> icode = range(require(name, value), name, 0, 255);
                case "threshold", "detection_filter" -> threshold(name, require(name, value));
                case "service" -> service = require(name, value).strip().toLowerCase(Locale.ROOT);
                default -> throw new Unsupported(name);
            }
        }

        private void meta(final String name, final String value) throws RuleException
        {
            switch (name)
            {
                case "msg" -> msg = unquote(require(name, value));
                case "sid" -> sid = number(require(name, value), name, 1, Long.MAX_VALUE);
                case "gid" -> gid = (int)number(require(name, value), name, 0, Integer.MAX_VALUE);
                case "rev" -> rev = (int)number(require(name, value), name, 0, Integer.MAX_VALUE);
                case "priority" -> priority = (int)number(require(name, value), name, 0, 255);
                case "classtype" -> classtype = require(name, value).strip();
                default ->
                {
                    // reference, metadata, target: kept in the rule text only
                }
            }
        }

        private void bufferKeyword(final String name, final Buffer buffer) throws RuleException
        {
            final boolean stickyForm = name.indexOf('.') >= 0 || name.equals("file_data") || name.equals("pkt_data") ||
                snort3;
            if (stickyForm)
            {
                sticky = buffer;
                lastContent = -1;
                return;
            }
            // Suricata 4: a modifier of the content before it.
            if (lastContent < 0)
            {
                throw new RuleException("'" + name + "' modifies the content before it, and there is none");
            }
            final Content c = content(lastContent);
            if (c.buffer() != Buffer.PAYLOAD && c.buffer() != buffer)
            {
                throw new RuleException("'" + name + "' on a content already in " + c.buffer());
            }
            replace(lastContent, c.withBuffer(buffer));
        }

        private Content content(final int index)
        {
            return ((Rule.ContentDetection)detection.get(index)).content();
        }

        private void replace(final int index, final Content content)
        {
            detection.set(index, new Rule.ContentDetection(content));
        }

        private void content(final String value, final Buffer forced) throws RuleException, Unsupported
        {
            String v = value.strip();
            boolean negated = false;
            if (v.startsWith("!"))
            {
                negated = true;
                v = v.substring(1).strip();
            }
            final int end = closingQuote(v);
            if (!v.startsWith("\"") || end < 0)
            {
                throw new RuleException("content must be a quoted string, such as content:\"GET \" or " +
                    "content:\"|0d 0a|\"; got " + shorten(value));
            }
            final byte[] bytes = contentBytes(v.substring(1, end));
            if (bytes.length == 0)
            {
                throw new RuleException("empty content");
            }
            final Buffer buffer = forced != Buffer.PAYLOAD ? forced : sticky;
            detection.add(new Rule.ContentDetection(new Content(bytes, negated, false, buffer, null, null, null, null,
                false, false, false)));
            lastContent = detection.size() - 1;
            final String rest = v.substring(end + 1).strip();
            if (!rest.isEmpty())
            {
                if (!rest.startsWith(","))
                {
                    throw new RuleException("unexpected '" + shorten(rest) + "' after the content string");
                }
                for (final String modifier : rest.substring(1).split(","))
                {
                    final String m = modifier.strip();
                    final int space = m.indexOf(' ');
                    final String key = space < 0 ? m : m.substring(0, space);
                    final String arg = space < 0 ? null : m.substring(space + 1).strip();
                    switch (key)
                    {
                        case "nocase", "fast_pattern", "rawbytes" -> flag(key, null);
                        case "offset", "depth", "distance", "within" -> position(key, require(key, arg));
                        default -> throw new Unsupported("content modifier " + key);
                    }
                }
            }
        }

        private void flag(final String name, final String value) throws RuleException, Unsupported
        {
            if (lastContent < 0)
            {
                throw new RuleException("'" + name + "' modifies the content before it, and there is none");
            }
            final Content c = content(lastContent);
            switch (name)
            {
                case "nocase" -> replace(lastContent, c.withNocase());
                case "fast_pattern" ->
                {
                    // "only" and "offset,length" (chop) only steer the choice of prefilter; matching is unchanged.
                    if (value != null && !value.strip().equals("only") && !value.strip().matches("[0-9]+\\s*,\\s*[0-9]+"))
                    {
                        throw new Unsupported("fast_pattern:" + value.strip());
                    }
                    replace(lastContent, c.withFastPattern());
                }
                case "startswith" -> replace(lastContent, c.withStartsWith());
                case "endswith" -> replace(lastContent, c.withEndsWith());
                default ->
                {
                    // rawbytes: this engine matches raw payload bytes anyway (no telnet normalisation)
                }
            }
        }

        private void position(final String name, final String value) throws RuleException, Unsupported
        {
            if (lastContent < 0)
            {
                throw new RuleException("'" + name + "' modifies the content before it, and there is none");
            }
            final String v = value.strip();
            if (!v.isEmpty() && (Character.isLetter(v.charAt(0)) || v.charAt(0) == '_'))
            {
                throw new Unsupported(name + " with a byte_extract variable");
            }
            final boolean relative = name.equals("distance");
            final int n = (int)number(v, name, relative ? -MAX_POSITION : 0, MAX_POSITION);
            replace(lastContent, content(lastContent).withPosition(name, n));
        }

        private void pcre(final String value) throws RuleException, Unsupported
        {
            String v = value.strip();
            boolean negated = false;
            if (v.startsWith("!"))
            {
                negated = true;
                v = v.substring(1).strip();
            }
            final String body;
            if (v.startsWith("/"))
            {
                // Suricata also takes the expression unquoted: pcre:/x/U;
                body = v;
            }
            else
            {
                final int end = closingQuote(v);
                if (!v.startsWith("\"") || end < 0)
                {
                    throw new RuleException("pcre must be a quoted \"/regex/flags\"; got " + shorten(value));
                }
                body = unescape(v.substring(1, end));
            }
            final int last = body.lastIndexOf('/');
            if (!body.startsWith("/") || last <= 0)
            {
                throw new RuleException("pcre must be \"/regex/flags\" with slashes; got " + shorten(body));
            }
            final String pattern = body.substring(1, last);
            final StringBuilder flags = new StringBuilder();
            boolean relative = false;
            Buffer buffer = sticky;
            for (final char f : body.substring(last + 1).toCharArray())
            {
                switch (f)
                {
                    case 'i', 's', 'm', 'x', 'A', 'E', 'G' -> flags.append(f);
                    case 'R' -> relative = true;
                    case 'U' -> buffer = Buffer.HTTP_URI;
                    case 'I' -> buffer = Buffer.HTTP_RAW_URI;
                    case 'H' -> buffer = Buffer.HTTP_HEADER;
                    case 'D' -> buffer = Buffer.HTTP_RAW_HEADER;
                    case 'C' -> buffer = Buffer.HTTP_COOKIE;
                    case 'M' -> buffer = Buffer.HTTP_METHOD;
                    case 'P' -> buffer = Buffer.HTTP_CLIENT_BODY;
                    case 'S' -> buffer = Buffer.HTTP_STAT_CODE;
                    case 'Y' -> buffer = Buffer.HTTP_STAT_MSG;
                    case 'V' -> buffer = Buffer.HTTP_USER_AGENT;
                    case 'W' -> buffer = Buffer.HTTP_HOST;
                    case 'B', 'O' ->
                    {
                        // rawbytes; override of the match limits: no effect on what matches here
                    }
                    default -> throw new Unsupported("pcre modifier " + f);
                }
            }
            detection.add(new Rule.PcreDetection(pattern, flags.toString(), negated, relative, buffer));
        }

        private void isdataat(final String value) throws RuleException, Unsupported
        {
            final String[] parts = value.split(",");
            String n = parts[0].strip();
            final boolean negated = n.startsWith("!");
            if (negated)
            {
                n = n.substring(1).strip();
            }
            if (!n.isEmpty() && Character.isLetter(n.charAt(0)))
            {
                throw new Unsupported("isdataat with a byte_extract variable");
            }
            boolean relative = false;
            for (int i = 1; i < parts.length; i++)
            {
                switch (parts[i].strip())
                {
                    case "relative" -> relative = true;
                    case "rawbytes" ->
                    {
                    }
                    default -> throw new RuleException("isdataat: unknown '" + parts[i].strip() + "'; expected " +
                        "relative or rawbytes");
                }
            }
            detection.add(new Rule.IsDataAt((int)number(n, "isdataat", 0, MAX_POSITION), negated, relative, sticky));
        }

        private void flow(final String value) throws RuleException, Unsupported
        {
            boolean toServer = false;
            boolean toClient = false;
            boolean established = false;
            boolean notEstablished = false;
            boolean stateless = false;
            boolean onlyStream = false;
            boolean noStream = false;
            for (final String part : value.split(","))
            {
                switch (part.strip().toLowerCase(Locale.ROOT))
                {
                    case "to_server", "from_client" -> toServer = true;
                    case "to_client", "from_server" -> toClient = true;
                    case "established" -> established = true;
                    case "not_established" -> notEstablished = true;
                    case "stateless" -> stateless = true;
                    case "only_stream" -> onlyStream = true;
                    case "no_stream" -> noStream = true;
                    default -> throw new Unsupported("flow:" + part.strip());
                }
            }
            if (toServer && toClient)
            {
                throw new RuleException("flow: to_server and to_client together can never match");
            }
            flow = new Rule.Flow(toServer, toClient, established, notEstablished, stateless, onlyStream, noStream);
        }

        private void flowbits(final String value) throws RuleException, Unsupported
        {
            final int comma = value.indexOf(',');
            final String command = (comma < 0 ? value : value.substring(0, comma)).strip().toLowerCase(Locale.ROOT);
            final String names = comma < 0 ? null : value.substring(comma + 1).strip();
            switch (command)
            {
                case "noalert" ->
                {
                    if (names != null)
                    {
                        throw new RuleException("flowbits:noalert takes no name");
                    }
                    flowbits.add(new Rule.Flowbits(command, List.of(), false));
                }
                case "set", "unset", "toggle", "isset", "isnotset" ->
                {
                    if (names == null || names.isEmpty())
                    {
                        throw new RuleException("flowbits:" + command + " needs a name");
                    }
                    final boolean any = names.indexOf('|') >= 0;
                    if (any && names.indexOf('&') >= 0)
                    {
                        throw new RuleException("flowbits: mixing | and & is not allowed");
                    }
                    final List<String> list = new ArrayList<>();
                    for (final String name : names.split(any ? "\\|" : "&"))
                    {
                        if (name.isBlank())
                        {
                            throw new RuleException("flowbits: empty name in '" + names + "'");
                        }
                        list.add(name.strip());
                    }
                    flowbits.add(new Rule.Flowbits(command, List.copyOf(list), any));
                }
                default -> throw new Unsupported("flowbits:" + command);
            }
        }

        private void threshold(final String name, final String value) throws RuleException
        {
            String type = name.equals("detection_filter") ? "detection_filter" : null;
            Boolean bySource = null;
            int count = -1;
            int seconds = -1;
            for (final String part : value.split(","))
            {
                final String[] kv = part.strip().split("\\s+");
                if (kv.length != 2)
                {
                    throw new RuleException(name + ": expected 'key value' pairs, got '" + part.strip() + "'");
                }
                switch (kv[0])
                {
                    case "type" -> type = kv[1];
                    case "track" -> bySource = switch (kv[1])
                    {
                        case "by_src" -> true;
                        case "by_dst" -> false;
                        default -> throw new RuleException(name + ": track must be by_src or by_dst, got " + kv[1]);
                    };
                    case "count" -> count = (int)number(kv[1], name + " count", 1, Integer.MAX_VALUE);
                    case "seconds" -> seconds = (int)number(kv[1], name + " seconds", 1, Integer.MAX_VALUE);
                    default -> throw new RuleException(name + ": unknown '" + kv[0] + "'; expected type, track, " +
                        "count and seconds");
                }
            }
            if (type == null || bySource == null || count < 0 || seconds < 0)
            {
                throw new RuleException(name + " needs " + (name.equals("threshold") ? "type, " : "") +
                    "track, count and seconds");
            }
            if (!Set.of("limit", "threshold", "both", "detection_filter").contains(type))
            {
                throw new RuleException(name + ": type must be limit, threshold or both, got " + type);
            }
            threshold = new Rule.Threshold(type, bySource, count, seconds, name.equals("detection_filter"));
        }

        private Rule.Range range(final String value, final String name, final long min, final long max)
            throws RuleException
        {
            String v = value.strip();
            boolean negated = false;
            if (v.startsWith("!"))
            {
                negated = true;
                v = v.substring(1).strip();
            }
            final int between = v.indexOf("<>");
            if (between >= 0)
            {
                final long lo = number(v.substring(0, between).strip(), name, min, max);
                final long hi = number(v.substring(between + 2).strip(), name, min, max);
                if (hi <= lo + 1)
                {
                    throw new RuleException(name + ": range " + v + " holds no value (bounds are exclusive)");
                }
                return new Rule.Range(lo + 1, hi - 1, negated);
            }
            if (v.startsWith(">="))
            {
                return new Rule.Range(number(v.substring(2).strip(), name, min, max), max, negated);
            }
            if (v.startsWith("<="))
            {
                return new Rule.Range(min, number(v.substring(2).strip(), name, min, max), negated);
            }
            if (v.startsWith(">"))
            {
                return new Rule.Range(number(v.substring(1).strip(), name, min, max) + 1, max, negated);
            }
            if (v.startsWith("<"))
            {
                return new Rule.Range(min, number(v.substring(1).strip(), name, min, max) - 1, negated);
            }
            final long n = number(v, name, min, max);
            return new Rule.Range(n, n, negated);
        }

        private AddressMatcher address(final String token, final int depth) throws RuleException, Unsupported
        {
            final String t = token.strip();
            if (depth > MAX_VARIABLE_DEPTH)
            {
                throw new RuleException("address variables nested more than " + MAX_VARIABLE_DEPTH + " deep (a loop?)");
            }
            if (t.isEmpty())
            {
                throw new RuleException("empty address");
            }
            if (t.equalsIgnoreCase("any"))
            {
                return AddressMatcher.ANY;
            }
            if (t.startsWith("!"))
            {
                return new AddressMatcher.Not(address(t.substring(1), depth + 1));
            }
            if (t.startsWith("$"))
            {
                final String value = variables.get(t.substring(1));
                if (value == null)
                {
                    throw new RuleException("undefined variable " + t + "; define it in the rule variables");
                }
                return address(value, depth + 1);
            }
            if (t.startsWith("["))
            {
                if (!t.endsWith("]"))
                {
                    throw new RuleException("unclosed '[' in address " + t);
                }
                final List<AddressMatcher> items = new ArrayList<>();
                for (final String item : splitList(t.substring(1, t.length() - 1)))
                {
                    items.add(address(item, depth + 1));
                }
                return new AddressMatcher.Group(List.copyOf(items));
            }
            try
            {
                final dev.palisade.policy.model.Cidr cidr = dev.palisade.policy.Addresses.parseCidr(t);
                return new AddressMatcher.Cidr(cidr.hi(), cidr.lo(), cidr.prefix());
            }
            catch (final IllegalArgumentException ex)
            {
                // Suricata accepts host bits in rule addresses (10.1.2.3/8): mask them rather than refuse the rule.
                final int slash = t.indexOf('/');
                if (slash > 0)
                {
                    try
                    {
                        final dev.palisade.policy.model.Cidr host =
                            dev.palisade.policy.Addresses.parseCidr(t.substring(0, slash));
                        final int bits = Integer.parseInt(t.substring(slash + 1));
                        final int length = host.ipv4() ? 96 + bits : bits;
                        if (bits >= 0 && length <= 128 && (!host.ipv4() || bits <= 32))
                        {
                            return new AddressMatcher.Cidr(host.hi(), host.lo(), length);
                        }
                    }
                    catch (final IllegalArgumentException ignored)
                    {
                        // fall through to the original message
                    }
                }
                throw new RuleException("address: " + ex.getMessage());
            }
        }

        private PortMatcher ports(final String token, final int depth) throws RuleException
        {
            final String t = token.strip();
            if (depth > MAX_VARIABLE_DEPTH)
            {
                throw new RuleException("port variables nested more than " + MAX_VARIABLE_DEPTH + " deep (a loop?)");
            }
            if (t.isEmpty())
            {
                throw new RuleException("empty port");
            }
            if (t.equalsIgnoreCase("any"))
            {
                return PortMatcher.ANY;
            }
            if (t.startsWith("!"))
            {
                return new PortMatcher.Not(ports(t.substring(1), depth + 1));
            }
            if (t.startsWith("$"))
            {
                final String value = variables.get(t.substring(1));
                if (value == null)
                {
                    throw new RuleException("undefined variable " + t + "; define it in the rule variables");
                }
                return ports(value, depth + 1);
            }
            if (t.startsWith("["))
            {
                if (!t.endsWith("]"))
                {
                    throw new RuleException("unclosed '[' in ports " + t);
                }
                final List<PortMatcher> items = new ArrayList<>();
                for (final String item : splitList(t.substring(1, t.length() - 1)))
                {
                    items.add(ports(item, depth + 1));
                }
                return new PortMatcher.Group(List.copyOf(items));
            }
            if (t.indexOf(',') >= 0)
            {
                // An unbracketed list (80,!8080), which Suricata accepts too.
                return ports("[" + t + "]", depth + 1);
            }
            final int colon = t.indexOf(':');
            if (colon < 0)
            {
                final int port = (int)number(t, "port", 0, 65535);
                return new PortMatcher.Span(port, port);
            }
            final int lo = colon == 0 ? 0 : (int)number(t.substring(0, colon), "port", 0, 65535);
            final int hi = colon == t.length() - 1 ? 65535 : (int)number(t.substring(colon + 1), "port", 0, 65535);
            if (lo > hi)
            {
                throw new RuleException("port range " + t + " is reversed");
            }
            return new PortMatcher.Span(lo, hi);
        }
    }

    /** Header fields: whitespace-separated, except inside brackets. */
    static List<String> headerTokens(final String header)
    {
        final List<String> tokens = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < header.length(); i++)
        {
            final char c = header.charAt(i);
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            if (Character.isWhitespace(c) && depth <= 0)
            {
                if (current.length() > 0)
                {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
                continue;
            }
            if (!Character.isWhitespace(c))
            {
                current.append(c);
            }
        }
        if (current.length() > 0)
        {
            tokens.add(current.toString());
        }
        return tokens;
    }

    /** Items of a bracketed list, split at top-level commas. */
    static List<String> splitList(final String list) throws RuleException
    {
        final List<String> items = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < list.length(); i++)
        {
            final char c = list.charAt(i);
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                items.add(list.substring(start, i));
                start = i + 1;
            }
        }
        items.add(list.substring(start));
        if (depth != 0)
        {
            throw new RuleException("unbalanced brackets in [" + list + "]");
        }
        for (final String item : items)
        {
            if (item.isBlank())
            {
                throw new RuleException("empty item in list [" + list + "]");
            }
        }
        return items;
    }

    /** Options as {name, value-or-null}, split at semicolons outside quotes (a backslash escapes the next character). */
    static List<String[]> options(final String body) throws RuleException
    {
        final List<String[]> options = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++)
        {
            final char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length())
            {
                current.append(c).append(body.charAt(++i));
                continue;
            }
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (c == ';' && !quoted)
            {
                addOption(options, current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        if (quoted)
        {
            throw new RuleException("unterminated quoted string in the options");
        }
        if (!current.toString().isBlank())
        {
            throw new RuleException("option '" + shorten(current.toString().strip()) + "' is not ended by ';'");
        }
        return options;
    }

    private static void addOption(final List<String[]> options, final String text) throws RuleException
    {
        final String t = text.strip();
        if (t.isEmpty())
        {
            return;
        }
        final int colon = t.indexOf(':');
        final String name = (colon < 0 ? t : t.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        if (name.isEmpty() || !name.matches("[a-z0-9_.\\-]+"))
        {
            throw new RuleException("'" + shorten(t) + "' is not an option (expected name or name:value)");
        }
        options.add(new String[] {name, colon < 0 ? null : t.substring(colon + 1).strip()});
    }

    /** The index of the quote closing the string that opens at 0, or -1. */
    static int closingQuote(final String v)
    {
        if (!v.startsWith("\""))
        {
            return -1;
        }
        for (int i = 1; i < v.length(); i++)
        {
            final char c = v.charAt(i);
            if (c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                return i;
            }
        }
        return -1;
    }

    /** A content string's bytes: text (as ISO-8859-1 bytes... UTF-8 for non-Latin text), \-escapes, |hex| runs. */
    static byte[] contentBytes(final String s) throws RuleException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        boolean hex = false;
        int nibble = -1;
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '|')
            {
                if (hex && nibble >= 0)
                {
                    throw new RuleException("odd number of hex digits in content |..|");
                }
                hex = !hex;
                continue;
            }
            if (hex)
            {
                if (Character.isWhitespace(c))
                {
                    continue;
                }
                final int d = Character.digit(c, 16);
                if (d < 0)
                {
                    throw new RuleException("'" + c + "' is not a hex digit in content |..|");
                }
                if (nibble < 0)
                {
                    nibble = d;
                }
                else
                {
                    out.write(nibble << 4 | d);
                    nibble = -1;
                }
                continue;
            }
            if (c == '\\')
            {
                if (i + 1 >= s.length())
                {
                    throw new RuleException("content ends with a lone backslash");
                }
                final char e = s.charAt(++i);
                if (e != '"' && e != '\\' && e != ';' && e != ':' && e != '|')
                {
                    throw new RuleException("'\\" + e + "' is not an escape in content (only \\\" \\\\ \\; \\: \\|); " +
                        "use |hex| for bytes");
                }
                out.write(e);
                continue;
            }
            if (c < 0x100)
            {
                out.write(c);
            }
            else
            {
                final byte[] utf8 = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
            }
        }
        if (hex)
        {
            throw new RuleException("unclosed | in content");
        }
        return out.toByteArray();
    }

    /** Removes the quotes and \-escapes of a quoted value (msg). */
    static String unquote(final String value) throws RuleException
    {
        final String v = value.strip();
        if (!v.startsWith("\""))
        {
            return v;
        }
        final int end = closingQuote(v);
        if (end != v.length() - 1)
        {
            throw new RuleException("unterminated or trailing text in " + shorten(v));
        }
        return unescape(v.substring(1, end));
    }

    static String unescape(final String s)
    {
        final StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && "\"\\;:".indexOf(s.charAt(i + 1)) >= 0)
            {
                out.append(s.charAt(++i));
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }

    static long number(final String text, final String what, final long min, final long max) throws RuleException
    {
        final String t = text.strip();
        try
        {
            final long n = Long.parseLong(t);
            if (n < min || n > max)
            {
                throw new RuleException(what + " " + n + " is out of range " + min + ".." + max);
            }
            return n;
        }
        catch (final NumberFormatException ex)
        {
            throw new RuleException(what + ": '" + shorten(t) + "' is not a number");
        }
    }

    static String require(final String name, final String value) throws RuleException
    {
        if (value == null || value.isBlank())
        {
            throw new RuleException("'" + name + "' needs a value (" + name + ":…)");
        }
        return value;
    }

    static String shorten(final String text)
    {
        return text.length() <= 60 ? text : text.substring(0, 57) + "…";
    }
}
