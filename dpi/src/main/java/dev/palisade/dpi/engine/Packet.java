package dev.palisade.dpi.engine;

import org.agrona.DirectBuffer;

/**
 * What the inspection engine needs to know about one packet, filled in by the data plane (which parsed it and
 * tracked its flow) and overwritten for every packet: one instance per worker, fields public in the manner of a C
 * struct. The payload stays where it is ({@link #buffer}); nothing is copied unless a rule needs verifying.
 * <p>
 * Addresses are 128-bit (IPv4 mapped into {@code ::ffff:0:0/96}), as everywhere in the data plane.
 */
public final class Packet
{
    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_ACK = 0x10;

    public int protocol;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    /** The packet travels from the flow's initiator (client) to its responder (server). */
    public boolean toServer;
    /** The flow is established (TCP: handshake completed or picked up midstream; others: seen both ways). */
    public boolean established;
    public int tcpFlags;
    public long tcpSeq;
    public int icmpType;
    public int icmpCode;
    public DirectBuffer buffer;
    public int payloadOffset;
    public int payloadLength;
    public long timestampNs;
    /** Position of the packet in its capture (1-based), or 0 when unknown; reported in alerts. */
    public long number;

    public boolean isTcp()
    {
        return protocol == 6;
    }
}
