package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;

/**
 * One conversation between a client and a server driven through a {@link FlowTable} of its own: send packets from
 * either side at a controlled time, then read the flow's entry and the counters. The client is endpoint A of the
 * canonical key when {@code clientIsLow}, else endpoint B, so tests can cover both orders.
 */
final class Conversation implements AutoCloseable
{
    static final int CLIENT_PORT = 40_000;
    static final int SERVER_PORT = 443;

    final WorkerCounters counters = new WorkerCounters();
    final FlowTable table;
    final int protocol;
    final long clientLo;
    final long serverLo;
    private final PacketMeta meta = new PacketMeta();
    private long nowNs = 1_000_000_000L;

    Conversation(final ConntrackConfig config, final int protocol, final boolean clientIsLow)
    {
        this.table = new FlowTable(config, counters);
        this.protocol = protocol;
        this.clientLo = TestPackets.ipv4(10, 0, 0, clientIsLow ? 1 : 9);
        this.serverLo = TestPackets.ipv4(10, 0, 0, 5);
    }

    static Conversation tcp(final boolean clientIsLow)
    {
        return new Conversation(ConntrackConfig.defaults().withCapacityFlows(16), PacketMeta.PROTO_TCP, clientIsLow);
    }

    long nowNs()
    {
        return nowNs;
    }

    Conversation advance(final long ns)
    {
        nowNs += ns;
        return this;
    }

    /** @return the entry id {@link FlowTable#track} returned. */
    int client(final int tcpFlags)
    {
        return send(true, tcpFlags, 60);
    }

    int server(final int tcpFlags)
    {
        return send(false, tcpFlags, 60);
    }

    int send(final boolean fromClient, final int tcpFlags, final int wireLength)
    {
        return table.track(packet(fromClient, tcpFlags, wireLength), nowNs);
    }

    PacketMeta packet(final boolean fromClient, final int tcpFlags, final int wireLength)
    {
        // As the parser fills them: ICMP echo puts its identifier in both ports, protocols without ports leave 0.
        final boolean ports = protocol == PacketMeta.PROTO_TCP || protocol == PacketMeta.PROTO_UDP;
        final int clientPort = protocol == PacketMeta.PROTO_ICMP ? 7 : ports ? CLIENT_PORT : 0;
        final int serverPort = protocol == PacketMeta.PROTO_ICMP ? 7 : ports ? SERVER_PORT : 0;
        return fromClient ?
            TestPackets.ipv4Packet(meta, protocol, clientLo, clientPort, serverLo, serverPort, tcpFlags, wireLength) :
            TestPackets.ipv4Packet(meta, protocol, serverLo, serverPort, clientLo, clientPort, tcpFlags, wireLength);
    }

    /** @return the flow's entry id, or -1 when the table does not hold it. */
    int entry()
    {
        return table.lookup(packet(true, 0, 0));
    }

    /** @return the flow's state, or -1 when the table does not hold it. */
    int state()
    {
        final int entry = entry();
        return entry < 0 ? -1 : table.state(entry);
    }

    long count(final Counter counter)
    {
        return counters.get(counter);
    }

    @Override
    public void close()
    {
        table.close();
    }
}
