package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.packet.PacketMeta;
import org.junit.jupiter.api.Test;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.FIN;
import static dev.palisade.enforcement.packet.TcpFlyweight.RST;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Per-direction byte counts stay exact past 32 bits (the table keeps 32-bit counts and counts their wraps), and a
 * flow's counts start again from its first packet when it is reopened or replaced.
 */
class FlowTableCountsTest
{
    private static final int HUGE = Integer.MAX_VALUE; // a wire length no packet has, to wrap 32 bits in a few packets

    @Test
    void byteCountsAreExactPast32BitsInBothDirections()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(4);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_UDP, false))
        {
            final int entry = c.send(true, 0, HUGE);
            for (int i = 0; i < 6; i++)
            {
                c.send(true, 0, HUGE);
                c.send(false, 0, HUGE - i);
            }
            assertEquals(7, c.table.packets(entry, false));
            assertEquals(6, c.table.packets(entry, true));
            assertEquals(7L * HUGE, c.table.bytes(entry, false));
            assertEquals(6L * HUGE - 15, c.table.bytes(entry, true));
        }
    }

    @Test
    void reopenedFlowCountsFromItsSyn()
    {
        try (Conversation c = Conversation.tcp(true))
        {
            c.send(true, SYN, 60);
            c.send(false, SYN | ACK, 60);
            for (int i = 0; i < 3; i++)
            {
                c.send(true, ACK, HUGE);
                c.send(false, ACK, HUGE);
            }
            c.send(true, RST, 40);
            final int entry = c.send(false, SYN, 66); // the server reuses the pair
            assertEquals(1, c.count(Counter.FLOWS_REOPENED));
            assertEquals(1, c.table.packets(entry, false));
            assertEquals(66, c.table.bytes(entry, false));
            assertEquals(0, c.table.packets(entry, true));
            assertEquals(0, c.table.bytes(entry, true));
        }
    }

    @Test
    void replacedFlowCountsFromItsFirstPacket()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(1);
        try (Conversation c = new Conversation(config, PacketMeta.PROTO_TCP, true))
        {
            for (int i = 0; i < 3; i++)
            {
                c.send(true, ACK, HUGE);
                c.send(false, ACK, HUGE);
            }
            c.send(true, FIN | ACK, 60);
            c.advance(ConntrackConfig.defaults().timeoutNs(FlowState.FIN_WAIT) + 3 * (1L << FlowTable.TICK_SHIFT));
            final int entry = c.send(false, ACK, 70); // a new pick-up: the old flow expired
            assertEquals(1, c.count(Counter.FLOWS_EXPIRED));
            assertEquals(1, c.table.packets(entry, false));
            assertEquals(70, c.table.bytes(entry, false));
            assertEquals(0, c.table.bytes(entry, true));
        }
    }
}
