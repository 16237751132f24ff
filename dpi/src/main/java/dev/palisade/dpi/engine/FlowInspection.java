package dev.palisade.dpi.engine;

/**
 * What inspection keeps per flow: the two reassembled directions, flowbits, the HTTP state, and whether the flow
 * was passed or blocked by a rule. Pooled per worker and reused; streams and the HTTP parser are created on first
 * use, so a flow without payload costs little.
 */
final class FlowInspection
{
    final StreamBuffer toServer = new StreamBuffer();
    final StreamBuffer toClient = new StreamBuffer();
    final FlowBits bits = new FlowBits();
    HttpInspection http;
    /** A pass rule matched: the rest of the flow is not inspected. */
    boolean passed;
    /** A drop or reject rule matched inline: the rest of the flow is dropped. */
    boolean blocked;
    boolean synToServer;
    boolean synToClient;
    /** The initiator's view of the flow, for alerts raised when the flow ends. */
    int protocol;
    long clientHi;
    long clientLo;
    long serverHi;
    long serverLo;
    int clientPort;
    int serverPort;
    boolean established;
    /**
     * The data plane's idea of who initiated the flow is the wrong way round: it was picked up midstream at the
     * server's SYN/ACK, or at data that is a server's response (an HTTP status line, an SMB reply).
     */
    boolean reversed;
    long lastTimestampNs;
    int nextFree;

    void open(final Packet p, final boolean midstream)
    {
        reversed = midstream && senderIsServer(p) && p.toServer;
        if (reversed)
        {
            p.toServer = false;
        }
        passed = false;
        blocked = false;
        synToServer = false;
        synToClient = false;
        bits.reset();
        protocol = p.protocol;
        if (p.toServer)
        {
            clientHi = p.srcHi;
            clientLo = p.srcLo;
            clientPort = p.srcPort;
            serverHi = p.dstHi;
            serverLo = p.dstLo;
            serverPort = p.dstPort;
        }
        else
        {
            clientHi = p.dstHi;
            clientLo = p.dstLo;
            clientPort = p.dstPort;
            serverHi = p.srcHi;
            serverLo = p.srcLo;
            serverPort = p.srcPort;
        }
    }

    /** A first packet that only a server sends: a SYN/ACK, or payload that starts a response. */
    private static boolean senderIsServer(final Packet p)
    {
        final int flags = p.tcpFlags & (Packet.TCP_SYN | Packet.TCP_ACK);
        if (p.protocol != 6)
        {
            return false;
        }
        if (flags == (Packet.TCP_SYN | Packet.TCP_ACK))
        {
            return true;
        }
        if ((p.tcpFlags & Packet.TCP_SYN) != 0 || p.payloadLength < 5)
        {
            return false;
        }
        final org.agrona.DirectBuffer b = p.buffer;
        final int o = p.payloadOffset;
        if (b.getByte(o) == 'H' && b.getByte(o + 1) == 'T' && b.getByte(o + 2) == 'T' && b.getByte(o + 3) == 'P' &&
            b.getByte(o + 4) == '/')
        {
            return true;
        }
        // NetBIOS session message carrying SMB1 (flags bit 7: reply) or SMB2/3 (flags bit 0: server to redirector)
        if (p.payloadLength >= 4 + 20 && b.getByte(o) == 0 && (b.getByte(o + 5) & 0xFF) == 'S' &&
            b.getByte(o + 6) == 'M' && b.getByte(o + 7) == 'B')
        {
            final int marker = b.getByte(o + 4) & 0xFF;
            if (marker == 0xFF)
            {
                return (b.getByte(o + 4 + 9) & 0x80) != 0;
            }
            if (marker == 0xFE)
            {
                return (b.getByte(o + 4 + 16) & 0x01) != 0;
            }
        }
        return false;
    }

    StreamBuffer stream(final boolean toServer)
    {
        return toServer ? this.toServer : this.toClient;
    }

    /** Fills {@code p} as a payload-less packet of this flow in one direction, for inspection at the flow's end. */
    void describe(final Packet p, final boolean toServer, final long nowNs)
    {
        p.protocol = protocol;
        p.toServer = toServer;
        p.srcHi = toServer ? clientHi : serverHi;
        p.srcLo = toServer ? clientLo : serverLo;
        p.srcPort = toServer ? clientPort : serverPort;
        p.dstHi = toServer ? serverHi : clientHi;
        p.dstLo = toServer ? serverLo : clientLo;
        p.dstPort = toServer ? serverPort : clientPort;
        p.established = established;
        p.tcpFlags = 0;
        p.tcpSeq = 0;
        p.icmpType = 0;
        p.icmpCode = 0;
        p.buffer = null;
        p.payloadOffset = 0;
        p.payloadLength = 0;
        p.timestampNs = nowNs;
        p.number = 0;
    }

    void release()
    {
        toServer.release();
        toClient.release();
        if (http != null)
        {
            http.reset();
        }
    }

    int heldBytes()
    {
        return toServer.heldBytes() + toClient.heldBytes();
    }
}
