package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.packet.PacketMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.palisade.enforcement.conntrack.FlowState.*;
import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.FIN;
import static dev.palisade.enforcement.packet.TcpFlyweight.PSH;
import static dev.palisade.enforcement.packet.TcpFlyweight.RST;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static dev.palisade.enforcement.packet.TcpFlyweight.URG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP connection tracking through {@link FlowTable#track}: each test drives one conversation packet by packet and
 * checks the state after Linux's conntrack table, the flow's direction and the counters. Most run twice, with the
 * client as endpoint A and as endpoint B of the canonical key, since direction is derived from the key order.
 */
class FlowTableTcpTest
{
    private static final int SYN_ACK = SYN | ACK;
    private static final int FIN_ACK = FIN | ACK;
    private static final int PSH_ACK = PSH | ACK;
    private static final int RST_ACK = RST | ACK;

    private static void establish(final Conversation c)
    {
        c.client(SYN);
        c.server(SYN_ACK);
        c.client(ACK);
        assertEquals(ESTABLISHED, c.state());
    }

    private static int initiatorFlag(final boolean initiatorIsLow)
    {
        return initiatorIsLow ? 0 : FlowTable.FLAG_INITIATOR_IS_B;
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void threeWayHandshakeEstablishes(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            final int entry = c.client(SYN);
            assertTrue(entry >= 0);
            assertTrue(c.table.lastCreated());
            assertFalse(c.table.lastReply());
            assertEquals(SYN_SENT, c.state());

            assertEquals(entry, c.server(SYN_ACK));
            assertFalse(c.table.lastCreated());
            assertTrue(c.table.lastReply());
            assertEquals(SYN_RECV, c.state());

            assertEquals(entry, c.client(ACK));
            assertFalse(c.table.lastReply());
            assertEquals(ESTABLISHED, c.state());

            c.send(true, PSH_ACK, 1000);
            c.send(false, PSH_ACK, 400);
            assertEquals(ESTABLISHED, c.state());

            assertEquals(FlowTable.FLAG_IN_USE | initiatorFlag(clientIsLow), c.table.flags(entry));
            assertEquals(PacketMeta.PROTO_TCP, c.table.protocol(entry));
            assertEquals(3, c.table.packets(entry, false));
            assertEquals(2, c.table.packets(entry, true));
            assertEquals(60 + 60 + 1000, c.table.bytes(entry, false));
            assertEquals(60 + 400, c.table.bytes(entry, true));
            assertEquals(1, c.table.size());
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
            assertEquals(1, c.count(Counter.FLOWS_TCP));
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void clientClosesFirst(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            establish(c);
            c.client(FIN_ACK);
            assertEquals(FIN_WAIT, c.state());
            c.server(ACK);
            assertEquals(CLOSE_WAIT, c.state());
            c.server(FIN_ACK);
            assertEquals(LAST_ACK, c.state());
            c.client(ACK);
            assertEquals(TIME_WAIT, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void serverClosesFirst(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            establish(c);
            c.server(FIN_ACK);
            assertEquals(FIN_WAIT, c.state());
            c.client(ACK);
            assertEquals(CLOSE_WAIT, c.state());
            c.client(FIN_ACK);
            assertEquals(LAST_ACK, c.state());
            c.server(ACK);
            assertEquals(TIME_WAIT, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @Test
    void simultaneousCloseGoesThroughLastAck()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            establish(c);
            c.client(FIN_ACK);
            assertEquals(FIN_WAIT, c.state());
            c.server(FIN_ACK);
            assertEquals(LAST_ACK, c.state());
            c.client(ACK);
            assertEquals(TIME_WAIT, c.state());
            c.server(ACK);
            assertEquals(TIME_WAIT, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @ParameterizedTest(name = "reset from client: {0}")
    @ValueSource(booleans = { true, false })
    void resetFromEitherSideCloses(final boolean fromClient)
    {
        for (final boolean clientIsLow : new boolean[]{ true, false })
        {
            try (Conversation c = Conversation.tcp(clientIsLow))
            {
                establish(c);
                c.send(fromClient, RST_ACK, 54);
                assertEquals(CLOSED, c.state());
                assertEquals(1, c.table.size(), "a closed flow stays until it times out");
                assertEquals(0, c.count(Counter.TCP_INVALID));
            }
        }
    }

    @Test
    void refusedConnectionClosesFromSynSent()
    {
        try (Conversation c = Conversation.tcp(false))
        {
            c.client(SYN);
            c.server(RST_ACK);
            assertEquals(CLOSED, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void simultaneousOpenPassesThroughSynSent2(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            final int entry = c.client(SYN);
            assertEquals(SYN_SENT, c.state());
            c.server(SYN);
            assertEquals(SYN_SENT2, c.state());
            assertTrue(c.table.lastReply());
            c.client(SYN_ACK);
            assertEquals(SYN_RECV, c.state());
            c.server(SYN_ACK);
            assertEquals(SYN_RECV, c.state(), "the second SYN/ACK is a retransmission to ignore");
            c.client(ACK);
            assertEquals(ESTABLISHED, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
            assertEquals(FlowTable.FLAG_IN_USE | initiatorFlag(clientIsLow), c.table.flags(entry));
        }
    }

    @Test
    void simultaneousOpenAnsweredByResponderSynAck()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            c.client(SYN);
            c.server(SYN);
            c.server(SYN_ACK);
            assertEquals(SYN_RECV, c.state());
            c.client(ACK);
            assertEquals(ESTABLISHED, c.state());
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void midstreamAckPicksUpAsEstablished(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            final int entry = c.send(true, PSH_ACK, 500);
            assertTrue(entry >= 0);
            assertTrue(c.table.lastCreated());
            assertFalse(c.table.lastReply());
            assertEquals(ESTABLISHED, c.state());
            assertEquals(FlowTable.FLAG_IN_USE | FlowTable.FLAG_MIDSTREAM | initiatorFlag(clientIsLow),
                c.table.flags(entry));
            assertEquals(1, c.table.packets(entry, false));
            assertEquals(500, c.table.bytes(entry, false));
            assertEquals(0, c.table.packets(entry, true));

            c.server(ACK);
            assertTrue(c.table.lastReply());
            assertEquals(1, c.table.packets(entry, true));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
            assertEquals(0, c.count(Counter.TCP_UNTRACKED));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void midstreamSynAckMakesItsReceiverTheInitiator(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            final int entry = c.server(SYN_ACK);
            assertTrue(c.table.lastCreated());
            assertTrue(c.table.lastReply(), "the SYN/ACK travels from responder to initiator");
            assertEquals(SYN_RECV, c.state());
            assertEquals(FlowTable.FLAG_IN_USE | FlowTable.FLAG_MIDSTREAM | initiatorFlag(clientIsLow),
                c.table.flags(entry));
            assertEquals(0, c.table.packets(entry, false));
            assertEquals(1, c.table.packets(entry, true));
            assertEquals(60, c.table.bytes(entry, true));

            c.client(ACK);
            assertFalse(c.table.lastReply());
            assertEquals(ESTABLISHED, c.state());
            assertEquals(1, c.table.packets(entry, false));
        }
    }

    @Test
    void midstreamOffLeavesNonSynPacketsUntracked()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(16).withMidstreamPickup(false);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_TCP, true))
        {
            assertEquals(-1, c.client(ACK));
            assertEquals(-1, c.server(SYN_ACK));
            assertEquals(-1, c.client(FIN_ACK));
            assertEquals(-1, c.server(RST));
            assertEquals(-1, c.client(PSH_ACK));
            assertFalse(c.table.lastCreated());
            assertEquals(0, c.table.size());
            assertEquals(-1, c.entry());
            assertEquals(5, c.count(Counter.TCP_UNTRACKED));
            assertEquals(0, c.count(Counter.FLOWS_CREATED));

            assertTrue(c.client(SYN) >= 0, "a SYN is tracked with pick-up off");
            assertEquals(SYN_SENT, c.state());
            c.server(SYN_ACK);
            c.client(ACK);
            assertEquals(ESTABLISHED, c.state());
            assertEquals(5, c.count(Counter.TCP_UNTRACKED));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
        }
    }

    @Test
    void packetWithoutSynAckFinOrRstStartsNoFlow()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            assertEquals(-1, c.client(0), "a NULL scan");
            assertEquals(-1, c.server(PSH | URG));
            assertFalse(c.table.lastCreated());
            assertEquals(0, c.table.size());
            assertEquals(0, c.count(Counter.FLOWS_CREATED));
            assertEquals(2, c.count(Counter.TCP_INVALID));
            assertEquals(0, c.count(Counter.TCP_UNTRACKED));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void synAfterTimeWaitReopensThePortInPlace(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            establish(c);
            final int entry = c.entry();
            c.client(FIN_ACK);
            c.server(FIN_ACK);
            c.client(ACK);
            assertEquals(TIME_WAIT, c.state());

            c.advance(1_000_000_000L);
            assertEquals(entry, c.send(true, SYN, 74));
            assertTrue(c.table.lastCreated(), "a reopened flow is a new flow");
            assertFalse(c.table.lastReply());
            assertEquals(SYN_SENT, c.state());
            assertEquals(1, c.count(Counter.FLOWS_REOPENED));
            assertEquals(2, c.count(Counter.FLOWS_CREATED));
            assertEquals(2, c.count(Counter.FLOWS_TCP));
            assertEquals(0, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(1, c.table.size());
            assertEquals(1, c.table.packets(entry, false));
            assertEquals(74, c.table.bytes(entry, false));
            assertEquals(0, c.table.packets(entry, true));
            assertEquals(0, c.table.bytes(entry, true));
            assertEquals(c.nowNs(), c.table.createdNs(entry));
            assertEquals(c.nowNs() >>> FlowTable.TICK_SHIFT, c.table.lastSeenNs(entry) >>> FlowTable.TICK_SHIFT,
                "last seen, at the table's clock resolution");

            c.server(SYN_ACK);
            c.client(ACK);
            assertEquals(ESTABLISHED, c.state());
            assertEquals(0, c.count(Counter.TCP_INVALID));
        }
    }

    @ParameterizedTest(name = "client is endpoint A: {0}")
    @ValueSource(booleans = { true, false })
    void synFromTheOtherSideAfterResetReopensWithItAsInitiator(final boolean clientIsLow)
    {
        try (Conversation c = Conversation.tcp(clientIsLow))
        {
            c.client(PSH_ACK);
            final int entry = c.entry();
            assertEquals(FlowTable.FLAG_MIDSTREAM, c.table.flags(entry) & FlowTable.FLAG_MIDSTREAM);
            c.server(RST);
            assertEquals(CLOSED, c.state());

            assertEquals(entry, c.server(SYN));
            assertEquals(SYN_SENT, c.state());
            assertFalse(c.table.lastReply());
            assertEquals(FlowTable.FLAG_IN_USE | initiatorFlag(!clientIsLow), c.table.flags(entry),
                "the server initiates the new connection, and it is no longer a pick-up");
            c.client(SYN_ACK);
            assertTrue(c.table.lastReply());
            assertEquals(SYN_RECV, c.state());
            c.server(ACK);
            assertEquals(ESTABLISHED, c.state());
            assertEquals(1, c.count(Counter.FLOWS_REOPENED));
            assertEquals(2, c.count(Counter.FLOWS_CREATED));
        }
    }

    @Test
    void synOnAnOpenConnectionDoesNotReopen()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            establish(c);
            c.client(SYN);
            assertEquals(ESTABLISHED, c.state());
            assertFalse(c.table.lastCreated());
            assertEquals(0, c.count(Counter.FLOWS_REOPENED));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
            assertEquals(0, c.count(Counter.TCP_INVALID), "Linux ignores a SYN on an established connection");
        }
    }

    @Test
    void invalidTransitionsAreCountedAndKeepTheState()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            c.client(SYN);
            c.client(SYN_ACK); // the initiator cannot answer its own SYN
            assertEquals(SYN_SENT, c.state());
            assertEquals(1, c.count(Counter.TCP_INVALID));
            c.client(ACK); // nothing to acknowledge yet
            assertEquals(SYN_SENT, c.state());
            assertEquals(2, c.count(Counter.TCP_INVALID));
            c.server(ACK); // allowed, but no progress: ignored, not invalid
            assertEquals(SYN_SENT, c.state());
            assertEquals(2, c.count(Counter.TCP_INVALID));

            c.server(SYN_ACK);
            c.client(ACK);
            assertEquals(ESTABLISHED, c.state());
            c.client(0); // no flags at all
            assertEquals(ESTABLISHED, c.state());
            assertEquals(3, c.count(Counter.TCP_INVALID));
            c.client(SYN_ACK);
            assertEquals(ESTABLISHED, c.state());
            assertEquals(4, c.count(Counter.TCP_INVALID));
            assertEquals(1, c.count(Counter.FLOWS_CREATED));
        }
    }

    @Test
    void synSent2RejectsAFin()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            c.client(SYN);
            c.server(SYN);
            c.client(FIN);
            assertEquals(SYN_SENT2, c.state());
            assertEquals(1, c.count(Counter.TCP_INVALID));
        }
    }
}
