package dev.palisade.enforcement.pipeline;

import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.engine.Inspector;
import dev.palisade.dpi.engine.Packet;
import dev.palisade.enforcement.conntrack.FlowState;
import dev.palisade.enforcement.conntrack.FlowTable;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.SelfProtection;
import dev.palisade.enforcement.firewall.WorkerFirewall;
import dev.palisade.enforcement.firewall.WorkerSelfProtection;
import dev.palisade.enforcement.packet.Checksums;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import dev.palisade.enforcement.packet.RejectReplies;
import org.agrona.DirectBuffer;

/**
 * One data-plane worker: its own parser, flow table and counters, sharing nothing with other workers. It processes a
 * batch in passes so that the cache misses of many packets overlap instead of queueing one after another:
 * <ol>
 * <li>parse every packet (compute, on cached packet memory);</li>
 * <li>read the table slot each flow hashes to (one cache line per flow);</li>
 * <li>track each flow (lookup, create, state, counters) and decide each packet's verdict, now from cache: with a
 *     firewall, a new flow is classified once and its verdict kept in its conntrack entry.</li>
 * </ol>
 * With self-protection, a packet from the host side to the DPU's own management addresses is dropped in pass 3 before
 * conntrack, the firewall or inspection see it, with or without a firewall.
 * Nothing on this path allocates, throws on bad input, or reads a clock: time is each packet's timestamp.
 */
public final class Worker implements AutoCloseable
{
    private final int id;
    private final DataPlaneConfig config;
    private final PacketParser parser = new PacketParser();
    private final WorkerCounters counters = new WorkerCounters();
    private final FlowTable flows;
    private final PacketMeta[] metas;
    private final int[] results;
    private final long[] hashes;
    private final byte malformedVerdict;
    private final byte nonIpVerdict;
    /** Null without a firewall: every tracked packet passes. */
    private final WorkerFirewall firewall;
    /** Null without deep inspection. */
    private final Inspector inspector;
    /** Null without self-protection. */
    private final WorkerSelfProtection selfProtection;
    private final Packet inspected = new Packet();
    private final boolean inspectMidstream;
    private final boolean validateChecksums;
    private final RejectReplies rejectReplies = new RejectReplies();
    private ReplySink replies = ReplySink.NONE;
    /** Token bucket of reject replies, refilled by packet time. */
    private final long replyIntervalNs;
    private final long replyBurstNs;
    private long replyCreditNs;
    private long replyClockNs;
    /** Sink for the pre-touch loads so the JIT keeps them. */
    private long touched;
    private long batches;

    public Worker(final int id, final DataPlaneConfig config)
    {
        this(id, config, null, EventSink.NONE);
    }

    /** A worker that enforces {@code firewall}'s active program (null for none), sending events to {@code events}. */
    public Worker(final int id, final DataPlaneConfig config, final Firewall firewall, final EventSink events)
    {
        this(id, config, firewall, events, null, AlertSink.NONE);
    }

    /**
     * A worker that also inspects what the firewall lets through with {@code dpi}'s active rules (null for none),
     * sending alerts to {@code alerts}.
     */
    public Worker(final int id, final DataPlaneConfig config, final Firewall firewall, final EventSink events,
        final DpiEngine dpi, final AlertSink alerts)
    {
        this(id, config, firewall, events, dpi, alerts, null);
    }

    /**
     * A worker that also keeps the host away from the DPU's management addresses ({@code selfProtection}, null for
     * none): such packets are dropped before anything else looks at them, counted and reported to {@code events},
     * whether or not there is a firewall.
     */
    public Worker(final int id, final DataPlaneConfig config, final Firewall firewall, final EventSink events,
        final DpiEngine dpi, final AlertSink alerts, final SelfProtection selfProtection)
    {
        this.id = id;
        this.config = config;
        this.flows = new FlowTable(config.conntrack(), counters);
        final int batchSize = config.batchSize();
        metas = new PacketMeta[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            metas[i] = new PacketMeta();
        }
        results = new int[batchSize];
        hashes = new long[batchSize];
        malformedVerdict = config.malformedAction() == DataPlaneConfig.Action.DROP ?
            PacketBatch.VERDICT_DROP : PacketBatch.VERDICT_PASS;
        nonIpVerdict = config.nonIpAction() == DataPlaneConfig.Action.DROP ?
            PacketBatch.VERDICT_DROP : PacketBatch.VERDICT_PASS;
        this.firewall = firewall == null ? null : new WorkerFirewall(id, firewall, flows, counters, events);
        this.inspector = dpi == null ? null : new Inspector(dpi, alerts);
        this.selfProtection = selfProtection == null ? null :
            new WorkerSelfProtection(id, selfProtection, firewall, counters, events);
        this.inspectMidstream = dpi != null && dpi.config().midstream();
        this.validateChecksums = dpi != null && dpi.config().validateChecksums();
        final int perSecond = config.rejectRepliesPerSecond();
        this.replyIntervalNs = perSecond == 0 ? Long.MAX_VALUE : 1_000_000_000L / perSecond;
        this.replyBurstNs = perSecond == 0 ? 0 : 1_000_000_000L;
        this.replyCreditNs = replyBurstNs;
        if (inspector != null)
        {
            flows.addRemovalListener(this::flowRemoved);
        }
    }

    /**
     * Sends the TCP resets and ICMP unreachables that reject rules owe to {@code sink} (by default they are only
     * counted as owed). Set before the first batch.
     */
    public Worker replies(final ReplySink sink)
    {
        this.replies = sink;
        return this;
    }

    /** @return this worker's inspection side, or null when it runs without one. */
    public Inspector inspector()
    {
        return inspector;
    }

    /** @return this worker's firewall side, or null when it runs without one. */
    public WorkerFirewall firewall()
    {
        return firewall;
    }

    public int id()
    {
        return id;
    }

    public WorkerCounters counters()
    {
        return counters;
    }

    public FlowTable flows()
    {
        return flows;
    }

    public long batches()
    {
        return batches;
    }

    /**
     * Processes a batch (of at most the configured batch size), writing each packet's verdict into it.
     *
     * @return packets processed.
     */
    public int process(final PacketBatch batch)
    {
        final int count = batch.count;
        final PacketMeta[] metas = this.metas;
        final FlowTable flows = this.flows;
        final WorkerFirewall firewall = this.firewall;
        if (firewall != null)
        {
            firewall.adopt(); // one program for the whole batch
        }
        if (inspector != null)
        {
            inspector.adopt(); // and one rule set
        }

        final long[] hashes = this.hashes;
        for (int i = 0; i < count; i++)
        {
            final PacketMeta meta = metas[i];
            results[i] = parser.parse(batch.buffer(i), batch.offset[i], batch.capturedLength[i], batch.wireLength[i],
                batch.linkType[i], meta);
            hashes[i] = meta.flowHash;
        }

        // A tight loop of independent loads, so the CPU keeps many cache misses in flight at once; inside the parse
        // loop a pending miss would block retirement after a few packets.
        // Branch-free: a packet that is not tracked touches some slot in vain, which costs less than a branch.
        long sink = 0;
        for (int i = 0; i < count; i++)
        {
            sink += flows.touch(hashes[i]);
        }
        touched += sink;

        long bytes = 0;
        long dropped = 0;
        long denied = 0;
        long decided = 0;
        long lastTimestampNs = 0;
        for (int i = 0; i < count; i++)
        {
            final PacketMeta meta = metas[i];
            final long nowNs = batch.timestampNs[i];
            lastTimestampNs = nowNs;
            bytes += batch.wireLength[i];
            final int result = results[i];
            byte verdict;
            if (result != 0)
            {
                counters.incrementMalformed(result);
                verdict = malformedVerdict;
                // Passing what does not parse is the operator's choice, but not towards the DPU from the host:
                // whatever addresses the parser got before it gave up are checked.
                if (verdict == PacketBatch.VERDICT_PASS && selfProtection != null && meta.l3 != PacketMeta.L3_NONE &&
                    selfProtection.check(meta, batch.ingressPort[i], nowNs))
                {
                    verdict = PacketBatch.VERDICT_DROP;
                }
            }
            else if (meta.l3 == PacketMeta.L3_NONE)
            {
                counters.increment(Counter.NON_IP.id());
                verdict = nonIpVerdict;
            }
            else if (selfProtection != null && selfProtection.check(meta, batch.ingressPort[i], nowNs))
            {
                verdict = PacketBatch.VERDICT_DROP; // before conntrack: the host cannot touch a management flow
            }
            else
            {
                if (meta.tunnelDepth != 0)
                {
                    counters.increment(Counter.TUNNELED.id());
                }
                int slot = -1;
                if (meta.fragment == PacketMeta.FRAGMENT_NONE)
                {
                    slot = flows.track(meta, nowNs);
                }
                else
                {
                    counters.increment(Counter.FRAGMENTS.id());
                    // A fragment without its transport header (a later fragment, or a first one too short to hold
                    // it) has no ports: it would only make a pseudo-flow, or an invalid TCP state change. Without
                    // reassembly it is untracked: passed, or with a firewall decided on its own with ports 0.
                    if (meta.payloadOffset >= 0)
                    {
                        slot = flows.track(meta, nowNs);
                    }
                    else
                    {
                        counters.increment(Counter.FRAGMENTS_UNTRACKED.id());
                    }
                }
                if (firewall == null)
                {
                    verdict = PacketBatch.VERDICT_PASS;
                }
                else
                {
                    final boolean drop = slot >= 0 ? firewall.onTracked(slot, meta, nowNs) :
                        firewall.onUntracked(meta, nowNs);
                    verdict = drop ? PacketBatch.VERDICT_DROP : PacketBatch.VERDICT_PASS;
                    decided++;
                    denied += verdict;
                    if (drop && firewall.lastRejected())
                    {
                        reply(batch.buffer(i), meta, nowNs);
                    }
                }
                if (inspector != null && verdict == PacketBatch.VERDICT_PASS)
                {
                    verdict = inspect(slot, meta, batch.buffer(i), nowNs, batch.number[i]);
                }
            }
            batch.verdict[i] = verdict;
            dropped += verdict;
        }

        counters.add(Counter.PACKETS.id(), count);
        counters.add(Counter.BYTES.id(), bytes);
        counters.add(Counter.DROPPED.id(), dropped);
        counters.add(Counter.PASSED.id(), count - dropped);
        if (firewall != null)
        {
            counters.add(Counter.DENIED.id(), denied);
            counters.add(Counter.ALLOWED.id(), decided - denied);
        }
        if (count > 0)
        {
            flows.expire(lastTimestampNs, config.sweepPerBatch());
        }
        batches++;
        return count;
    }

    /** Hands a tracked packet to deep inspection, with its flow's state; @return the packet's verdict. */
    private byte inspect(final int slot, final PacketMeta meta, final DirectBuffer buffer, final long nowNs,
        final long number)
    {
        if (validateChecksums && !Checksums.valid(buffer, meta))
        {
            counters.increment(Counter.BAD_CHECKSUMS.id());
            return PacketBatch.VERDICT_PASS; // not inspected, as Suricata with checksum validation
        }
        final Packet p = inspected;
        p.protocol = meta.protocol;
        p.srcHi = meta.srcHi;
        p.srcLo = meta.srcLo;
        p.dstHi = meta.dstHi;
        p.dstLo = meta.dstLo;
        p.srcPort = meta.srcPort;
        p.dstPort = meta.dstPort;
        p.toServer = slot < 0 || !flows.lastReply();
        p.established = slot >= 0 && established(flows.state(slot), flows.flags(slot));
        p.tcpFlags = meta.tcpFlags;
        p.tcpSeq = meta.tcpSeq;
        p.icmpType = meta.icmpType;
        p.icmpCode = meta.icmpCode;
        p.buffer = buffer;
        p.payloadOffset = meta.payloadOffset;
        p.payloadLength = meta.payloadOffset < 0 ? 0 : meta.payloadLength;
        p.timestampNs = nowNs;
        p.number = number;
        final int verdict;
        if (slot < 0)
        {
            verdict = inspector.inspectUntracked(p);
        }
        else
        {
            int handle = flows.inspectionHandle(slot);
            if (handle == 0)
            {
                handle = inspector.open(p);
                flows.inspectionHandle(slot, handle);
            }
            verdict = inspector.inspect(handle, p);
        }
        if (verdict == Inspector.VERDICT_PASS)
        {
            return PacketBatch.VERDICT_PASS;
        }
        counters.increment(Counter.INSPECTION_DROPPED.id());
        if (verdict == Inspector.VERDICT_REJECT)
        {
            counters.increment(Counter.INSPECTION_REJECTED.id());
            reply(buffer, meta, nowNs);
        }
        return PacketBatch.VERDICT_DROP;
    }

    /**
     * Answers a rejected packet with a TCP reset or an ICMP unreachable, unless none is due for it or the worker's
     * reply budget is spent ({@link DataPlaneConfig#rejectRepliesPerSecond}, by packet time).
     */
    private void reply(final DirectBuffer packet, final PacketMeta meta, final long nowNs)
    {
        if (replies == ReplySink.NONE)
        {
            return;
        }
        final long elapsed = nowNs - replyClockNs;
        replyClockNs = nowNs;
        if (elapsed > 0)
        {
            replyCreditNs = Math.min(replyBurstNs, replyCreditNs + elapsed);
        }
        final int length = replyCreditNs >= replyIntervalNs ? rejectReplies.build(packet, meta) : 0;
        if (length == 0)
        {
            counters.increment(Counter.REJECT_REPLIES_WITHHELD.id());
            return;
        }
        replyCreditNs -= replyIntervalNs;
        counters.increment(Counter.REJECT_REPLIES.id());
        replies.transmit(id, nowNs, rejectReplies.frame(), length, meta.linkType, rejectReplies.networkOffset());
    }

    /**
     * Whether rules see the flow as established: TCP once the handshake completed (until it closes), other
     * protocols once a reply was seen. A TCP flow picked up midstream counts only when inspection picks up midstream
     * too (conntrack always does, so that it can enforce policy on such flows).
     */
    private boolean established(final int state, final int flags)
    {
        return switch (state)
        {
            case FlowState.ESTABLISHED, FlowState.FIN_WAIT, FlowState.CLOSE_WAIT, FlowState.LAST_ACK,
                FlowState.TIME_WAIT -> (flags & FlowTable.FLAG_MIDSTREAM) == 0 || inspectMidstream;
            case FlowState.UDP_REPLIED, FlowState.ICMP_REPLIED, FlowState.OTHER_REPLIED -> true;
            default -> false;
        };
    }

    private void flowRemoved(final FlowTable table, final int slot)
    {
        final int handle = table.inspectionHandle(slot);
        if (handle != 0)
        {
            table.inspectionHandle(slot, 0);
            inspector.close(handle, table.lastSeenNs(slot));
        }
    }

    /**
     * Ends inspection of every flow still open, as at shutdown or the end of a capture: bytes held behind holes are
     * inspected and close-delimited HTTP bodies complete.
     */
    public void finish()
    {
        if (inspector == null)
        {
            return;
        }
        for (int slot = 0; slot < flows.slotCount(); slot++)
        {
            if (flows.inUse(slot))
            {
                flowRemoved(flows, slot);
            }
        }
    }

    /** @return a value derived from the pre-touch loads, so that they cannot be removed as dead code. */
    public long touched()
    {
        return touched;
    }

    @Override
    public void close()
    {
        if (inspector != null)
        {
            inspector.close();
        }
        flows.close();
    }
}
