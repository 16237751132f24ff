package dev.palisade.enforcement.conntrack;

/**
 * Flow states as stored in a flow entry (one byte). TCP states follow Linux conntrack (nf_conntrack_proto_tcp.c),
 * including SYN_SENT2 for simultaneous open and LAST_ACK; UDP, ICMP and other protocols have a pseudo-state that
 * only records whether the other side has answered.
 */
public final class FlowState
{
    public static final int NONE = 0;
    public static final int SYN_SENT = 1;
    public static final int SYN_RECV = 2;
    public static final int ESTABLISHED = 3;
    public static final int FIN_WAIT = 4;
    public static final int CLOSE_WAIT = 5;
    public static final int LAST_ACK = 6;
    public static final int TIME_WAIT = 7;
    public static final int CLOSED = 8;
    /** Simultaneous open: both sides sent a SYN. */
    public static final int SYN_SENT2 = 9;
    public static final int UDP_UNREPLIED = 10;
    public static final int UDP_REPLIED = 11;
    public static final int ICMP_UNREPLIED = 12;
    public static final int ICMP_REPLIED = 13;
    public static final int OTHER_UNREPLIED = 14;
    public static final int OTHER_REPLIED = 15;
    public static final int COUNT = 16;

    private static final String[] NAMES = {
        "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSED",
        "SYN_SENT2", "UDP_UNREPLIED", "UDP_REPLIED", "ICMP_UNREPLIED", "ICMP_REPLIED", "OTHER_UNREPLIED",
        "OTHER_REPLIED" };

    private FlowState()
    {
    }

    public static String name(final int state)
    {
        return state >= 0 && state < COUNT ? NAMES[state] : "UNKNOWN(" + state + ")";
    }

    /**
     * Established for the full-table policy: a TCP flow past its handshake and not closing, or a UDP/ICMP/other flow
     * that has seen a reply. Others are evicted first.
     */
    public static boolean isEstablished(final int state)
    {
        return state == ESTABLISHED || state == UDP_REPLIED || state == ICMP_REPLIED || state == OTHER_REPLIED;
    }

    public static boolean isTcp(final int state)
    {
        return state >= NONE && state <= SYN_SENT2;
    }
}
