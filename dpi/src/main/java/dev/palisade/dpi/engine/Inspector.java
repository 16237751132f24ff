package dev.palisade.dpi.engine;

import dev.palisade.dpi.http.HttpBuffer;
import dev.palisade.dpi.http.HttpLimits;
import dev.palisade.dpi.http.HttpTransaction;
import dev.palisade.dpi.hyperscan.Database;
import dev.palisade.dpi.hyperscan.MatchListener;
import dev.palisade.dpi.hyperscan.Scanner;
import dev.palisade.dpi.hyperscan.Scratch;
import dev.palisade.dpi.rules.Rule;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * One worker's inspection: its Hyperscan scratch, its flows' inspection state (streams, HTTP, flowbits), and the
 * per-packet work. For each packet of a tracked flow the data plane calls {@link #inspect}:
 * <ol>
 * <li>TCP payload is offered to the flow's {@link StreamBuffer} for its direction;</li>
 * <li>packet rules run on the packet's payload (for TCP flows that are not reassembled, all TCP rules do);</li>
 * <li>when the stream grew, stream rules run on the new bytes (and as far back as a pattern can reach), and the new
 *     bytes go to the HTTP parser, whose completed buffers run the HTTP rules;</li>
 * <li>the rules that matched are taken in evaluation order: a pass rule ends inspection of the flow, drop and reject
 *     (inline) drop the packet and block the flow, alerts are raised up to the per-packet limit.</li>
 * </ol>
 * Each step scans with one Hyperscan call per unit and verifies only the rules it reports, plus the few rules that
 * have no pattern. Not thread-safe: one per worker.
 */
public final class Inspector implements AutoCloseable
{
    public static final int VERDICT_PASS = 0;
    public static final int VERDICT_DROP = 1;
    public static final int VERDICT_REJECT = 2;

    private static final int SOURCE_PACKET = 0;
    private static final int SOURCE_STREAM = 1;
    private static final int SOURCE_HTTP = 2;
    private static final String[] SOURCE_NAMES = {"packet", "stream", "http"};

    private final DpiEngine engine;
    private final DpiConfig config;
    private final AlertSink sink;
    private final HttpLimits httpLimits = HttpLimits.DEFAULTS;
    private final ReassemblyBudget budget;
    private final Verifier verifier = new Verifier();
    private final dev.palisade.dpi.rules.AddressMatcher home;
    private final Thresholds thresholds = new Thresholds();
    private RuleSet rules;
    private long generation;
    private Scanner scanner;

    // Flow state pool; handle = index + 1, so that 0 means none.
    private FlowInspection[] flows = new FlowInspection[1024];
    private int flowCount;
    private int freeHead = -1;
    private int openFlows;

    // Candidate rules of the unit being evaluated.
    private int[] candidates = new int[64];
    private int candidateCount;
    private int[] stamps = new int[0];
    private int stamp;
    private final MatchListener collect = this::collect;

    // Matches of the packet in progress, resolved together in evaluation order.
    private int[] matchRules = new int[16];
    private int[] matchSources = new int[16];
    private boolean[] matchFlowScope = new boolean[16];
    private byte[][] matchExcerpts = new byte[16][];
    private int matchCount;
    private boolean passMatched;

    // The packet in progress, and its payload copied out when a rule needs verifying.
    private Packet packet;
    /** The packet's class for the prefilters (direction, endpoints in $HOME_NET), computed once per packet. */
    private int packetClass;
    private byte[] packetBytes = new byte[2048];
    private boolean packetCopied;
    private final Packet flushPacket = new Packet();
    private final FlowInspection untracked = new FlowInspection();

    private final InspectionCounters counters = new InspectionCounters();

    public Inspector(final DpiEngine engine, final AlertSink sink)
    {
        this.engine = engine;
        this.config = engine.config();
        this.sink = sink;
        this.budget = new ReassemblyBudget(config.reassemblyMemcapBytes());
        this.home = engine.home();
        adopt();
    }

    public InspectionCounters counters()
    {
        counters.reassemblyBytes = budget.usedBytes();
        counters.reassemblyPeakBytes = budget.peakBytes();
        counters.reassemblyMemcapRefusals = budget.refusals;
        counters.budgetExhausted = verifier.budgetExhausted;
        counters.openFlows = openFlows;
        return counters;
    }

    /** Takes up the engine's active rule set if it changed (call between batches, on the worker's thread). */
    public void adopt()
    {
        final long current = engine.generation();
        if (rules != null && current == generation)
        {
            return;
        }
        final RuleSet next = engine.acquire();
        generation = engine.generation();
        if (next == rules)
        {
            next.release();
            return;
        }
        final Scratch scratch = scratchFor(next);
        if (scanner != null)
        {
            scanner.close();
        }
        scanner = scratch == null ? null : new Scanner(scratch);
        final RuleSet previous = rules;
        rules = next;
        stamps = new int[next.rules.length];
        stamp = 0;
        if (previous != null)
        {
            previous.release();
        }
    }

    private static Scratch scratchFor(final RuleSet set)
    {
        Scratch scratch = null;
        for (final RuleSet.Unit unit : set.allUnits())
        {
            final Database[] all = Arrays.copyOf(unit.literals, RuleSet.CLASSES + 1);
            all[RuleSet.CLASSES] = unit.regexes;
            for (final Database db : all)
            {
                if (db == null)
                {
                    continue;
                }
                if (scratch == null)
                {
                    scratch = Scratch.allocate(db);
                }
                else
                {
                    scratch.grow(db);
                }
            }
        }
        return scratch;
    }

    /** Starts inspection state for a new flow, described by its first packet; @return its handle (never 0). */
    public int open(final Packet p)
    {
        final int index;
        if (freeHead >= 0)
        {
            index = freeHead;
            freeHead = flows[index].nextFree;
        }
        else
        {
            if (flowCount == flows.length)
            {
                flows = Arrays.copyOf(flows, flows.length * 2);
            }
            index = flowCount++;
            flows[index] = new FlowInspection();
        }
        flows[index].open(p, config.midstream());
        openFlows++;
        return index + 1;
    }

    /**
     * The flow ended (closed, expired or evicted): bytes still held behind holes are inspected, the HTTP parser is
     * told (a body delimited by the close completes), alerts are raised, and the state goes back to the pool.
     */
    public void close(final int handle, final long nowNs)
    {
        final FlowInspection f = flows[handle - 1];
        if (!f.passed && !f.blocked)
        {
            flushDirection(f, true, nowNs);
            flushDirection(f, false, nowNs);
            if (f.http != null && rules.hasHttpRules)
            {
                f.describe(flushPacket, true, nowNs);
                beginPacket(flushPacket);
                f.http.parser().close();
                resolve(f, flushPacket);
            }
        }
        f.release();
        f.nextFree = freeHead;
        freeHead = handle - 1;
        openFlows--;
    }

    private void flushDirection(final FlowInspection f, final boolean toServer, final long nowNs)
    {
        final StreamBuffer stream = f.stream(toServer);
        if (!stream.active || stream.stopped || !stream.hasPending())
        {
            return;
        }
        f.describe(flushPacket, toServer, nowNs);
        while (stream.hasPending())
        {
            beginPacket(flushPacket);
            final long hole = stream.skipGap(config.retainBytes());
            counters.gaps++;
            if (f.http != null)
            {
                f.http.parser().gap(toServer, hole);
            }
            if (stream.end > stream.inspected)
            {
                inspectStream(f, flushPacket, stream, toServer);
            }
            resolve(f, flushPacket);
        }
    }

    /**
     * Inspects one packet of the flow {@code handle}.
     *
     * @return {@link #VERDICT_PASS}, {@link #VERDICT_DROP} or {@link #VERDICT_REJECT}.
     */
    public int inspect(final int handle, final Packet p)
    {
        return inspect(flows[handle - 1], p);
    }

    /**
     * Inspects a packet that belongs to no tracked flow (a TCP packet without any flag, a fragment without ports):
     * its own rules run on it alone, with no stream and no flow state.
     */
    public int inspectUntracked(final Packet p)
    {
        final FlowInspection f = untracked;
        f.open(p, false);
        final int verdict = inspect(f, p);
        f.release();
        return verdict;
    }

    private int inspect(final FlowInspection f, final Packet p)
    {
        if (f.reversed)
        {
            p.toServer = !p.toServer;
        }
        f.lastTimestampNs = p.timestampNs;
        f.established = p.established;
        counters.packets++;
        if (f.blocked)
        {
            counters.blockedPackets++;
            return VERDICT_DROP;
        }
        if (f.passed)
        {
            counters.passedPackets++;
            return VERDICT_PASS;
        }
        beginPacket(p);
        final RuleSet set = rules;
        if (p.protocol == 6)
        {
            final StreamBuffer stream = f.stream(p.toServer);
            final boolean inStream = track(f, p, stream);
            evaluatePacket(set.units[inStream || p.payloadLength == 0 ? RuleSet.UNIT_TCP_PACKET :
                RuleSet.UNIT_TCP_UNSTREAMED], f, p);
            if (stream.active && !stream.stopped && stream.end > stream.inspected && !passMatched)
            {
                inspectStream(f, p, stream, p.toServer);
            }
        }
        else
        {
            evaluatePacket(set.units[p.protocol == 17 ? RuleSet.UNIT_UDP : RuleSet.UNIT_OTHER], f, p);
        }
        return resolve(f, p);
    }

    private void beginPacket(final Packet p)
    {
        packet = p;
        packetClass = RuleSet.classOf(p, home);
        packetCopied = false;
        matchCount = 0;
        passMatched = false;
    }

    /**
     * Follows the TCP handshake and offers the payload to the stream of its direction.
     *
     * @return true when the payload went into the stream (in order or held); otherwise the packet's rules look at it
     *         alone (no session, a retransmission, data on a SYN), so the same bytes never alert twice.
     */
    private boolean track(final FlowInspection f, final Packet p, final StreamBuffer stream)
    {
        final int flags = p.tcpFlags;
        if ((flags & Packet.TCP_SYN) != 0)
        {
            final boolean seen = p.toServer ? f.synToServer : f.synToClient;
            if (!seen || !stream.active)
            {
                // Data on a SYN (TCP Fast Open) is inspected with the packet; the stream starts after it.
                stream.start(p.tcpSeq + 1 + p.payloadLength, budget);
                if (p.toServer)
                {
                    f.synToServer = true;
                }
                else
                {
                    f.synToClient = true;
                }
            }
            return false;
        }
        if (p.payloadLength == 0)
        {
            return false;
        }
        if (!stream.active)
        {
            final boolean handshake = f.synToServer || f.synToClient;
            if (!handshake && !config.midstream())
            {
                return false; // not reassembled: packet inspection only
            }
            stream.start(p.tcpSeq, budget);
        }
        final int result = offer(f, p, stream, p.tcpSeq);
        return result == StreamBuffer.ACCEPTED || result == StreamBuffer.HELD;
    }

    private int offer(final FlowInspection f, final Packet p, final StreamBuffer stream, final long seq)
    {
        final long overlaps = stream.overlapsDiffering;
        int result = stream.accept(seq, p.buffer, p.payloadOffset, p.payloadLength, config.retainBytes(),
            config.maxPendingBytes());
        for (int attempt = 0; result == StreamBuffer.NEEDS_GAP_SKIP && attempt < 64; attempt++)
        {
            // The segment cannot be held: give up the hole before what is held (or before this segment), inspect
            // what follows it, and offer the segment again. Everything before the hole was inspected already.
            counters.gaps++;
            final long hole = stream.hasPending() ? stream.skipGap(config.retainBytes()) : stream.jumpTo(seq);
            httpGap(f, p.toServer, hole);
            if (stream.end > stream.inspected)
            {
                inspectStream(f, p, stream, p.toServer);
            }
            result = stream.accept(seq, p.buffer, p.payloadOffset, p.payloadLength, config.retainBytes(),
                config.maxPendingBytes());
        }
        switch (result)
        {
            case StreamBuffer.NOT_TRACKED -> counters.reassemblyStopped++;
            case StreamBuffer.OLD ->
            {
                counters.retransmissions++;
                if (stream.overlapsDiffering != overlaps)
                {
                    counters.overlapsDiffering++;
                }
            }
            case StreamBuffer.HELD -> counters.outOfOrder++;
            default ->
            {
            }
        }
        return result;
    }

    private void httpGap(final FlowInspection f, final boolean toServer, final long hole)
    {
        if (f.http != null)
        {
            f.http.parser().gap(toServer, hole);
        }
    }

    /** Stream rules over the bytes of {@code stream} not inspected yet, then the HTTP parser. */
    private void inspectStream(final FlowInspection f, final Packet p, final StreamBuffer stream,
        final boolean toServer)
    {
        final long before = stream.inspected;
        final RuleSet set = rules;
        final RuleSet.Unit unit = set.units[RuleSet.UNIT_TCP_STREAM];
        final int length = stream.windowLength();
        final long base = stream.windowBase;
        counters.streamBytes += stream.end - Math.max(before, base);
        if (unit.patternCount > 0 || unit.always.length > 0)
        {
            candidateCount = 0;
            stamp++;
            final Database literals = unit.literals[packetClass];
            if (literals != null)
            {
                final long from = Math.max(base, stream.inspected - Math.max(0, unit.longestLiteral - 1));
                scan(literals, stream.window, (int)(from - base), (int)(base + length - from));
            }
            if (unit.regexes != null)
            {
                scan(unit.regexes, stream.window, 0, length);
            }
            evaluateCandidates(set, unit, f, p, SOURCE_STREAM, stream.window, 0, length, base, stream.inspected, true);
        }
        if (set.hasHttpRules && !passMatched)
        {
            feedHttp(f, toServer, stream, before);
        }
        stream.inspected = stream.end;
        final long depth = config.reassemblyDepthBytes();
        if (depth > 0 && stream.end >= depth)
        {
            stream.stop();
        }
        else
        {
            stream.trim(config.retainBytes());
        }
    }

    private void feedHttp(final FlowInspection f, final boolean toServer, final StreamBuffer stream, final long before)
    {
        if (f.http == null)
        {
            f.http = new HttpInspection(httpLimits, this);
        }
        f.http.attach(f);
        final long from = Math.max(before, stream.windowBase);
        final int offset = (int)(from - stream.windowBase);
        final int length = (int)(stream.end - from);
        if (length <= 0 || !f.http.parser().isHttp())
        {
            return;
        }
        if (toServer)
        {
            f.http.parser().toServer(stream.window, offset, length);
        }
        else
        {
            f.http.parser().toClient(stream.window, offset, length);
        }
    }

    /** Called by the flow's HTTP parser when {@code tx} reached {@code stage}. */
    void httpStage(final FlowInspection f, final HttpTransaction tx, final int stage)
    {
        final RuleSet set = rules;
        final Packet p = packet;
        counters.httpStages++;
        candidateCount = 0;
        stamp++;
        for (final HttpField field : HttpField.VALUES)
        {
            if (field.stage != stage)
            {
                continue;
            }
            final RuleSet.Unit unit = set.httpFields[field.ordinal()];
            final HttpBuffer buffer = HttpInspection.field(tx, field);
            if (buffer.isEmpty())
            {
                continue;
            }
            final Database literals = unit.literals[packetClass];
            if (literals != null)
            {
                scan(literals, buffer.array(), 0, buffer.length());
            }
            if (unit.regexes != null)
            {
                scan(unit.regexes, buffer.array(), 0, buffer.length());
            }
        }
        // Candidates for later stages wait in the transaction; earlier ones pending for this stage join in.
        final HttpInspection http = f.http;
        final int pending = http.pendingCount(tx, generation);
        final int[] pendingRules = http.pendingRules(tx);
        int kept = 0;
        for (int i = 0; i < candidateCount; i++)
        {
            final int rule = candidates[i];
            final int ruleStage = set.rules[rule].httpStage;
            if (ruleStage > stage)
            {
                http.remember(tx, rule);
            }
            else if (ruleStage == stage)
            {
                candidates[kept++] = rule;
            }
        }
        candidateCount = kept;
        for (int i = 0; i < pending; i++)
        {
            final int rule = pendingRules[i];
            if (set.rules[rule].httpStage == stage && rule < stamps.length && stamps[rule] != stamp)
            {
                stamps[rule] = stamp;
                addCandidate(rule);
            }
        }
        for (final int rule : set.httpAlways[stage])
        {
            addCandidate(rule);
        }
        if (candidateCount == 0)
        {
            return;
        }
        Arrays.sort(candidates, 0, candidateCount);
        final StreamBuffer stream = f.stream(p.toServer);
        int last = -1;
        for (int i = 0; i < candidateCount && !passMatched; i++)
        {
            final int index = candidates[i];
            if (index == last)
            {
                continue;
            }
            last = index;
            final CompiledRule rule = set.rules[index];
            if (!rule.headerMatches(p) || !rule.packetTestsMatch(p, true) || !rule.flowbitsMatch(f.bits))
            {
                continue;
            }
            counters.verified++;
            if (!httpChainsMatch(rule, tx))
            {
                continue;
            }
            byte[] excerpt = null;
            if (rule.payload != null)
            {
                if (!stream.active || stream.window == null || !verifier.matches(rule.payload, stream.window, 0,
                    stream.windowLength(), stream.windowBase, Long.MIN_VALUE))
                {
                    continue;
                }
            }
            final HttpBuffer first = firstBuffer(rule, tx);
            if (first != null)
            {
                excerpt = Arrays.copyOf(first.array(), Math.min(first.length(), config.excerptBytes()));
            }
            matched(rule, f, p, SOURCE_HTTP, excerpt);
        }
    }

    private boolean httpChainsMatch(final CompiledRule rule, final HttpTransaction tx)
    {
        for (int field = 0; field < rule.http.length; field++)
        {
            final Element[] chain = rule.http[field];
            if (chain == null)
            {
                continue;
            }
            final HttpBuffer buffer = HttpInspection.field(tx, HttpField.VALUES[field]);
            if (!verifier.matches(chain, buffer.array(), 0, buffer.length(), 0, Long.MIN_VALUE))
            {
                return false;
            }
        }
        return true;
    }

    private static HttpBuffer firstBuffer(final CompiledRule rule, final HttpTransaction tx)
    {
        for (int field = 0; field < rule.http.length; field++)
        {
            if (rule.http[field] != null)
            {
                return HttpInspection.field(tx, HttpField.VALUES[field]);
            }
        }
        return null;
    }

    private void evaluatePacket(final RuleSet.Unit unit, final FlowInspection f, final Packet p)
    {
        if (unit.always.length == 0 && (unit.patternCount == 0 || p.payloadLength == 0))
        {
            return;
        }
        candidateCount = 0;
        stamp++;
        if (p.payloadLength > 0)
        {
            final DirectBuffer buffer = p.buffer;
            final Database literals = unit.literals[packetClass];
            if (literals != null)
            {
                scanPacket(literals, buffer, p.payloadOffset, p.payloadLength);
            }
            if (unit.regexes != null)
            {
                scanPacket(unit.regexes, buffer, p.payloadOffset, p.payloadLength);
            }
        }
        if (candidateCount == 0 && unit.always.length == 0)
        {
            return;
        }
        copyPacket(p);
        evaluateCandidates(rules, unit, f, p, SOURCE_PACKET, packetBytes, 0, p.payloadLength, 0, Long.MIN_VALUE,
            false);
    }

    private void copyPacket(final Packet p)
    {
        if (packetCopied)
        {
            return;
        }
        if (packetBytes.length < p.payloadLength)
        {
            packetBytes = new byte[Math.max(p.payloadLength, packetBytes.length * 2)];
        }
        if (p.payloadLength > 0)
        {
            p.buffer.getBytes(p.payloadOffset, packetBytes, 0, p.payloadLength);
        }
        packetCopied = true;
    }

    private void evaluateCandidates(final RuleSet set, final RuleSet.Unit unit, final FlowInspection f,
        final Packet p, final int source, final byte[] data, final int from, final int length, final long base,
        final long minEnd, final boolean stream)
    {
        for (final int rule : unit.always)
        {
            if (stamps[rule] != stamp)
            {
                stamps[rule] = stamp;
                addCandidate(rule);
            }
        }
        if (candidateCount == 0)
        {
            return;
        }
        counters.candidates += candidateCount;
        Arrays.sort(candidates, 0, candidateCount);
        for (int i = 0; i < candidateCount && !passMatched; i++)
        {
            final CompiledRule rule = set.rules[candidates[i]];
            if (!rule.headerMatches(p))
            {
                counters.headerRejects++;
                continue;
            }
            if (!rule.packetTestsMatch(p, stream) || !rule.flowbitsMatch(f.bits))
            {
                counters.flowRejects++;
                continue;
            }
            counters.verified++;
            byte[] excerpt = null;
            if (rule.payload != null)
            {
                if (!verifier.matches(rule.payload, data, from, length, base, minEnd))
                {
                    continue;
                }
                final long end = verifier.lastMatchEnd;
                final int excerptEnd = (int)Math.min(end - base, length);
                final int excerptStart = Math.max(0, excerptEnd - config.excerptBytes());
                excerpt = Arrays.copyOfRange(data, from + excerptStart, from + excerptEnd);
            }
            else if (length > 0)
            {
                excerpt = Arrays.copyOfRange(data, from, from + Math.min(length, config.excerptBytes()));
            }
            matched(rule, f, p, source, excerpt);
        }
    }

    private void matched(final CompiledRule rule, final FlowInspection f, final Packet p, final int source,
        final byte[] excerpt)
    {
        rule.applyFlowbits(f.bits);
        if (!thresholds.allow(rule.rule, p))
        {
            counters.thresholded++;
            return;
        }
        if (matchCount == matchRules.length)
        {
            matchRules = Arrays.copyOf(matchRules, matchCount * 2);
            matchSources = Arrays.copyOf(matchSources, matchCount * 2);
            matchExcerpts = Arrays.copyOf(matchExcerpts, matchCount * 2);
            matchFlowScope = Arrays.copyOf(matchFlowScope, matchCount * 2);
        }
        // A match on stream or HTTP data, or by a rule with no payload test at all, concerns the flow; a match on
        // one packet's own payload concerns that packet (Suricata).
        matchFlowScope[matchCount] = source != SOURCE_PACKET || rule.payload == null && rule.httpStage == 0;
        matchRules[matchCount] = rule.index;
        matchSources[matchCount] = source;
        matchExcerpts[matchCount] = excerpt;
        matchCount++;
        if (rule.rule.action() == Rule.Action.PASS)
        {
            passMatched = true;
        }
    }

    /** Acts on the packet's matches in evaluation order; @return the verdict. */
    private int resolve(final FlowInspection f, final Packet p)
    {
        if (matchCount == 0)
        {
            return VERDICT_PASS;
        }
        sortMatches();
        final RuleSet set = rules;
        int verdict = VERDICT_PASS;
        int alerts = 0;
        for (int i = 0; i < matchCount; i++)
        {
            if (i > 0 && matchRules[i] == matchRules[i - 1])
            {
                continue; // the same rule on the packet and on the stream bytes it brought: one match
            }
            final CompiledRule rule = set.rules[matchRules[i]];
            final Rule.Action action = rule.rule.action();
            if (action == Rule.Action.PASS)
            {
                // A pass ends the walk: nothing after it in the order acts or alerts. One that concerns the flow
                // passes the rest of the flow too, unless a drop before it already dropped this packet.
                if (matchFlowScope[i] && verdict == VERDICT_PASS)
                {
                    f.passed = true;
                }
                counters.passRules++;
                break;
            }
            boolean blocked = false;
            if ((action == Rule.Action.DROP || action == Rule.Action.REJECT) && config.ips())
            {
                blocked = true;
                if (matchFlowScope[i])
                {
                    f.blocked = true;
                }
                if (action == Rule.Action.REJECT)
                {
                    verdict = VERDICT_REJECT;
                }
                else if (verdict == VERDICT_PASS)
                {
                    verdict = VERDICT_DROP;
                }
            }
            if (rule.noAlert)
            {
                continue;
            }
            if (alerts == config.packetAlertMax())
            {
                counters.alertQueueOverflow++;
                continue;
            }
            alerts++;
            counters.alerts++;
            final Rule r = rule.rule;
            sink.alert(new Alert(r.sid(), r.gid(), r.rev(), r.msg(), r.classtype(), r.priority(),
                r.action().name().toLowerCase(java.util.Locale.ROOT), blocked, SOURCE_NAMES[matchSources[i]],
                p.toServer, p.timestampNs, p.number, p.protocol, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo,
                p.dstPort, matchExcerpts[i]));
        }
        if (verdict != VERDICT_PASS)
        {
            counters.droppedPackets++;
        }
        matchCount = 0;
        return verdict;
    }

    private void sortMatches()
    {
        // insertion sort: a packet has few matches
        for (int i = 1; i < matchCount; i++)
        {
            final int rule = matchRules[i];
            final int source = matchSources[i];
            final boolean scope = matchFlowScope[i];
            final byte[] excerpt = matchExcerpts[i];
            int j = i - 1;
            while (j >= 0 && matchRules[j] > rule)
            {
                matchRules[j + 1] = matchRules[j];
                matchSources[j + 1] = matchSources[j];
                matchFlowScope[j + 1] = matchFlowScope[j];
                matchExcerpts[j + 1] = matchExcerpts[j];
                j--;
            }
            matchRules[j + 1] = rule;
            matchSources[j + 1] = source;
            matchFlowScope[j + 1] = scope;
            matchExcerpts[j + 1] = excerpt;
        }
    }

    private void scanPacket(final Database database, final DirectBuffer buffer, final int offset, final int length)
    {
        counters.scans++;
        if (buffer.byteArray() == null)
        {
            scanner.scan(database, buffer.addressOffset() + offset, length, collect);
        }
        else
        {
            copyPacket(packet);
            scanner.scan(database, packetBytes, 0, length, collect);
        }
    }

    private void scan(final Database database, final byte[] data, final int offset, final int length)
    {
        if (length <= 0)
        {
            return;
        }
        counters.scans++;
        scanner.scan(database, data, offset, length, collect);
    }

    private boolean collect(final int id, final long from, final long to)
    {
        counters.prefilterMatches++;
        if (stamps[id] != stamp)
        {
            stamps[id] = stamp;
            addCandidate(id);
        }
        return true;
    }

    private void addCandidate(final int rule)
    {
        if (candidateCount == candidates.length)
        {
            candidates = Arrays.copyOf(candidates, candidateCount * 2);
        }
        candidates[candidateCount++] = rule;
    }

    /**
     * Measures the heap taken by one flow's inspection state before it holds any stream bytes (for the memory
     * report of benchmarks; allocates and drops {@code samples} states, so not for the packet path).
     */
    public static long measureFlowStateBytes(final int samples)
    {
        final Runtime runtime = Runtime.getRuntime();
        final FlowInspection[] states = new FlowInspection[samples];
        System.gc();
        final long before = runtime.totalMemory() - runtime.freeMemory();
        for (int i = 0; i < samples; i++)
        {
            states[i] = new FlowInspection();
        }
        System.gc();
        final long after = runtime.totalMemory() - runtime.freeMemory();
        final long perFlow = (after - before) / samples;
        return states.length == samples ? perFlow : 0; // keeps the states reachable until measured
    }

    /** Bytes held per open flow on average, and in total, for the memory report. */
    public long flowStateBytes()
    {
        long total = 0;
        for (int i = 0; i < flowCount; i++)
        {
            total += flows[i].heldBytes();
        }
        return total;
    }

    @Override
    public void close()
    {
        if (scanner != null)
        {
            scanner.close();
            scanner = null;
        }
        if (rules != null)
        {
            rules.release();
            rules = null;
        }
    }
}
