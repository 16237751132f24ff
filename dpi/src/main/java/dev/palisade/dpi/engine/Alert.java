package dev.palisade.dpi.engine;

/**
 * One alert: which rule, on which flow and packet, what was done, and the bytes it matched in.
 *
 * @param action    the rule's action: alert, drop, reject or pass.
 * @param blocked   the packet was dropped (a drop or reject rule in IPS mode).
 * @param source    what was inspected: {@code packet}, {@code stream} (reassembled TCP) or {@code http}.
 * @param toServer  the direction of the packet or stream, from the flow's initiator.
 * @param srcHi     the packet's source address (128-bit, IPv4-mapped for IPv4), and so on for the others.
 * @param payload   an excerpt of the inspected bytes, ending at the match.
 * @param packetNumber the packet's position in its capture (1-based), 0 when raised at the end of a flow.
 */
public record Alert(
    long sid,
    int gid,
    int rev,
    String msg,
    String classtype,
    int priority,
    String action,
    boolean blocked,
    String source,
    boolean toServer,
    long timestampNs,
    long packetNumber,
    int protocol,
    long srcHi,
    long srcLo,
    int srcPort,
    long dstHi,
    long dstLo,
    int dstPort,
    byte[] payload)
{
}
