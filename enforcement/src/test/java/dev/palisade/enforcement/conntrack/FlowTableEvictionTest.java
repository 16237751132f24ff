package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.palisade.enforcement.packet.TcpFlyweight.ACK;
import static dev.palisade.enforcement.packet.TcpFlyweight.FIN;
import static dev.palisade.enforcement.packet.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full-table policy, example by example: {@link ConntrackConfig#EVICTION_SAMPLE} entries from a rotating hand,
 * an expired one reclaimed first, else the least recently seen non-established one, else the least recently seen
 * established one. UDP flows serve as the two kinds: unreplied is non-established, replied is established.
 */
class FlowTableEvictionTest
{
    private static final long SERVER = TestPackets.ipv4(10, 0, 0, 5);

    private final WorkerCounters counters = new WorkerCounters();
    private final PacketMeta meta = new PacketMeta();
    private FlowTable table;

    @AfterEach
    void close()
    {
        if (table != null)
        {
            table.close();
        }
    }

    private FlowTable table(final ConntrackConfig config)
    {
        table = new FlowTable(config, counters);
        return table;
    }

    private FlowTable table(final int capacityFlows)
    {
        return table(ConntrackConfig.defaults().withCapacityFlows(capacityFlows));
    }

    /** A time of {@code n} steps of 10 ms: well apart at the table's clock resolution. */
    private static long t(final long n)
    {
        return n * 10_000_000L;
    }

    private static long client(final int host)
    {
        return TestPackets.ipv4(10, 1 + (host >>> 16), (host >>> 8) & 0xFF, host & 0xFF);
    }

    /** A UDP packet of client {@code host}'s flow, from the client or (reply) from the server. */
    private PacketMeta udp(final int host, final boolean reply)
    {
        return reply ?
            TestPackets.ipv4Packet(meta, PacketMeta.PROTO_UDP, SERVER, 53, client(host), 5000, 0, 100) :
            TestPackets.ipv4Packet(meta, PacketMeta.PROTO_UDP, client(host), 5000, SERVER, 53, 0, 100);
    }

    private int query(final int host, final long nowNs)
    {
        return table.track(udp(host, false), nowNs);
    }

    private int answer(final int host, final long nowNs)
    {
        return table.track(udp(host, true), nowNs);
    }

    private boolean holds(final int host)
    {
        return table.lookup(udp(host, false)) >= 0;
    }

    private PacketMeta tcp(final int host, final boolean fromClient, final int flags)
    {
        return fromClient ?
            TestPackets.ipv4Packet(meta, PacketMeta.PROTO_TCP, client(host), 5000, SERVER, 80, flags, 60) :
            TestPackets.ipv4Packet(meta, PacketMeta.PROTO_TCP, SERVER, 80, client(host), 5000, flags, 60);
    }

    @Test
    void nonEstablishedFlowGoesBeforeOlderEstablishedOnes()
    {
        table(3);
        query(1, t(1));
        answer(1, t(2));
        query(2, t(3));
        answer(2, t(4));
        query(3, t(10)); // the most recently seen, but never answered
        query(4, t(11));
        assertTrue(holds(1));
        assertTrue(holds(2));
        assertFalse(holds(3));
        assertTrue(holds(4));
        assertEquals(3, table.size());
        assertEquals(1, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
        assertEquals(0, counters.get(Counter.EVICTIONS_ESTABLISHED));
        assertEquals(0, counters.get(Counter.FLOWS_EXPIRED));
    }

    @Test
    void leastRecentlySeenNonEstablishedFlowGoesFirst()
    {
        table(3);
        query(1, t(30));
        query(2, t(10));
        query(3, t(20));
        query(2, t(40)); // refreshed: host 3 is now the least recently seen
        query(4, t(50));
        assertTrue(holds(1));
        assertTrue(holds(2));
        assertFalse(holds(3));
        assertTrue(holds(4));
        assertEquals(1, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
    }

    @Test
    void leastRecentlySeenEstablishedFlowGoesWhenAllAreEstablished()
    {
        table(3);
        for (int host = 1; host <= 3; host++)
        {
            query(host, t(host));
            answer(host, t(10 + host));
        }
        answer(1, t(20));
        answer(3, t(21)); // host 2, last seen at 12, is the least recently seen
        query(4, t(30));
        assertTrue(holds(1));
        assertFalse(holds(2));
        assertTrue(holds(3));
        assertTrue(holds(4));
        assertEquals(0, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
        assertEquals(1, counters.get(Counter.EVICTIONS_ESTABLISHED));
    }

    @Test
    void expiredFlowIsReclaimedBeforeAnyEviction()
    {
        table(ConntrackConfig.defaults().withCapacityFlows(3).withTimeout(FlowState.UDP_REPLIED, t(10)));
        query(1, t(1_000));
        query(2, t(1_001));
        query(3, t(1_002));
        answer(3, t(1_003)); // established, but idle past its 100 ms by the time the table is full
        query(4, t(1_200));
        assertTrue(holds(1));
        assertTrue(holds(2));
        assertFalse(holds(3));
        assertTrue(holds(4));
        assertEquals(1, counters.get(Counter.FLOWS_EXPIRED));
        assertEquals(0, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
        assertEquals(0, counters.get(Counter.EVICTIONS_ESTABLISHED));
    }

    /**
     * Flows placed in slots 0..capacity-1 (found by their home slots, as the hash is keyed per process), all
     * established but one beyond the first sample: the hand, starting at slot 0, examines 32 flows and evicts the
     * least recently seen established one although a non-established flow exists; the next eviction's sample
     * reaches it.
     */
    @Test
    void sampleIsBoundedAndTheHandRotates()
    {
        final int capacity = ConntrackConfig.EVICTION_SAMPLE + 8;
        table(capacity);
        final int slotMask = table.slotCount() - 1;
        final int[] hostInSlot = new int[capacity];
        final boolean[] found = new boolean[capacity];
        int remaining = capacity;
        for (int host = 1; remaining > 0; host++)
        {
            final int home = (int)(udp(host, false).flowHash >>> 32) & slotMask;
            if (home < capacity && !found[home])
            {
                found[home] = true;
                hostInSlot[home] = host;
                remaining--;
            }
        }

        final int lonelySlot = ConntrackConfig.EVICTION_SAMPLE + 3; // outside the first sample
        for (int slot = 0; slot < capacity; slot++)
        {
            assertEquals(slot, query(hostInSlot[slot], t(100 + slot)), "no collisions: each flow in its home slot");
            if (slot != lonelySlot)
            {
                answer(hostInSlot[slot], t(100 + slot));
            }
        }

        // The first sample is slots 0..31: all established, so the least recently seen of them goes, although a
        // non-established flow exists further on.
        query(100_000, t(1_000));
        assertFalse(holds(hostInSlot[0]));
        assertTrue(holds(hostInSlot[lonelySlot]));
        assertEquals(1, counters.get(Counter.EVICTIONS_ESTABLISHED));
        assertEquals(0, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));

        // The hand goes on from slot 32: this sample includes the non-established flow.
        query(100_001, t(1_001));
        assertFalse(holds(hostInSlot[lonelySlot]));
        assertTrue(holds(hostInSlot[1]), "the oldest established flow stays while a non-established one is sampled");
        assertTrue(holds(100_000));
        assertTrue(holds(100_001));
        assertEquals(1, counters.get(Counter.EVICTIONS_ESTABLISHED));
        assertEquals(1, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
        assertEquals(capacity, table.size());
    }

    @Test
    void closingTcpFlowsAreNotEstablished()
    {
        table(2);
        table.track(tcp(1, true, SYN), t(1));
        table.track(tcp(1, false, SYN | ACK), t(2));
        table.track(tcp(1, true, ACK), t(3));
        table.track(tcp(2, true, SYN), t(4));
        table.track(tcp(2, false, SYN | ACK), t(5));
        table.track(tcp(2, true, ACK), t(6));
        table.track(tcp(2, true, FIN | ACK), t(7)); // FIN_WAIT: on its way out
        table.track(tcp(3, true, SYN), t(8));
        assertTrue(table.lookup(tcp(1, true, 0)) >= 0);
        assertEquals(-1, table.lookup(tcp(2, true, 0)));
        assertTrue(table.lookup(tcp(3, true, 0)) >= 0);
        assertEquals(1, counters.get(Counter.EVICTIONS_NON_ESTABLISHED));
    }

    @Test
    void tableOfOneFlowReplacesItsFlow()
    {
        table(1);
        for (int host = 0; host < 100; host++)
        {
            assertTrue(query(host, t(host)) >= 0);
            assertTrue(answer(host, t(host)) >= 0);
            assertEquals(1, table.size());
            assertTrue(holds(host));
            if (host > 0)
            {
                assertFalse(holds(host - 1));
            }
        }
        assertEquals(99, counters.get(Counter.EVICTIONS_ESTABLISHED));
        assertEquals(100, counters.get(Counter.FLOWS_CREATED));
    }
}
