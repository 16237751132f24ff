package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.packet.TcpFlyweight;

import static dev.palisade.enforcement.conntrack.FlowState.*;

/**
 * TCP connection states driven by the flags of each packet and its direction, after Linux's {@code tcp_conntracks}
 * table (net/netfilter/nf_conntrack_proto_tcp.c). Sequence-window checks are not done here.
 */
public final class TcpStateMachine
{
    public static final int EVENT_SYN = 0;
    public static final int EVENT_SYN_ACK = 1;
    public static final int EVENT_FIN = 2;
    public static final int EVENT_ACK = 3;
    public static final int EVENT_RST = 4;
    public static final int EVENT_NONE = 5;

    /** The packet is not valid in this state; the state stays. */
    public static final int INVALID = -1;
    /** The packet is allowed but does not move the state (e.g. a retransmitted SYN/ACK). */
    public static final int IGNORE = -2;

    private static final int IV = INVALID;
    private static final int IG = IGNORE;
    private static final int SS = SYN_SENT;
    private static final int SR = SYN_RECV;
    private static final int ES = ESTABLISHED;
    private static final int FW = FIN_WAIT;
    private static final int CW = CLOSE_WAIT;
    private static final int LA = LAST_ACK;
    private static final int TW = TIME_WAIT;
    private static final int CL = CLOSED;
    private static final int S2 = SYN_SENT2;

    // [direction][event][state]; states in FlowState order NONE..SYN_SENT2.
    private static final int[][][] TABLE = {
        { // original direction (from the flow's initiator)
            /* syn    */ { SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 },
            /* synack */ { IV, IV, SR, IV, IV, IV, IV, IV, IV, SR },
            /* fin    */ { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
            /* ack    */ { ES, IV, ES, ES, CW, CW, TW, TW, CL, IV },
            /* rst    */ { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
            /* none   */ { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
        },
        { // reply direction
            /* syn    */ { IV, S2, IV, IV, IV, IV, IV, SS, IV, S2 },
            /* synack */ { IV, SR, IG, IG, IG, IG, IG, IG, IG, SR },
            /* fin    */ { IV, IV, FW, FW, LA, LA, LA, TW, CL, IV },
            /* ack    */ { IV, IG, SR, ES, CW, CW, TW, TW, CL, IG },
            /* rst    */ { IV, CL, CL, CL, CL, CL, CL, CL, CL, CL },
            /* none   */ { IV, IV, IV, IV, IV, IV, IV, IV, IV, IV },
        },
    };

    /** {@link #TABLE} flattened: index {@code (direction * 6 + event) * 10 + state}, one load per packet. */
    private static final byte[] FLAT = flatten();

    private TcpStateMachine()
    {
    }

    private static byte[] flatten()
    {
        final byte[] flat = new byte[2 * 6 * 10];
        for (int direction = 0; direction < 2; direction++)
        {
            for (int event = 0; event < 6; event++)
            {
                for (int state = 0; state < 10; state++)
                {
                    flat[(direction * 6 + event) * 10 + state] = (byte)TABLE[direction][event][state];
                }
            }
        }
        return flat;
    }

    /** Classifies a packet's flags into a state-machine event, as Linux's {@code get_conntrack_index}. */
    public static int event(final int tcpFlags)
    {
        if ((tcpFlags & TcpFlyweight.RST) != 0)
        {
            return EVENT_RST;
        }
        if ((tcpFlags & TcpFlyweight.SYN) != 0)
        {
            return (tcpFlags & TcpFlyweight.ACK) != 0 ? EVENT_SYN_ACK : EVENT_SYN;
        }
        if ((tcpFlags & TcpFlyweight.FIN) != 0)
        {
            return EVENT_FIN;
        }
        if ((tcpFlags & TcpFlyweight.ACK) != 0)
        {
            return EVENT_ACK;
        }
        return EVENT_NONE;
    }

    /**
     * @param reply true when the packet travels from the responder to the initiator.
     * @return the next state, {@link #INVALID} or {@link #IGNORE}.
     */
    public static int next(final int state, final boolean reply, final int event)
    {
        return FLAT[((reply ? 6 : 0) + event) * 10 + state];
    }
}
