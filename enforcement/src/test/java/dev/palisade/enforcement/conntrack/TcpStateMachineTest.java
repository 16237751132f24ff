package dev.palisade.enforcement.conntrack;

import org.junit.jupiter.api.Test;

import static dev.palisade.enforcement.conntrack.FlowState.*;
import static dev.palisade.enforcement.conntrack.TcpStateMachine.*;
import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.CWR;
import static dev.palisade.enforcement.packet.TcpFlyweight.ECE;
import static dev.palisade.enforcement.packet.TcpFlyweight.FIN;
import static dev.palisade.enforcement.packet.TcpFlyweight.PSH;
import static dev.palisade.enforcement.packet.TcpFlyweight.RST;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static dev.palisade.enforcement.packet.TcpFlyweight.URG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state table itself, against Linux's {@code tcp_conntracks} (net/netfilter/nf_conntrack_proto_tcp.c), and the
 * classification of flags into events ({@code get_conntrack_index}).
 */
class TcpStateMachineTest
{
    private static final boolean ORIGINAL = false;
    private static final boolean REPLY = true;

    @Test
    void flagsClassifyAsLinuxDoes()
    {
        assertEquals(EVENT_SYN, event(SYN));
        assertEquals(EVENT_SYN, event(SYN | ECE | CWR));
        assertEquals(EVENT_SYN_ACK, event(SYN | ACK));
        assertEquals(EVENT_SYN_ACK, event(SYN | ACK | ECE));
        assertEquals(EVENT_FIN, event(FIN));
        assertEquals(EVENT_FIN, event(FIN | ACK | PSH));
        assertEquals(EVENT_ACK, event(ACK));
        assertEquals(EVENT_ACK, event(PSH | ACK | URG));
        assertEquals(EVENT_RST, event(RST));
        assertEquals(EVENT_RST, event(RST | ACK));
        assertEquals(EVENT_RST, event(RST | SYN | FIN | ACK), "RST wins over every other flag");
        assertEquals(EVENT_SYN, event(SYN | FIN), "SYN wins over FIN");
        assertEquals(EVENT_NONE, event(0));
        assertEquals(EVENT_NONE, event(PSH | URG));
    }

    /** Linux's table, row by row: [direction][event][state] with states sNO..sS2. */
    @Test
    void tableMatchesLinux()
    {
        final int iv = INVALID;
        final int ig = IGNORE;
        final int[][][] linux = {
            {
                { SYN_SENT, SYN_SENT, ig, ig, ig, ig, ig, SYN_SENT, SYN_SENT, SYN_SENT2 },
                { iv, iv, SYN_RECV, iv, iv, iv, iv, iv, iv, SYN_RECV },
                { iv, iv, FIN_WAIT, FIN_WAIT, LAST_ACK, LAST_ACK, LAST_ACK, TIME_WAIT, CLOSED, iv },
                { ESTABLISHED, iv, ESTABLISHED, ESTABLISHED, CLOSE_WAIT, CLOSE_WAIT, TIME_WAIT, TIME_WAIT, CLOSED, iv },
                { iv, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED },
                { iv, iv, iv, iv, iv, iv, iv, iv, iv, iv },
            },
            {
                { iv, SYN_SENT2, iv, iv, iv, iv, iv, SYN_SENT, iv, SYN_SENT2 },
                { iv, SYN_RECV, ig, ig, ig, ig, ig, ig, ig, SYN_RECV },
                { iv, iv, FIN_WAIT, FIN_WAIT, LAST_ACK, LAST_ACK, LAST_ACK, TIME_WAIT, CLOSED, iv },
                { iv, ig, SYN_RECV, ESTABLISHED, CLOSE_WAIT, CLOSE_WAIT, TIME_WAIT, TIME_WAIT, CLOSED, ig },
                { iv, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED },
                { iv, iv, iv, iv, iv, iv, iv, iv, iv, iv },
            },
        };
        for (int direction = 0; direction < 2; direction++)
        {
            for (int event = EVENT_SYN; event <= EVENT_NONE; event++)
            {
                for (int state = NONE; state <= SYN_SENT2; state++)
                {
                    assertEquals(linux[direction][event][state], next(state, direction == 1, event),
                        (direction == 1 ? "reply " : "original ") + event + " in " + FlowState.name(state));
                }
            }
        }
    }

    @Test
    void normalOpenAndCloseWalkTheTable()
    {
        int state = next(NONE, ORIGINAL, EVENT_SYN);
        assertEquals(SYN_SENT, state);
        state = next(state, REPLY, EVENT_SYN_ACK);
        assertEquals(SYN_RECV, state);
        state = next(state, ORIGINAL, EVENT_ACK);
        assertEquals(ESTABLISHED, state);
        state = next(state, REPLY, EVENT_FIN);
        assertEquals(FIN_WAIT, state);
        state = next(state, ORIGINAL, EVENT_ACK);
        assertEquals(CLOSE_WAIT, state);
        state = next(state, ORIGINAL, EVENT_FIN);
        assertEquals(LAST_ACK, state);
        state = next(state, REPLY, EVENT_ACK);
        assertEquals(TIME_WAIT, state);
        assertEquals(SYN_SENT, next(state, ORIGINAL, EVENT_SYN), "port reuse");
    }

    @Test
    void resetClosesFromEveryStateButNone()
    {
        for (int state = SYN_SENT; state <= SYN_SENT2; state++)
        {
            assertEquals(CLOSED, next(state, ORIGINAL, EVENT_RST));
            assertEquals(CLOSED, next(state, REPLY, EVENT_RST));
        }
        assertEquals(INVALID, next(NONE, ORIGINAL, EVENT_RST));
    }

    @Test
    void establishedMeansTheHandshakeIsDoneOrTheOtherSideAnswered()
    {
        assertTrue(FlowState.isEstablished(ESTABLISHED));
        assertTrue(FlowState.isEstablished(UDP_REPLIED));
        assertTrue(FlowState.isEstablished(ICMP_REPLIED));
        assertTrue(FlowState.isEstablished(OTHER_REPLIED));
        for (final int state : new int[]{ NONE, SYN_SENT, SYN_RECV, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSED,
            SYN_SENT2, UDP_UNREPLIED, ICMP_UNREPLIED, OTHER_UNREPLIED })
        {
            assertFalse(FlowState.isEstablished(state), FlowState.name(state));
        }
        for (int state = 0; state < FlowState.COUNT; state++)
        {
            assertEquals(state <= SYN_SENT2, FlowState.isTcp(state), FlowState.name(state));
        }
        assertEquals(UDP_REPLIED, UDP_UNREPLIED + 1);
        assertEquals(ICMP_REPLIED, ICMP_UNREPLIED + 1);
        assertEquals(OTHER_REPLIED, OTHER_UNREPLIED + 1);
    }
}
