package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.OffHeapRegion;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import org.agrona.BitUtil;
import org.agrona.UnsafeApi;

/**
 * One worker's connection-tracking table: open addressing with linear probing over fixed, off-heap slots. Nothing
 * grows: there are {@code 2 × capacityFlows} slots rounded up to a power of two, allocated once, and never more than
 * {@code capacityFlows} flows. The load factor stays at or below one half because a lookup that runs past its home
 * slot costs a further, serialized memory access (about 200 ns on the machines measured), which at 0.75 load hits
 * one lookup in ten. Single-threaded: only the owning worker calls it.
 * <p>
 * A slot is one 64-byte cache line holding all that a packet of an established flow reads and writes, so the fast
 * path costs one random memory access per packet. What packets rarely need lives in a parallel cold line.
 * <pre>
 * Hot slot (64 bytes, one cache line):
 *   0  key0..key4 (40)   canonical flow key (PacketMeta#computeFlowKey); key5, the zone kind, is FLAG_ZONE_VNI
 *  40  word (8)          last seen in ticks (44 bits, 1 tick = 2^20 ns ≈ 1.05 ms) | policy epoch (4) | flags (8)
 *                        | state (8); the epoch tags which firewall program decided the flow (0: none yet)
 *  48  packets (8)       original direction (low 32) | reply direction (high 32)
 *  56  bytes (8)         original direction (low 32) | reply direction (high 32)
 * Cold part (32 bytes, in a parallel array):
 *   0  carries (4 × 4)   wraps of the four 32-bit counters above, so totals are exact 64-bit values
 *  16  createdNs (8)
 *  24  rule slot (4)      the firewall counter slot of the rule that decided the flow
 *  28  audit slot (4)     the slot of the audit rule that would have decided it, or -1
 * </pre>
 * The verdict itself is in the hot word's flags ({@link #FLAG_DROP}, {@link #FLAG_REJECT}), so a packet of an
 * established flow learns it from the line it already reads. A {@link RemovalListener} sees each flow before it
 * leaves the table (expiry, eviction, removal, reuse of a closed TCP connection's slot), which is when the firewall
 * adds the flow's exact packet and byte totals to its rule.
 * Removal shifts the rest of the probe run back (no tombstones), so a slot number identifies a flow only until the
 * next removal; callers use it at once.
 * <p>
 * Full-table policy: a new flow takes a free slot while the table holds fewer than {@code capacityFlows}; otherwise
 * up to {@link ConntrackConfig#EVICTION_SAMPLE} occupied slots are examined from a rotating hand: an expired flow is
 * reclaimed if found, else the least recently seen non-established flow, else the least recently seen established one,
 * and the eviction is counted.
 */
public final class FlowTable implements AutoCloseable
{
    public static final int MAX_CAPACITY_FLOWS = 8_000_000;
    public static final int SLOT_LENGTH = 64;
    public static final int COLD_LENGTH = 40;
    /** Timestamps are kept in ticks of 2^20 ns (about 1.05 ms), like conntrack's jiffies. */
    public static final int TICK_SHIFT = 20;

    static final int KEY_OFFSET = 0;
    static final int WORD_OFFSET = 40;
    static final int PACKETS_OFFSET = 48;
    static final int BYTES_OFFSET = 56;

    static final int CARRY_PACKETS_ORIGINAL = 0;
    static final int CARRY_PACKETS_REPLY = 4;
    static final int CARRY_BYTES_ORIGINAL = 8;
    static final int CARRY_BYTES_REPLY = 12;
    static final int CREATED_OFFSET = 16;
    static final int RULE_SLOT_OFFSET = 24;
    static final int AUDIT_SLOT_OFFSET = 28;
    /** The flow's deep-inspection state handle (0: none). */
    static final int INSPECTION_OFFSET = 32;

    public static final int FLAG_IN_USE = 0x01;
    /** The flow's initiator is endpoint B of the canonical key. */
    public static final int FLAG_INITIATOR_IS_B = 0x02;
    /** Tracking started mid-connection (no SYN seen). */
    public static final int FLAG_MIDSTREAM = 0x04;
    /** The key's zone is an overlay VNI (PacketMeta#key5 = 1). */
    public static final int FLAG_ZONE_VNI = 0x08;
    /** The firewall's verdict: the flow's packets are dropped. */
    public static final int FLAG_DROP = 0x10;
    /** With {@link #FLAG_DROP}: the rule said reject (answer with a TCP reset or ICMP unreachable), not deny. */
    public static final int FLAG_REJECT = 0x20;
    /** The firewall decided the flow: its verdict flags and rule slot are set. */
    public static final int FLAG_DECIDED = 0x40;
    public static final int VERDICT_FLAGS = FLAG_DROP | FLAG_REJECT | FLAG_DECIDED;

    public static final int EPOCH_SHIFT = 16;
    public static final int EPOCH_MASK = 0xF;
    private static final long EPOCH_BITS = (long)EPOCH_MASK << EPOCH_SHIFT;

    /** Told about each flow just before it leaves the table; it may read the slot but not change the table. */
    @FunctionalInterface
    public interface RemovalListener
    {
        void onFlowRemoved(FlowTable table, int slot);
    }

    private static final long WORD_IN_USE = FLAG_IN_USE << 8;
    private static final long LOW32 = 0xFFFF_FFFFL;

    private final ConntrackConfig config;
    private final WorkerCounters counters;
    private final int capacityFlows;
    private final int slotMask;
    private final long[] timeoutTicks;
    private final OffHeapRegion hotMemory;
    private final OffHeapRegion coldMemory;
    /** Base addresses of the two regions. Every offset used with them is derived from a slot masked by slotMask,
     * so raw (unchecked) access is safe here; bounds checks stay on for untrusted packet bytes. */
    private final long hotAddress;
    private final long coldAddress;
    private RemovalListener removalListener;
    private int size;
    private int sweepHand;
    private int evictHand;

    /** Whether the last {@link #track} created the flow. */
    private boolean lastCreated;
    /** Whether the last {@link #track}'s packet travelled from responder to initiator. */
    private boolean lastReply;

    public FlowTable(final ConntrackConfig config, final WorkerCounters counters)
    {
        this.config = config;
        this.counters = counters;
        this.capacityFlows = config.capacityFlows();
        final long wanted = Math.max(2L, 2L * capacityFlows);
        final int slots = BitUtil.findNextPositivePowerOfTwo((int)Math.min(wanted, 1 << 24));
        slotMask = slots - 1;
        timeoutTicks = new long[FlowState.COUNT];
        for (int state = 0; state < FlowState.COUNT; state++)
        {
            timeoutTicks[state] = (config.timeoutNs(state) + (1L << TICK_SHIFT) - 1) >>> TICK_SHIFT;
        }
        hotMemory = new OffHeapRegion(slots * SLOT_LENGTH);
        coldMemory = new OffHeapRegion(slots * COLD_LENGTH);
        hotAddress = hotMemory.buffer().addressOffset();
        coldAddress = coldMemory.buffer().addressOffset();
    }

    /** Adds a listener told about flows leaving the table; listeners are told in the order they were added. */
    public void addRemovalListener(final RemovalListener listener)
    {
        final RemovalListener first = removalListener;
        this.removalListener = first == null ? listener : (table, slot) ->
        {
            first.onFlowRemoved(table, slot);
            listener.onFlowRemoved(table, slot);
        };
    }

    /** @return the flow's deep-inspection handle, 0 when it has none. */
    public int inspectionHandle(final int slot)
    {
        return coldInt((slot & slotMask) * COLD_LENGTH + INSPECTION_OFFSET);
    }

    public void inspectionHandle(final int slot, final int handle)
    {
        putColdInt((slot & slotMask) * COLD_LENGTH + INSPECTION_OFFSET, handle);
    }

    public int capacityFlows()
    {
        return capacityFlows;
    }

    public int slotCount()
    {
        return slotMask + 1;
    }

    public int size()
    {
        return size;
    }

    public boolean lastCreated()
    {
        return lastCreated;
    }

    public boolean lastReply()
    {
        return lastReply;
    }

    public static long ticks(final long nowNs)
    {
        return Math.max(0, nowNs) >>> TICK_SHIFT;
    }

    private static int state(final long word)
    {
        return (int)word & 0xFF;
    }

    private static int flagsOf(final long word)
    {
        return ((int)word >>> 8) & 0xFF;
    }

    private static long word(final long ticks, final int flags, final int state)
    {
        return (ticks << TICK_SHIFT) | ((long)flags << 8) | state;
    }

    private int home(final long flowHash)
    {
        return (int)(flowHash >>> 32) & slotMask;
    }

    private boolean expired(final long word, final long nowTicks)
    {
        return nowTicks - (word >>> TICK_SHIFT) > timeoutTicks[state(word)];
    }

    /**
     * Finds or creates the flow of a parsed IP packet, advances its state and counts the packet.
     *
     * @return the flow's slot, valid until the next call that removes or creates a flow; -1 when the packet is not
     * tracked (a TCP packet without SYN of an unknown flow while midstream pick-up is off, or one with none of SYN,
     * ACK, FIN and RST).
     */
    public int track(final PacketMeta meta, final long nowNs)
    {
        final long nowTicks = ticks(nowNs);
        final int slot = find(meta);
        if (slot >= 0)
        {
            final long word = hotLong((slot << 6) + WORD_OFFSET);
            if (!expired(word, nowTicks))
            {
                lastCreated = false; // before update: a SYN that reopens a closed flow sets it
                update(slot, word, meta, nowTicks, nowNs);
                return slot;
            }
            removeSlot(slot);
            counters.increment(Counter.FLOWS_EXPIRED);
        }
        return create(meta, nowTicks, nowNs);
    }

    /**
     * Reads the word of the slot a flow hashes to, so that a batch can start the cache misses of all its packets
     * before it needs any of them. The value is returned to keep the load from being optimised away.
     */
    public long touch(final long flowHash)
    {
        final int home = home(flowHash);
        return hotLong((home << 6) + WORD_OFFSET) + hotLong((((home + 1) & slotMask) << 6) + WORD_OFFSET);
    }

    private int find(final PacketMeta meta)
    {
        final long zoneFlag = meta.key5 != 0 ? (long)FLAG_ZONE_VNI << 8 : 0;
        int slot = home(meta.flowHash);
        while (true)
        {
            final int offset = slot << 6;
            final long word = hotLong(offset + WORD_OFFSET);
            if ((word & WORD_IN_USE) == 0)
            {
                return -1;
            }
            if (hotLong(offset) == meta.key0 &&
                hotLong(offset + 8) == meta.key1 &&
                hotLong(offset + 16) == meta.key2 &&
                hotLong(offset + 24) == meta.key3 &&
                hotLong(offset + 32) == meta.key4 &&
                (word & ((long)FLAG_ZONE_VNI << 8)) == zoneFlag)
            {
                return slot;
            }
            slot = (slot + 1) & slotMask;
        }
    }

    private int create(final PacketMeta meta, final long nowTicks, final long nowNs)
    {
        final int protocol = meta.protocol;
        int state;
        int flags = FLAG_IN_USE | (meta.key5 != 0 ? FLAG_ZONE_VNI : 0);
        boolean initiatorIsSender = true;
        if (protocol == PacketMeta.PROTO_TCP)
        {
            final int event = TcpStateMachine.event(meta.tcpFlags);
            if (event == TcpStateMachine.EVENT_SYN)
            {
                state = FlowState.SYN_SENT;
            }
            else if (!config.midstreamPickup())
            {
                counters.increment(Counter.TCP_UNTRACKED);
                lastCreated = false;
                return -1;
            }
            else
            {
                flags |= FLAG_MIDSTREAM;
                switch (event)
                {
                    case TcpStateMachine.EVENT_SYN_ACK ->
                    {
                        // We missed the SYN: the receiver of this SYN/ACK initiated.
                        state = FlowState.SYN_RECV;
                        initiatorIsSender = false;
                    }
                    case TcpStateMachine.EVENT_FIN -> state = FlowState.FIN_WAIT;
                    case TcpStateMachine.EVENT_RST -> state = FlowState.CLOSED;
                    case TcpStateMachine.EVENT_ACK -> state = FlowState.ESTABLISHED;
                    default ->
                    {
                        // No SYN, ACK, FIN or RST (a NULL scan): nothing to pick up, as in Linux (sNO + none = sIV).
                        // Tracking it as ESTABLISHED would let such packets fill the table with 5-day flows.
                        counters.increment(Counter.TCP_INVALID);
                        lastCreated = false;
                        return -1;
                    }
                }
            }
        }
        else if (protocol == PacketMeta.PROTO_UDP)
        {
            state = FlowState.UDP_UNREPLIED;
        }
        else if (protocol == PacketMeta.PROTO_ICMP || protocol == PacketMeta.PROTO_ICMPV6)
        {
            state = FlowState.ICMP_UNREPLIED;
        }
        else
        {
            state = FlowState.OTHER_UNREPLIED;
        }

        if (size == capacityFlows)
        {
            evict(nowTicks);
        }
        // The sender is endpoint A unless the key was reversed for this packet.
        if (initiatorIsSender == meta.keyReversed)
        {
            flags |= FLAG_INITIATOR_IS_B;
        }
        int slot = home(meta.flowHash);
        while ((hotLong((slot << 6) + WORD_OFFSET) & WORD_IN_USE) != 0)
        {
            slot = (slot + 1) & slotMask;
        }
        final int offset = slot << 6;
        final boolean reply = !initiatorIsSender;
        final long length = meta.wireLength & LOW32;
        putHotLong(offset, meta.key0);
        putHotLong(offset + 8, meta.key1);
        putHotLong(offset + 16, meta.key2);
        putHotLong(offset + 24, meta.key3);
        putHotLong(offset + 32, meta.key4);
        putHotLong(offset + WORD_OFFSET, word(nowTicks, flags, state));
        putHotLong(offset + PACKETS_OFFSET, reply ? 1L << 32 : 1L);
        putHotLong(offset + BYTES_OFFSET, reply ? length << 32 : length);
        final int coldOffset = slot * COLD_LENGTH;
        putColdLong(coldOffset + CARRY_PACKETS_ORIGINAL, 0);
        putColdLong(coldOffset + CARRY_BYTES_ORIGINAL, 0);
        putColdLong(coldOffset + CREATED_OFFSET, nowNs);
        putColdInt(coldOffset + RULE_SLOT_OFFSET, -1);
        putColdInt(coldOffset + AUDIT_SLOT_OFFSET, -1);
        putColdInt(coldOffset + INSPECTION_OFFSET, 0);
        size++;

        counters.increment(Counter.FLOWS_CREATED);
        counters.increment(protocol == PacketMeta.PROTO_TCP ? Counter.FLOWS_TCP :
            protocol == PacketMeta.PROTO_UDP ? Counter.FLOWS_UDP : Counter.FLOWS_OTHER);
        lastCreated = true;
        lastReply = reply;
        return slot;
    }

    private void update(final int slot, final long word, final PacketMeta meta, final long nowTicks, final long nowNs)
    {
        final int offset = slot << 6;
        int flags = flagsOf(word);
        int state = state(word);
        final boolean reply = meta.keyReversed != ((flags & FLAG_INITIATOR_IS_B) != 0);
        lastReply = reply;

        if (FlowState.isTcp(state))
        {
            final int event = TcpStateMachine.event(meta.tcpFlags);
            if (event == TcpStateMachine.EVENT_SYN && (state == FlowState.TIME_WAIT || state == FlowState.CLOSED))
            {
                reopen(slot, flags, meta, nowTicks, nowNs);
                return;
            }
            final int next = TcpStateMachine.next(state, reply, event);
            if (next >= 0)
            {
                state = next;
            }
            else if (next == TcpStateMachine.INVALID)
            {
                counters.increment(Counter.TCP_INVALID);
            }
        }
        else if (reply && (state == FlowState.UDP_UNREPLIED || state == FlowState.ICMP_UNREPLIED ||
            state == FlowState.OTHER_UNREPLIED))
        {
            state++;
        }
        putHotLong(offset + WORD_OFFSET, word(nowTicks, flags, state) | (word & EPOCH_BITS));

        final long length = meta.wireLength & LOW32;
        long packets = hotLong(offset + PACKETS_OFFSET);
        long bytes = hotLong(offset + BYTES_OFFSET);
        if (reply)
        {
            if ((packets >>> 32) == LOW32)
            {
                carry(slot, CARRY_PACKETS_REPLY);
                packets &= LOW32;
            }
            else
            {
                packets += 1L << 32;
            }
            long high = (bytes >>> 32) + length;
            if (high > LOW32)
            {
                carry(slot, CARRY_BYTES_REPLY);
                high -= 1L << 32;
            }
            bytes = (bytes & LOW32) | (high << 32);
        }
        else
        {
            if ((packets & LOW32) == LOW32)
            {
                carry(slot, CARRY_PACKETS_ORIGINAL);
                packets &= ~LOW32;
            }
            else
            {
                packets += 1;
            }
            long low = (bytes & LOW32) + length;
            if (low > LOW32)
            {
                carry(slot, CARRY_BYTES_ORIGINAL);
                low -= 1L << 32;
            }
            bytes = (bytes & ~LOW32) | low;
        }
        putHotLong(offset + PACKETS_OFFSET, packets);
        putHotLong(offset + BYTES_OFFSET, bytes);
    }

    private void carry(final int slot, final int field)
    {
        final int index = slot * COLD_LENGTH + field;
        putColdInt(index, coldInt(index) + 1);
    }

    /** A SYN on a closed connection's 5-tuple starts a new connection in the same slot (port reuse). */
    private void reopen(final int slot, final int oldFlags, final PacketMeta meta, final long nowTicks, final long nowNs)
    {
        if (removalListener != null)
        {
            removalListener.onFlowRemoved(this, slot); // the closed connection ends here; a new one starts
        }
        final int offset = slot << 6;
        final int coldOffset = slot * COLD_LENGTH;
        int flags = FLAG_IN_USE | (oldFlags & FLAG_ZONE_VNI);
        if (meta.keyReversed)
        {
            flags |= FLAG_INITIATOR_IS_B;
        }
        putHotLong(offset + WORD_OFFSET, word(nowTicks, flags, FlowState.SYN_SENT));
        putHotLong(offset + PACKETS_OFFSET, 1L);
        putHotLong(offset + BYTES_OFFSET, meta.wireLength & LOW32);
        putColdLong(coldOffset + CARRY_PACKETS_ORIGINAL, 0);
        putColdLong(coldOffset + CARRY_BYTES_ORIGINAL, 0);
        putColdLong(coldOffset + CREATED_OFFSET, nowNs);
        putColdInt(coldOffset + RULE_SLOT_OFFSET, -1);
        putColdInt(coldOffset + AUDIT_SLOT_OFFSET, -1);
        putColdInt(coldOffset + INSPECTION_OFFSET, 0);
        lastReply = false;
        lastCreated = true;
        counters.increment(Counter.FLOWS_REOPENED);
        counters.increment(Counter.FLOWS_CREATED);
        counters.increment(Counter.FLOWS_TCP);
    }

    private void evict(final long nowTicks)
    {
        int oldestNonEstablished = -1;
        long oldestNonEstablishedSeen = Long.MAX_VALUE;
        int oldestEstablished = -1;
        long oldestEstablishedSeen = Long.MAX_VALUE;
        int examined = 0;
        // The table is full, so at least 3/4 of slots are occupied and this loop ends quickly.
        while (examined < ConntrackConfig.EVICTION_SAMPLE)
        {
            final int slot = evictHand;
            evictHand = (evictHand + 1) & slotMask;
            final long word = hotLong((slot << 6) + WORD_OFFSET);
            if ((word & WORD_IN_USE) == 0)
            {
                continue;
            }
            examined++;
            if (expired(word, nowTicks))
            {
                removeSlot(slot);
                counters.increment(Counter.FLOWS_EXPIRED);
                return;
            }
            final long lastSeen = word >>> TICK_SHIFT;
            if (FlowState.isEstablished(state(word)))
            {
                if (lastSeen < oldestEstablishedSeen)
                {
                    oldestEstablishedSeen = lastSeen;
                    oldestEstablished = slot;
                }
            }
            else if (lastSeen < oldestNonEstablishedSeen)
            {
                oldestNonEstablishedSeen = lastSeen;
                oldestNonEstablished = slot;
            }
        }
        if (oldestNonEstablished >= 0)
        {
            removeSlot(oldestNonEstablished);
            counters.increment(Counter.EVICTIONS_NON_ESTABLISHED);
        }
        else
        {
            removeSlot(oldestEstablished);
            counters.increment(Counter.EVICTIONS_ESTABLISHED);
        }
    }

    /**
     * Removes flows idle past their state's timeout, examining at most {@code budget} slots from where the last call
     * stopped, so the work per call is bounded.
     *
     * @return flows removed.
     */
    public int expire(final long nowNs, final int budget)
    {
        final long nowTicks = ticks(nowNs);
        int removed = 0;
        final int examine = Math.min(budget, slotMask + 1);
        for (int i = 0; i < examine; i++)
        {
            final int slot = sweepHand;
            final long word = hotLong((slot << 6) + WORD_OFFSET);
            if ((word & WORD_IN_USE) != 0 && expired(word, nowTicks))
            {
                removeSlot(slot);
                counters.increment(Counter.FLOWS_EXPIRED);
                removed++;
                // A later flow may have shifted into this slot: look at it again next time.
                continue;
            }
            sweepHand = (sweepHand + 1) & slotMask;
        }
        return removed;
    }

    /** Removes the flow in a slot, shifting later slots of its probe run back (no tombstones). */
    public void remove(final int slot)
    {
        if (!inUse(slot))
        {
            throw new IllegalArgumentException("slot " + slot + " holds no flow");
        }
        removeSlot(slot);
    }

    private void removeSlot(final int slot)
    {
        if (removalListener != null)
        {
            removalListener.onFlowRemoved(this, slot);
        }
        int hole = slot;
        int next = slot;
        while (true)
        {
            next = (next + 1) & slotMask;
            final int nextOffset = next << 6;
            if ((hotLong(nextOffset + WORD_OFFSET) & WORD_IN_USE) == 0)
            {
                break;
            }
            final int home = home(hashOf(next));
            // The flow at next may fill the hole unless its home lies cyclically in (hole, next].
            final boolean homeBetween = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
            if (!homeBetween)
            {
                UnsafeApi.copyMemory(hotAddress + nextOffset, hotAddress + (hole << 6), SLOT_LENGTH);
                UnsafeApi.copyMemory(coldAddress + (long)next * COLD_LENGTH, coldAddress + (long)hole * COLD_LENGTH,
                    COLD_LENGTH);
                hole = next;
            }
        }
        putHotLong((hole << 6) + WORD_OFFSET, 0);
        size--;
    }

    // The firewall's view of a flow, on the packet path: slots come from track() and are masked, not checked.

    /** @return the flow's hot word: {@link #wordFlags} and {@link #wordEpoch} take it apart. */
    public long word(final int slot)
    {
        return hotLong(((slot & slotMask) << 6) + WORD_OFFSET);
    }

    public static int wordFlags(final long word)
    {
        return flagsOf(word);
    }

    public static int wordEpoch(final long word)
    {
        return (int)(word >>> EPOCH_SHIFT) & EPOCH_MASK;
    }

    /** Records the firewall's decision: verdict flags (of {@link #VERDICT_FLAGS}), epoch tag, rule and audit slots. */
    public void decide(final int slot, final int verdictFlags, final int epoch, final int ruleSlot, final int auditSlot)
    {
        final int s = slot & slotMask;
        final int offset = (s << 6) + WORD_OFFSET;
        final long word = hotLong(offset);
        final long cleared = word & ~(((long)VERDICT_FLAGS << 8) | EPOCH_BITS);
        putHotLong(offset, cleared | ((long)(verdictFlags & VERDICT_FLAGS) << 8) |
            ((long)(epoch & EPOCH_MASK) << EPOCH_SHIFT));
        putColdInt(s * COLD_LENGTH + RULE_SLOT_OFFSET, ruleSlot);
        putColdInt(s * COLD_LENGTH + AUDIT_SLOT_OFFSET, auditSlot);
    }

    /** Re-tags a flow whose decision stands under a newer program. */
    public void retag(final int slot, final int epoch)
    {
        final int offset = ((slot & slotMask) << 6) + WORD_OFFSET;
        putHotLong(offset, (hotLong(offset) & ~EPOCH_BITS) | ((long)(epoch & EPOCH_MASK) << EPOCH_SHIFT));
    }

    public int ruleSlot(final int slot)
    {
        return coldInt((slot & slotMask) * COLD_LENGTH + RULE_SLOT_OFFSET);
    }

    public int auditSlot(final int slot)
    {
        return coldInt((slot & slotMask) * COLD_LENGTH + AUDIT_SLOT_OFFSET);
    }

    /** Sets every flow's epoch tag to 0 (undecided under any program), so that tags can be reused. */
    public void clearEpochs()
    {
        for (int slot = 0; slot <= slotMask; slot++)
        {
            final int offset = (slot << 6) + WORD_OFFSET;
            final long word = hotLong(offset);
            if ((word & WORD_IN_USE) != 0)
            {
                putHotLong(offset, word & ~EPOCH_BITS);
            }
        }
    }

    private long hotLong(final int offset)
    {
        return UnsafeApi.getLong(hotAddress + offset);
    }

    private void putHotLong(final int offset, final long value)
    {
        UnsafeApi.putLong(hotAddress + offset, value);
    }

    private long coldLong(final int offset)
    {
        return UnsafeApi.getLong(coldAddress + offset);
    }

    private void putColdLong(final int offset, final long value)
    {
        UnsafeApi.putLong(coldAddress + offset, value);
    }

    private int coldInt(final int offset)
    {
        return UnsafeApi.getInt(coldAddress + offset);
    }

    private void putColdInt(final int offset, final int value)
    {
        UnsafeApi.putInt(coldAddress + offset, value);
    }

    /** Public entry points take slots from outside; raw access has no net, so they check. */
    private int checkSlot(final int slot)
    {
        if (slot < 0 || slot > slotMask)
        {
            throw new IllegalArgumentException("slot " + slot + " is not in 0.." + slotMask);
        }
        return slot;
    }

    /** Recomputes a stored flow's hash from its key (removal needs its home slot; storing it would cost memory). */
    private long hashOf(final int slot)
    {
        final int offset = slot << 6;
        final long zoneKind = (flagsOf(hotLong(offset + WORD_OFFSET)) & FLAG_ZONE_VNI) != 0 ? 1 : 0;
        return PacketMeta.hash(hotLong(offset), hotLong(offset + 8), hotLong(offset + 16),
            hotLong(offset + 24), hotLong(offset + 32), zoneKind);
    }

    // Accessors for tests, listings and the control plane (not the packet path).

    /** Finds a flow by a parsed packet's key without changing anything; -1 when absent. */
    public int lookup(final PacketMeta meta)
    {
        return find(meta);
    }

    public boolean inUse(final int slot)
    {
        return (hotLong((checkSlot(slot) << 6) + WORD_OFFSET) & WORD_IN_USE) != 0;
    }

    public int state(final int slot)
    {
        return state(hotLong((checkSlot(slot) << 6) + WORD_OFFSET));
    }

    public int flags(final int slot)
    {
        return flagsOf(hotLong((checkSlot(slot) << 6) + WORD_OFFSET));
    }

    public int protocol(final int slot)
    {
        return (int)(hotLong((checkSlot(slot) << 6) + 32) >>> 24) & 0xFF;
    }

    public long packets(final int slot, final boolean reply)
    {
        checkSlot(slot);
        final long packed = hotLong((slot << 6) + PACKETS_OFFSET);
        final long carries = coldInt(slot * COLD_LENGTH + (reply ? CARRY_PACKETS_REPLY : CARRY_PACKETS_ORIGINAL)) & LOW32;
        return (carries << 32) + (reply ? packed >>> 32 : packed & LOW32);
    }

    public long bytes(final int slot, final boolean reply)
    {
        checkSlot(slot);
        final long packed = hotLong((slot << 6) + BYTES_OFFSET);
        final long carries = coldInt(slot * COLD_LENGTH + (reply ? CARRY_BYTES_REPLY : CARRY_BYTES_ORIGINAL)) & LOW32;
        return (carries << 32) + (reply ? packed >>> 32 : packed & LOW32);
    }

    public long createdNs(final int slot)
    {
        return coldLong(checkSlot(slot) * COLD_LENGTH + CREATED_OFFSET);
    }

    /** @return when the flow last saw a packet, at tick resolution (2^20 ns). */
    public long lastSeenNs(final int slot)
    {
        return (hotLong((checkSlot(slot) << 6) + WORD_OFFSET) >>> TICK_SHIFT) << TICK_SHIFT;
    }

    /** @return word {@code i} (0..4) of the flow's canonical key; the zone kind is {@link #FLAG_ZONE_VNI}. */
    public long keyWord(final int slot, final int i)
    {
        if (i < 0 || i > 4)
        {
            throw new IllegalArgumentException("key word " + i + " is not in 0..4");
        }
        return hotLong((checkSlot(slot) << 6) + KEY_OFFSET + i * 8);
    }

    @Override
    public void close()
    {
        hotMemory.close();
        coldMemory.close();
    }
}
