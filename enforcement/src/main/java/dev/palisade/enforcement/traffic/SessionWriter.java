package dev.palisade.enforcement.traffic;

import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.packet.TcpFlyweight;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.model.Cidr;

import java.io.IOException;

/**
 * Writes whole IPv4 conversations chosen one by one (a TCP connection with a request and a response, a UDP exchange,
 * a connection attempt nobody answers), with valid checksums: the scripted part of a scenario, such as the demo's
 * attacks and its host-side probes of the management port, next to {@link TrafficGenerator}'s bulk traffic.
 * Timestamps advance 100 µs per packet from {@code startNs}.
 */
public final class SessionWriter
{
    private static final long GAP_NS = 100_000;
    private static final int MAX_PAYLOAD = 1400;

    private final CaptureWriter writer;
    private final FrameBuilder frames = new FrameBuilder(false);
    private final Flow flow = new Flow();
    private long timeNs;
    private long packets;
    private long sessions;

    /** @param writer created with {@code LinkType.ETHERNET}; the caller closes it. */
    public SessionWriter(final CaptureWriter writer, final long startNs)
    {
        this.writer = writer;
        this.timeNs = startNs;
    }

    /**
     * A TCP connection: handshake, the request from the client, the response (when not null) and a FIN exchange.
     * Payloads over 1,400 bytes are refused: one segment each keeps the script simple.
     */
    public void tcp(final String client, final int clientPort, final String server, final int serverPort,
        final byte[] request, final byte[] response) throws IOException
    {
        start(client, clientPort, server, serverPort);
        final long c = flow.clientSeq;
        final long s = flow.serverSeq;
        packet(true, c, 0, TcpFlyweight.SYN, null);
        packet(false, s, c + 1, TcpFlyweight.SYN | TcpFlyweight.ACK, null);
        packet(true, c + 1, s + 1, TcpFlyweight.ACK, null);
        final int requestLength = length(request);
        final int responseLength = length(response);
        packet(true, c + 1, s + 1, TcpFlyweight.PSH | TcpFlyweight.ACK, request);
        packet(false, s + 1, c + 1 + requestLength, TcpFlyweight.ACK, null);
        if (responseLength > 0)
        {
            packet(false, s + 1, c + 1 + requestLength, TcpFlyweight.PSH | TcpFlyweight.ACK, response);
            packet(true, c + 1 + requestLength, s + 1 + responseLength, TcpFlyweight.ACK, null);
        }
        packet(true, c + 1 + requestLength, s + 1 + responseLength, TcpFlyweight.FIN | TcpFlyweight.ACK, null);
        packet(false, s + 1 + responseLength, c + 2 + requestLength, TcpFlyweight.FIN | TcpFlyweight.ACK, null);
        packet(true, c + 2 + requestLength, s + 2 + responseLength, TcpFlyweight.ACK, null);
    }

    /** A connection attempt that gets no answer: a SYN and {@code retries} retransmissions of it. */
    public void unansweredSyn(final String client, final int clientPort, final String server, final int serverPort,
        final int retries) throws IOException
    {
        start(client, clientPort, server, serverPort);
        for (int i = 0; i <= retries; i++)
        {
            packet(true, flow.clientSeq, 0, TcpFlyweight.SYN, null);
        }
    }

    /** A UDP datagram and, when not null, its reply. */
    public void udp(final String client, final int clientPort, final String server, final int serverPort,
        final byte[] datagram, final byte[] reply) throws IOException
    {
        start(client, clientPort, server, serverPort);
        datagram(true, datagram);
        if (reply != null)
        {
            datagram(false, reply);
        }
    }

    /** @return packets written so far. */
    public long packets()
    {
        return packets;
    }

    /** @return conversations written so far. */
    public long sessions()
    {
        return sessions;
    }

    private void start(final String client, final int clientPort, final String server, final int serverPort)
    {
        flow.ipv6 = false;
        flow.clientV4 = ipv4(client);
        flow.serverV4 = ipv4(server);
        if (clientPort < 1 || clientPort > 0xFFFF || serverPort < 1 || serverPort > 0xFFFF)
        {
            throw new IllegalArgumentException("ports must be 1..65535, were " + clientPort + " and " + serverPort);
        }
        flow.clientPort = clientPort;
        flow.serverPort = serverPort;
        flow.clientMac = Flow.CLIENT_MAC_BASE | (flow.clientV4 & 0xFF_FFFFL);
        flow.serverTtl = 57;
        flow.clientIpId = (int)(sessions * 7919) & 0xFFFF;
        flow.serverIpId = (int)(sessions * 104729) & 0xFFFF;
        flow.clientSeq = 0x1000_0000L + sessions * 0x0100_0000L & 0xFFFF_FFFFL;
        flow.serverSeq = 0x8000_0000L + sessions * 0x0010_0000L & 0xFFFF_FFFFL;
        sessions++;
    }

    private static int ipv4(final String text)
    {
        final Cidr cidr = Addresses.parseCidr(text);
        if (!cidr.ipv4() || cidr.prefix() != 128)
        {
            throw new IllegalArgumentException("'" + text + "' is not one IPv4 address");
        }
        return (int)cidr.lo();
    }

    private static int length(final byte[] payload)
    {
        if (payload == null)
        {
            return 0;
        }
        if (payload.length > MAX_PAYLOAD)
        {
            throw new IllegalArgumentException("a scripted payload is at most " + MAX_PAYLOAD + " bytes, was " +
                payload.length);
        }
        return payload.length;
    }

    private void packet(final boolean fromClient, final long seq, final long ack, final int flags,
        final byte[] payload) throws IOException
    {
        final int length = length(payload);
        if (length > 0)
        {
            frames.buffer.putBytes(FrameBuilder.tcpPayloadOffset(flow), payload);
        }
        final int frame = frames.tcp(flow, fromClient, seq & 0xFFFF_FFFFL, ack & 0xFFFF_FFFFL, flags, length);
        emit(frame);
    }

    private void datagram(final boolean fromClient, final byte[] payload) throws IOException
    {
        final int length = length(payload);
        if (length > 0)
        {
            frames.buffer.putBytes(FrameBuilder.udpPayloadOffset(flow), payload);
        }
        emit(frames.udp(flow, fromClient, length));
    }

    private void emit(final int frameLength) throws IOException
    {
        writer.write(timeNs, frames.buffer, 0, frameLength, frameLength);
        timeNs += GAP_NS;
        packets++;
    }
}
