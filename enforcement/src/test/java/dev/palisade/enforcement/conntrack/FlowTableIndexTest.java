package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Open addressing under collisions: flows whose hashes share a home slot, probe runs that wrap past the end of the
 * table, inserted and removed in every order, so that backward-shift deletion has to move flows across the wrap. The
 * flow hash is keyed per process, so the colliding flows are found by search, for the slot count the table reports.
 */
class FlowTableIndexTest
{
    private static final int CAPACITY = 4;
    private static final long SERVER = TestPackets.ipv4(192, 168, 0, 1);

    private final PacketMeta meta = new PacketMeta();

    /** A UDP packet of flow {@code host} (0..65535). */
    private PacketMeta flow(final int host)
    {
        return TestPackets.ipv4Packet(
            meta, PacketMeta.PROTO_UDP, TestPackets.ipv4(10, 0, host >>> 8, host & 0xFF), 1234, SERVER, 53, 0, 64);
    }

    private int home(final int host, final int slotMask)
    {
        return (int)(flow(host).flowHash >>> 32) & slotMask;
    }

    private static int slotMask()
    {
        final ConntrackConfig config = ConntrackConfig.defaults().withCapacityFlows(CAPACITY);
        try (FlowTable table = new FlowTable(config, new WorkerCounters()))
        {
            final int slots = table.slotCount();
            assertEquals(0, slots & (slots - 1), "a power of two");
            assertTrue(slots > CAPACITY, "room to probe");
            return slots - 1;
        }
    }

    /** @return distinct hosts whose flows have the given home slots, in order. */
    private int[] hostsWithHomes(final int... homes)
    {
        final int mask = slotMask();
        final int[] hosts = new int[homes.length];
        final boolean[] used = new boolean[1 << 16];
        for (int i = 0; i < homes.length; i++)
        {
            int host = 1;
            while (used[host] || home(host, mask) != (homes[i] & mask))
            {
                host++;
            }
            used[host] = true;
            hosts[i] = host;
        }
        return hosts;
    }

    @Test
    void sixFlowsWithTheLastSlotAsHome()
    {
        exerciseAllOrders(hostsWithHomes(-1, -1, -1, -1, -1, -1));
    }

    @Test
    void sharedAndNeighbouringHomesAcrossTheWrap()
    {
        // homes: second-to-last, last, last, first, last, second-to-last
        exerciseAllOrders(hostsWithHomes(-2, -1, -1, 0, -1, -2));
    }

    @Test
    void runThatStartsAtTheFirstSlot()
    {
        exerciseAllOrders(hostsWithHomes(0, 0, 1, 1, 0, 2));
    }

    /**
     * For every order of inserting the first four flows and every order of removing them, with the last two flows
     * inserted into the holes after two removals, checks that each flow present is found and each removed one is not.
     */
    private void exerciseAllOrders(final int[] hosts)
    {
        final List<int[]> orders = permutations(CAPACITY);
        for (final int[] insertOrder : orders)
        {
            for (final int[] removeOrder : orders)
            {
                try (FlowTable table = new FlowTable(
                    ConntrackConfig.defaults().withCapacityFlows(CAPACITY), new WorkerCounters()))
                {
                    final boolean[] present = new boolean[hosts.length];
                    for (final int i : insertOrder)
                    {
                        table.track(flow(hosts[i]), 1);
                        present[i] = true;
                        check(table, hosts, present);
                    }
                    for (int r = 0; r < CAPACITY; r++)
                    {
                        final int i = insertOrder[removeOrder[r]];
                        table.remove(table.lookup(flow(hosts[i])));
                        present[i] = false;
                        check(table, hosts, present);
                        if (r == 1)
                        {
                            for (int j = CAPACITY; j < hosts.length; j++)
                            {
                                table.track(flow(hosts[j]), 2);
                                present[j] = true;
                                check(table, hosts, present);
                            }
                        }
                    }
                    for (int j = CAPACITY; j < hosts.length; j++)
                    {
                        table.remove(table.lookup(flow(hosts[j])));
                        present[j] = false;
                        check(table, hosts, present);
                    }
                    assertEquals(0, table.size());
                }
            }
        }
    }

    private void check(final FlowTable table, final int[] hosts, final boolean[] present)
    {
        int expectedSize = 0;
        for (int i = 0; i < hosts.length; i++)
        {
            final int slot = table.lookup(flow(hosts[i]));
            if (present[i])
            {
                expectedSize++;
                assertTrue(slot >= 0, "flow " + i + " lost");
                assertTrue(table.inUse(slot));
                assertEquals(meta.key1, table.keyWord(slot, 1), "flow " + i + " found in another flow's slot");
                assertEquals(1, table.packets(slot, false), "flow " + i + " carries another flow's counts");
            }
            else
            {
                assertEquals(-1, slot, "flow " + i + " still found after removal");
            }
        }
        assertEquals(expectedSize, table.size());
    }

    private static List<int[]> permutations(final int n)
    {
        final List<int[]> result = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, result);
        return result;
    }

    private static void permute(final int[] prefix, final boolean[] used, final int depth, final List<int[]> result)
    {
        if (depth == prefix.length)
        {
            result.add(prefix.clone());
            return;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (!used[i])
            {
                used[i] = true;
                prefix[depth] = i;
                permute(prefix, used, depth + 1, result);
                used[i] = false;
            }
        }
    }
}
