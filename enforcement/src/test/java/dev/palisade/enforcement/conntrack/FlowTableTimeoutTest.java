package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.palisade.enforcement.conntrack.FlowState.*;
import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.FIN;
import static dev.palisade.enforcement.packet.TcpFlyweight.RST;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-state idle timeouts (Linux's defaults), both on the next packet of a flow and in the expiry sweep, and the
 * UDP/ICMP/other pseudo-states.
 * <p>
 * The table keeps time in ticks of {@code 2^}{@link FlowTable#TICK_SHIFT} ns, as conntrack keeps jiffies, so a timeout
 * holds to within two ticks: a flow idle at most its timeout stays, and one idle {@link #JUST_OVER_NS} past it goes.
 */
class FlowTableTimeoutTest
{
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long TICK_NS = 1L << FlowTable.TICK_SHIFT;
    /** Past any timeout once it is rounded up to whole ticks, whatever the phase of the clock. */
    private static final long JUST_OVER_NS = 2 * TICK_NS;
    private static final int TIMEOUT_TRIES = 500;

    @Test
    void defaultsAreLinuxConntrackDefaults()
    {
        final ConntrackConfig config = ConntrackConfig.defaults();
        // net.netfilter.nf_conntrack_tcp_timeout_*, nf_conntrack_udp_timeout(_stream), nf_conntrack_icmp_timeout,
        // nf_conntrack_generic_timeout
        assertEquals(120 * SECOND_NS, config.timeoutNs(SYN_SENT));
        assertEquals(60 * SECOND_NS, config.timeoutNs(SYN_RECV));
        assertEquals(432_000 * SECOND_NS, config.timeoutNs(ESTABLISHED));
        assertEquals(120 * SECOND_NS, config.timeoutNs(FIN_WAIT));
        assertEquals(60 * SECOND_NS, config.timeoutNs(CLOSE_WAIT));
        assertEquals(30 * SECOND_NS, config.timeoutNs(LAST_ACK));
        assertEquals(120 * SECOND_NS, config.timeoutNs(TIME_WAIT));
        assertEquals(10 * SECOND_NS, config.timeoutNs(CLOSED));
        assertEquals(120 * SECOND_NS, config.timeoutNs(SYN_SENT2));
        assertEquals(30 * SECOND_NS, config.timeoutNs(UDP_UNREPLIED));
        assertEquals(120 * SECOND_NS, config.timeoutNs(UDP_REPLIED));
        assertEquals(30 * SECOND_NS, config.timeoutNs(ICMP_UNREPLIED));
        assertEquals(30 * SECOND_NS, config.timeoutNs(ICMP_REPLIED));
        assertEquals(600 * SECOND_NS, config.timeoutNs(OTHER_UNREPLIED));
        assertEquals(600 * SECOND_NS, config.timeoutNs(OTHER_REPLIED));
        assertTrue(config.midstreamPickup(), "nf_conntrack_tcp_loose defaults to 1");
        assertEquals(ConntrackConfig.DEFAULT_CAPACITY_FLOWS, config.capacityFlows());
    }

    @Test
    void configIsImmutableAndValidated()
    {
        final long[] timeouts = ConntrackConfig.linuxTimeouts();
        final ConntrackConfig config = new ConntrackConfig(8, timeouts, true);
        timeouts[CLOSED] = 1;
        assertEquals(10 * SECOND_NS, config.timeoutNs(CLOSED), "the record keeps its own copy");
        final ConntrackConfig shorter = config.withTimeout(CLOSED, 5);
        assertEquals(5, shorter.timeoutNs(CLOSED));
        assertEquals(10 * SECOND_NS, config.timeoutNs(CLOSED));
        assertEquals(8, shorter.capacityFlows());

        assertThrows(IllegalArgumentException.class, () -> config.withCapacityFlows(0));
        assertThrows(IllegalArgumentException.class, () -> config.withCapacityFlows(FlowTable.MAX_CAPACITY_FLOWS + 1));
        assertThrows(IllegalArgumentException.class, () -> new ConntrackConfig(8, new long[3], true));
    }

    /** Packets that bring a fresh conversation to {@code state}, as (fromClient, flags) pairs. */
    private static void driveTo(final Conversation c, final int state)
    {
        final int[][] steps = switch (state)
        {
            case SYN_SENT -> new int[][]{ { 1, SYN } };
            case SYN_RECV -> new int[][]{ { 1, SYN }, { 0, SYN | ACK } };
            case ESTABLISHED -> new int[][]{ { 1, SYN }, { 0, SYN | ACK }, { 1, ACK } };
            case FIN_WAIT -> new int[][]{ { 1, SYN }, { 0, SYN | ACK }, { 1, ACK }, { 1, FIN | ACK } };
            case CLOSE_WAIT -> new int[][]{ { 1, SYN }, { 0, SYN | ACK }, { 1, ACK }, { 1, FIN | ACK }, { 0, ACK } };
            case LAST_ACK -> new int[][]{
                { 1, SYN }, { 0, SYN | ACK }, { 1, ACK }, { 1, FIN | ACK }, { 0, ACK }, { 0, FIN | ACK } };
            case TIME_WAIT -> new int[][]{
                { 1, SYN }, { 0, SYN | ACK }, { 1, ACK }, { 1, FIN | ACK }, { 0, ACK }, { 0, FIN | ACK }, { 1, ACK } };
            case CLOSED -> new int[][]{ { 1, SYN }, { 0, SYN | ACK }, { 1, ACK }, { 1, RST } };
            case SYN_SENT2 -> new int[][]{ { 1, SYN }, { 0, SYN } };
            default -> throw new IllegalArgumentException(FlowState.name(state));
        };
        for (final int[] step : steps)
        {
            c.send(step[0] == 1, step[1], 60);
        }
        assertEquals(state, c.state(), "driving to " + FlowState.name(state));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {
        SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSED, SYN_SENT2 })
    void tcpFlowIdleExactlyItsTimeoutSurvives(final int state)
    {
        try (Conversation c = Conversation.tcp(true))
        {
            driveTo(c, state);
            final int entry = c.entry();
            final long packets = c.table.packets(entry, false) + c.table.packets(entry, true);
            c.advance(ConntrackConfig.defaults().timeoutNs(state));
            assertEquals(0, c.table.expire(c.nowNs(), Integer.MAX_VALUE), "the sweep must not take it either");
            assertEquals(entry, c.server(ACK));
            assertFalse(c.table.lastCreated());
            assertEquals(packets + 1, c.table.packets(entry, false) + c.table.packets(entry, true));
            assertEquals(0, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {
        SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSED, SYN_SENT2 })
    void tcpFlowIdlePastItsTimeoutIsExpiredOnItsNextPacket(final int state)
    {
        try (Conversation c = Conversation.tcp(true))
        {
            driveTo(c, state);
            c.advance(ConntrackConfig.defaults().timeoutNs(state) + JUST_OVER_NS);
            final int entry = c.client(SYN);
            assertTrue(c.table.lastCreated());
            assertEquals(SYN_SENT, c.state());
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(2, c.count(Counter.FLOWS_CREATED));
            assertEquals(0, c.count(Counter.FLOWS_REOPENED), "an expired flow is replaced, not reopened");
            assertEquals(1, c.table.size());
            assertEquals(1, c.table.packets(entry, false));
            assertEquals(0, c.table.packets(entry, true));
            assertEquals(c.nowNs(), c.table.createdNs(entry));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = { SYN_SENT, ESTABLISHED, LAST_ACK, TIME_WAIT, CLOSED })
    void sweepRemovesAFlowIdlePastItsTimeout(final int state)
    {
        try (Conversation c = Conversation.tcp(false))
        {
            driveTo(c, state);
            c.advance(ConntrackConfig.defaults().timeoutNs(state) + JUST_OVER_NS);
            assertEquals(1, c.table.expire(c.nowNs(), Integer.MAX_VALUE));
            assertEquals(0, c.table.size());
            assertEquals(-1, c.entry());
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
        }
    }

    @Test
    void expiredFlowOfAMidstreamPacketWithPickupOffIsRemovedAndNotReplaced()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4).withMidstreamPickup(false);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_TCP, true))
        {
            driveTo(c, CLOSED);
            c.advance(config.timeoutNs(CLOSED) + JUST_OVER_NS);
            assertEquals(-1, c.client(ACK));
            assertEquals(0, c.table.size());
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(1, c.count(Counter.TCP_UNTRACKED));
        }
    }

    /**
     * Whatever the start time and timeout, a flow idle at most its timeout is kept, and one idle two ticks past it
     * (the timeout is rounded up to ticks, and the idle time is measured between tick boundaries) is replaced.
     * {@value #TIMEOUT_TRIES} {@link Seeded} tries: start times, timeouts and slacks favour small values and the ends
     * of their ranges, and start times and timeouts are now and then on a tick boundary or next to one.
     */
    @Test
    void timeoutHoldsToWithinTwoTicks()
    {
        Seeded.forAll("timeoutHoldsToWithinTwoTicks", TIMEOUT_TRIES, TimeoutCase::random, input ->
        {
            final long timeoutNs = input.timeoutNs();
            final long slackNs = input.slackNs();
            final boolean over = input.over();
            final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(2)
                .withTimeout(UDP_UNREPLIED, timeoutNs);
            try (Conversation c = new Conversation(config, PacketMeta.PROTO_UDP, true))
            {
                c.advance(input.startNs() - c.nowNs());
                c.send(true, 0, 100);
                c.advance(over ? timeoutNs + JUST_OVER_NS + slackNs : Math.max(0, timeoutNs - slackNs));
                c.send(true, 0, 100);
                assertEquals(over ? 1 : 0, c.count(Counter.FLOWS_EXPIRED));
                assertEquals(over ? 2 : 1, c.count(Counter.FLOWS_CREATED));
                assertEquals(over ? 1 : 2, c.table.packets(c.entry(), false));
            }
        });
    }

    /** A start in [0, 2^50] ns, a timeout in [1, 2^40] ns, a slack in [0, 4 ticks], and whether to idle past it. */
    record TimeoutCase(long startNs, long timeoutNs, long slackNs, boolean over)
    {
        static TimeoutCase random(final SplittableRandom random)
        {
            return new TimeoutCase(
                nearTick(random, Seeded.between(random, 0, 1L << 50), 0, 1L << 50),
                nearTick(random, Seeded.between(random, 1, 1L << 40), 1, 1L << 40),
                Seeded.between(random, 0, 4 * TICK_NS),
                random.nextBoolean());
        }

        /** @return 1 in 4 {@code value} moved to the tick boundary at or below it, or one either side, within range. */
        private static long nearTick(final SplittableRandom random, final long value, final long min, final long max)
        {
            if (random.nextInt(4) != 0)
            {
                return value;
            }
            final long moved = (value & -TICK_NS) + random.nextInt(3) - 1;
            return Math.max(min, Math.min(max, moved));
        }
    }

    @Test
    void sweepExaminesAtMostItsBudgetAndResumesWhereItStopped()
    {
        final int flows = 16;
        final WorkerCounters counters = new WorkerCounters();
        final PacketMeta meta = new PacketMeta();
        try (FlowTable table = new FlowTable(ConntrackConfig.defaults().withCapacityFlows(flows), counters))
        {
            for (int host = 0; host < flows; host++)
            {
                table.track(TestPackets.ipv4Packet(meta, PacketMeta.PROTO_UDP, TestPackets.ipv4(10, 0, 1, host), 5000,
                    TestPackets.ipv4(10, 0, 0, 53), 53, 0, 80), 0);
            }
            final long nowNs = 30 * SECOND_NS + JUST_OVER_NS;
            assertEquals(0, table.expire(nowNs, 0));
            assertEquals(0, table.expire(nowNs - JUST_OVER_NS, Integer.MAX_VALUE), "none idle past 30 s yet");
            assertEquals(flows, table.size());

            final int budget = 3;
            // Each call examines up to its budget of slots (a removal re-examines the slot it emptied), from where the
            // last call stopped: a hand that went back to the start would never reach the later slots.
            final int maxCalls = (table.slotCount() + flows + budget - 1) / budget;
            int removed = 0;
            int calls = 0;
            while (table.size() > 0)
            {
                final int n = table.expire(nowNs, budget);
                assertTrue(n <= budget, "removed " + n + " with a budget of " + budget);
                removed += n;
                calls++;
                assertTrue(calls <= maxCalls, "sweeps did not cover the table in " + maxCalls + " calls");
            }
            assertEquals(flows, removed);
            assertEquals(flows, counters.get(Counter.FLOWS_EXPIRED));
        }
    }

    @Test
    void lookupDoesNotExpire()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            driveTo(c, CLOSED);
            c.advance(TimeUnit.DAYS.toNanos(1));
            assertNotEquals(-1, c.entry());
            assertEquals(0, c.count(Counter.FLOWS_EXPIRED));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void udpIsUnrepliedUntilTheOtherSideAnswers(final boolean clientIsLow)
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_UDP, clientIsLow))
        {
            final int entry = c.send(true, 0, 80);
            assertTrue(c.table.lastCreated());
            assertEquals(UDP_UNREPLIED, c.state());
            c.send(true, 0, 90);
            assertEquals(UDP_UNREPLIED, c.state(), "more from the same side is not a reply");
            c.send(false, 0, 300);
            assertTrue(c.table.lastReply());
            assertEquals(UDP_REPLIED, c.state());
            c.send(false, 0, 300);
            c.send(true, 0, 70);
            assertEquals(UDP_REPLIED, c.state());
            assertEquals(3, c.table.packets(entry, false));
            assertEquals(240, c.table.bytes(entry, false));
            assertEquals(2, c.table.packets(entry, true));
            assertEquals(600, c.table.bytes(entry, true));
            final int initiatorFlag = clientIsLow ? 0 : FlowTable.FLAG_INITIATOR_IS_B;
            assertEquals(FlowTable.FLAG_IN_USE | initiatorFlag, c.table.flags(entry));
            assertEquals(1, c.count(Counter.FLOWS_UDP));
            assertEquals(0, c.count(Counter.FLOWS_TCP));
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @Test
    void udpTimeoutsDependOnWhetherItWasAnswered()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_UDP, true))
        {
            c.send(true, 0, 80);
            c.advance(30 * SECOND_NS);
            c.send(false, 0, 80);
            assertEquals(UDP_REPLIED, c.state(), "30 s idle is not past the unreplied timeout");
            c.advance(120 * SECOND_NS);
            c.send(true, 0, 80);
            assertEquals(UDP_REPLIED, c.state());
            assertEquals(0, c.count(Counter.FLOWS_EXPIRED));
            c.advance(120 * SECOND_NS + JUST_OVER_NS);
            c.send(false, 0, 80);
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(UDP_UNREPLIED, c.state(), "a new flow, started by the former responder");
            c.advance(30 * SECOND_NS + JUST_OVER_NS);
            assertEquals(1, c.table.expire(c.nowNs(), Integer.MAX_VALUE));
            assertEquals(2, c.count(Counter.FLOWS_EXPIRED));
        }
    }

    @Test
    void icmpEchoRequestAndReplyShareAFlow()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_ICMP, false))
        {
            final int entry = c.send(true, 0, 98);
            assertEquals(ICMP_UNREPLIED, c.state());
            assertEquals(entry, c.send(false, 0, 98));
            assertEquals(ICMP_REPLIED, c.state());
            assertEquals(1, c.count(Counter.FLOWS_OTHER));
            c.advance(30 * SECOND_NS);
            c.send(true, 0, 98);
            assertEquals(0, c.count(Counter.FLOWS_EXPIRED));
            c.advance(30 * SECOND_NS + JUST_OVER_NS);
            c.send(true, 0, 98);
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(ICMP_UNREPLIED, c.state());
        }
    }

    @Test
    void otherProtocolsHaveAGenericPseudoState()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_GRE, true))
        {
            final int entry = c.send(false, 0, 200);
            assertEquals(OTHER_UNREPLIED, c.state());
            assertEquals(PacketMeta.PROTO_GRE, c.table.protocol(entry));
            c.advance(600 * SECOND_NS);
            c.send(true, 0, 200);
            assertEquals(OTHER_REPLIED, c.state());
            assertEquals(1, c.count(Counter.FLOWS_OTHER));
            c.advance(600 * SECOND_NS + JUST_OVER_NS);
            assertEquals(1, c.table.expire(c.nowNs(), Integer.MAX_VALUE));
        }
    }
}
