package dev.palisade.enforcement.conntrack;

import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.testing.Seeded;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

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
 * {@link FlowTable} against a reference model: a {@link HashMap} keyed by the canonical 5-tuple and zone, holding each
 * flow's state, direction, counts and times, with the TCP/UDP/ICMP rules and the full-table policy written out plainly
 * from their documentation.
 * <p>
 * Each try runs a random sequence of packets (of TCP, UDP, ICMP echo and GRE flows, IPv4 and IPv6, several zones,
 * either direction, any TCP flags), clock advances, sweeps with random budgets and explicit removes on a table of
 * 1..64 flows, drawing flows from a key space smaller or much larger than the table so that it fills and evicts. Some
 * key spaces hold only flows whose hashes share their low tag bits, so that all of them have one home slot, or four
 * neighbouring ones around the end of the table: probe runs are long and wrap, and backward-shift deletion has to
 * move flows across the wrap. After every step the table must agree with the model on every flow of the key space:
 * present or not, state, flags, per-direction packet and byte counts, times, key; and on size and the counters.
 * <p>
 * Where the table's choice depends on slot positions (which flow the rotating hand examines), the model computes the
 * set of allowed choices, learns the actual one from the table and checks it is allowed:
 * <ul>
 * <li>eviction from a full table of at most {@link ConntrackConfig#EVICTION_SAMPLE} flows examines every flow, so
 * the victim must be an expired flow if any, else a least recently seen non-established one if any, else a least
 * recently seen established one;</li>
 * <li>in a larger table the sample is unknown, but every flow that would have been preferred to the victim (any
 * expired flow, a non-established flow when an established one went, an older flow of the victim's kind) must lie
 * outside the sample, so there can be at most {@code size - EVICTION_SAMPLE} of them;</li>
 * <li>a sweep may remove only expired flows, and two unbounded sweeps remove them all.</li>
 * </ul>
 * All times are whole ticks of the table's clock ({@link FlowTable#TICK_SHIFT}), so the model can compare in
 * nanoseconds exactly; rounding within a tick is tested in {@link FlowTableTimeoutTest}.
 * <p>
 * The properties run {@value #TRIES} and {@value #LARGE_TRIES} {@link Seeded} tries. Each counts the tries that reached
 * the table's interesting paths (evictions of either kind, expired flows reclaimed on eviction, sweeps that removed
 * something, reopened, untracked and invalid TCP) and fails at the end when a share falls below its minimum, so that
 * generators that stop reaching a path are noticed. Slot positions also depend on the per-process flow-hash key, so
 * an exact rerun of a failure that depends on them also needs {@code -Dpalisade.flowhash.seed} fixed.
 */
class FlowTableModelPropertyTest
{
    static final int TRIES = 300;
    static final int LARGE_TRIES = 60;
    private static final int[] TCP_FLAGS = {
        SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, FIN, RST, RST | ACK, 0, URG, SYN | FIN };
    private static final int[] PROTOCOLS = {
        PacketMeta.PROTO_TCP, PacketMeta.PROTO_UDP, PacketMeta.PROTO_ICMP, PacketMeta.PROTO_GRE };
    /** No zone, overlay VNI 7 and plain zone 7, which differ only in the zone's kind. */
    private static final int[] ZONES = { 0, PacketMeta.ZONE_VNI_FLAG | 7, 7 };
    private static final long TICK_NS = 1L << FlowTable.TICK_SHIFT;
    /** About a second, in whole ticks. */
    private static final long UNIT_NS = 1024 * TICK_NS;

    /** Key spaces: any flows, or only flows whose hash tags end in one of a few bytes (so their homes coincide). */
    static final int HOMES_ANY = 0;
    static final int HOMES_FOUR = 1;
    static final int HOMES_ONE = 2;
    private static final int MAX_KEY_SPACE = 4 * 64 + 32;
    private static final int[][] COLLIDING_IDS = { null, collidingIds(0xFF, 3), collidingIds(0xFF, 0) };

    sealed interface Op permits Packet, Advance, Sweep, Remove
    {
    }

    /** A packet of flow {@code flow} (modulo the key space), from its endpoint A or B. */
    record Packet(int flow, boolean fromA, int flagsIndex, int wireLength) implements Op
    {
    }

    record Advance(long ns) implements Op
    {
    }

    record Sweep(int budget) implements Op
    {
    }

    /** Removes the {@code pick}-th (modulo size) flow present, in key-space order. */
    record Remove(int pick) implements Op
    {
    }

    record Scenario(
        int capacityFlows, int keySpace, boolean midstreamPickup, int homes, long[] timeoutsNs, List<Op> ops)
    {
        @Override
        public String toString()
        {
            return "Scenario[capacityFlows=" + capacityFlows + ", keySpace=" + keySpace + ", midstreamPickup=" +
                midstreamPickup + ", homes=" + homes + ", timeoutsNs=" + Arrays.toString(timeoutsNs) +
                ", ops(" + ops.size() + ")=" + ops + "]";
        }
    }

    @Test
    void tableAgreesWithModel()
    {
        final Coverage coverage = new Coverage(TRIES);
        Seeded.forAll("tableAgreesWithModel", TRIES, FlowTableModelPropertyTest::scenario, scenario ->
        {
            final Model model = run(scenario);
            collectCoverage(coverage, scenario, model);
        });
        checkCoverage(coverage);
    }

    /**
     * Tables larger than the eviction sample, filled by many flows that do not expire, so that the sample is a part of
     * the table and its bounds are what the checks exercise.
     */
    @Test
    void largeTableEvictsFromItsSample()
    {
        final Coverage coverage = new Coverage(LARGE_TRIES);
        Seeded.forAll("largeTableEvictsFromItsSample", LARGE_TRIES, FlowTableModelPropertyTest::largeScenario,
            scenario ->
            {
                final Model model = run(scenario);
                coverage.collect("evicted non-established", model.count(Counter.EVICTIONS_NON_ESTABLISHED) > 0);
            });
        coverage.require("evicted non-established", 50);
    }

    private static Model run(final Scenario scenario)
    {
        final ConntrackConfig config = new ConntrackConfig(
            scenario.capacityFlows(), scenario.timeoutsNs(), scenario.midstreamPickup());
        final FlowId[] keySpace = keySpace(scenario.keySpace(), scenario.homes());
        final WorkerCounters counters = new WorkerCounters();
        final PacketMeta meta = new PacketMeta();
        final Model model = new Model(config);
        long nowNs = 1_000 * UNIT_NS;
        try (FlowTable table = new FlowTable(config, counters))
        {
            int step = 0;
            for (final Op op : scenario.ops())
            {
                final int stepNumber = step;
                final Supplier<String> where = () -> "step " + stepNumber + " " + op;
                switch (op)
                {
                    case Packet p ->
                    {
                        final FlowId id = keySpace[p.flow() % keySpace.length];
                        final int flags = TCP_FLAGS[p.flagsIndex()];
                        final Eviction eviction = model.evictionFor(id, flags, nowNs);
                        final long[] before = snapshot(counters);
                        final Outcome expected = model.track(id, p.fromA(), flags, p.wireLength(), nowNs);
                        id.fill(meta, p.fromA(), flags, p.wireLength());
                        final int slot = table.track(meta, nowNs);
                        if (expected.flow() == null)
                        {
                            assertEquals(-1, slot, () -> where.get() + ": untracked");
                            assertFalse(table.lastCreated(), where);
                        }
                        else
                        {
                            assertTrue(slot >= 0, () -> where.get() + ": tracked");
                            assertEquals(meta.key1, table.keyWord(slot, 1), () -> where.get() + ": returned slot");
                            assertEquals(meta.key4, table.keyWord(slot, 4), () -> where.get() + ": returned slot");
                            assertEquals(expected.created(), table.lastCreated(), () -> where.get() + ": lastCreated");
                            assertEquals(expected.reply(), table.lastReply(), () -> where.get() + ": lastReply");
                        }
                        if (eviction != null)
                        {
                            model.settleEviction(eviction, before, counters, table, meta, where);
                        }
                    }
                    case Advance a -> nowNs += a.ns();
                    case Sweep s ->
                    {
                        final int removed = table.expire(nowNs, s.budget());
                        assertTrue(removed <= Math.max(0, s.budget()), () -> where.get() + ": sweep over budget");
                        assertEquals(removed, model.settleSweep(nowNs, table, meta, where),
                            () -> where.get() + ": flows the sweep said it removed");
                    }
                    case Remove r ->
                    {
                        if (!model.flows.isEmpty())
                        {
                            final List<FlowId> live = model.present();
                            final FlowId victim = live.get(r.pick() % live.size());
                            victim.fill(meta, true, 0, 0);
                            final int slot = table.lookup(meta);
                            assertTrue(slot >= 0, () -> where.get() + ": " + victim + " lost before its removal");
                            table.remove(slot);
                            model.flows.remove(victim.key());
                        }
                    }
                }
                checkAgreement(table, counters, model, keySpace, meta, where);
                step++;
            }

            // Past every timeout, two unbounded sweeps leave nothing.
            nowNs += Arrays.stream(scenario.timeoutsNs()).max().orElseThrow() + 2 * TICK_NS;
            final int present = table.size();
            final int removed = table.expire(nowNs, Integer.MAX_VALUE) + table.expire(nowNs, Integer.MAX_VALUE);
            assertEquals(present, removed, "final sweeps");
            assertEquals(0, table.size(), "final sweeps");
            assertEquals(model.count(Counter.FLOWS_EXPIRED) + present, counters.get(Counter.FLOWS_EXPIRED));
        }
        return model;
    }

    /** Counts what each try exercised, so that the coverage check below fails if the generators stop reaching it. */
    private static void collectCoverage(final Coverage coverage, final Scenario scenario, final Model model)
    {
        coverage.collect("evicted non-established", model.count(Counter.EVICTIONS_NON_ESTABLISHED) > 0);
        coverage.collect("evicted established", model.count(Counter.EVICTIONS_ESTABLISHED) > 0);
        coverage.collect("reclaimed expired on eviction", model.expiredOnEviction > 0);
        coverage.collect("swept", model.swept > 0);
        coverage.collect("reopened", model.count(Counter.FLOWS_REOPENED) > 0);
        coverage.collect("untracked", model.count(Counter.TCP_UNTRACKED) > 0);
        coverage.collect("invalid", model.count(Counter.TCP_INVALID) > 0);
        coverage.collect("homes " + scenario.homes(), true);
    }

    /** Fails the property when the generated tries did not reach the table's interesting paths often enough. */
    private static void checkCoverage(final Coverage coverage)
    {
        coverage.require("evicted non-established", 10);
        coverage.require("evicted established", 2);
        coverage.require("reclaimed expired on eviction", 2);
        coverage.require("swept", 10);
        coverage.require("reopened", 5);
        coverage.require("untracked", 5);
        coverage.require("invalid", 10);
    }

    /** For each label, the number of tries in which it held. */
    static final class Coverage
    {
        private final int tries;
        private final Map<String, Integer> held = new LinkedHashMap<>();

        Coverage(final int tries)
        {
            this.tries = tries;
        }

        void collect(final String label, final boolean holds)
        {
            held.merge(label, holds ? 1 : 0, Integer::sum);
        }

        /** Fails unless {@code label} held in at least {@code minPercent} % of the tries. */
        void require(final String label, final int minPercent)
        {
            final int count = held.getOrDefault(label, 0);
            assertTrue(100L * count >= (long)minPercent * tries, () -> "coverage: " + label + " in " + count +
                " of " + tries + " tries, under " + minPercent + "% (seed " + Seeded.SEED + "); all: " + held);
        }
    }

    private static long[] snapshot(final WorkerCounters counters)
    {
        final long[] values = new long[Model.COUNTERS.length];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = counters.get(Model.COUNTERS[i]);
        }
        return values;
    }

    private static void checkAgreement(
        final FlowTable table,
        final WorkerCounters counters,
        final Model model,
        final FlowId[] keySpace,
        final PacketMeta meta,
        final Supplier<String> where)
    {
        assertEquals(model.flows.size(), table.size(), () -> where.get() + ": size");
        assertTrue(table.size() <= table.capacityFlows(), () -> where.get() + ": size within capacity");
        for (final FlowId id : keySpace)
        {
            final ModelFlow flow = model.flows.get(id.key());
            id.fill(meta, (id.id() & 1) == 0, 0, 0); // either direction must find it
            final int slot = table.lookup(meta);
            if (flow == null)
            {
                assertEquals(-1, slot, () -> where.get() + ": table holds " + id + " which the model does not");
                continue;
            }
            final Supplier<String> what = () -> where.get() + ": " + id + " ";
            assertTrue(slot >= 0, () -> what.get() + "lost");
            assertTrue(table.inUse(slot), () -> what.get() + "in use");
            assertEquals(FlowState.name(flow.state), FlowState.name(table.state(slot)), () -> what.get() + "state");
            final int expectedFlags = FlowTable.FLAG_IN_USE |
                (flow.initiator.equals(id.key().high()) ? FlowTable.FLAG_INITIATOR_IS_B : 0) |
                (flow.midstream ? FlowTable.FLAG_MIDSTREAM : 0) |
                ((id.zone() & PacketMeta.ZONE_VNI_FLAG) != 0 ? FlowTable.FLAG_ZONE_VNI : 0);
            assertEquals(expectedFlags, table.flags(slot), () -> what.get() + "flags");
            assertEquals(id.protocol(), table.protocol(slot), () -> what.get() + "protocol");
            assertEquals(flow.packetsOriginal, table.packets(slot, false), () -> what.get() + "packets original");
            assertEquals(flow.packetsReply, table.packets(slot, true), () -> what.get() + "packets reply");
            assertEquals(flow.bytesOriginal, table.bytes(slot, false), () -> what.get() + "bytes original");
            assertEquals(flow.bytesReply, table.bytes(slot, true), () -> what.get() + "bytes reply");
            assertEquals(flow.createdNs, table.createdNs(slot), () -> what.get() + "created");
            assertEquals(flow.lastSeenNs, table.lastSeenNs(slot), () -> what.get() + "last seen");
            assertEquals(meta.key0, table.keyWord(slot, 0), () -> what.get() + "key");
            assertEquals(meta.key3, table.keyWord(slot, 3), () -> what.get() + "key");
            assertEquals(meta.key4, table.keyWord(slot, 4), () -> what.get() + "key");
        }
        for (final Counter counter : Model.COUNTERS)
        {
            assertEquals(model.count(counter), counters.get(counter),
                () -> where.get() + ": counter " + counter.label());
        }
    }

    // Generators

    /**
     * A table of 1..64 flows (1..4, 5..33 or 34..64, 3:4:3); a key space of up to about half the table, up to about
     * twice it, or larger (1:2:1); Linux's or short random timeouts (1:3); and 1..300 operations.
     */
    static Scenario scenario(final SplittableRandom random)
    {
        final int capacity = switch (Seeded.weighted(random, 3, 4, 3))
        {
            case 0 -> uniform(random, 1, 4);
            case 1 -> uniform(random, 5, 33);
            default -> uniform(random, 34, 64);
        };
        final int keySpace = switch (Seeded.weighted(random, 1, 2, 1))
        {
            case 0 -> uniform(random, 1, capacity / 2 + 1);
            case 1 -> uniform(random, capacity + 1, 2 * capacity + 2);
            default -> uniform(random, 2 * capacity + 3, MAX_KEY_SPACE);
        };
        final boolean midstreamPickup = random.nextBoolean();
        final int homes = random.nextInt(3);
        final long[] timeouts = timeouts(random);
        final List<Op> ops = ops(random, uniform(random, 1, 300), true);
        return new Scenario(capacity, keySpace, midstreamPickup, homes, timeouts, ops);
    }

    /** A table larger than the eviction sample, a key space at least twice its size, Linux's timeouts. */
    static Scenario largeScenario(final SplittableRandom random)
    {
        final int capacity = uniform(random, ConntrackConfig.EVICTION_SAMPLE + 1, 64);
        final int keySpace = uniform(random, 2 * capacity, MAX_KEY_SPACE);
        final boolean midstreamPickup = random.nextBoolean();
        final int homes = random.nextInt(3);
        final List<Op> ops = ops(random, uniform(random, 200, 400), false);
        return new Scenario(capacity, keySpace, midstreamPickup, homes, linuxTimeoutsInTicks(), ops);
    }

    private static int uniform(final SplittableRandom random, final int min, final int max)
    {
        return random.nextInt(min, max + 1);
    }

    private static long[] linuxTimeoutsInTicks()
    {
        final long[] timeouts = ConntrackConfig.linuxTimeouts();
        for (int i = 0; i < timeouts.length; i++)
        {
            timeouts[i] = (timeouts[i] + TICK_NS - 1) / TICK_NS * TICK_NS;
        }
        return timeouts;
    }

    /** Linux's timeouts, or (3 times in 4) each state's 1..40 s. */
    private static long[] timeouts(final SplittableRandom random)
    {
        if (Seeded.weighted(random, 1, 3) == 0)
        {
            return linuxTimeoutsInTicks();
        }
        final long[] ns = new long[FlowState.COUNT];
        for (int i = 0; i < ns.length; i++)
        {
            ns[i] = uniform(random, 1, 40) * UNIT_NS;
        }
        return ns;
    }

    /** @param longIdles whether the clock may jump far enough to expire many flows (else by 2 s at most). */
    private static List<Op> ops(final SplittableRandom random, final int count, final boolean longIdles)
    {
        final List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            ops.add(switch (Seeded.weighted(random, 75, 9, 8, 4))
            {
                case 0 -> packet(random);
                case 1 -> advance(random, longIdles);
                case 2 -> new Sweep(Seeded.between(random, 0, 80));
                default -> new Remove(uniform(random, 0, 1_000));
            });
        }
        return ops;
    }

    private static Packet packet(final SplittableRandom random)
    {
        // Some packets go to a few hot flows, which then get answered and established; the rest spread over the key
        // space, its start more often.
        final int flow = Seeded.weighted(random, 1, 2) == 0 ?
            uniform(random, 0, 7) : Seeded.between(random, 0, 100_000);
        return new Packet(
            flow, random.nextBoolean(), random.nextInt(TCP_FLAGS.length), Seeded.between(random, 40, 1514));
    }

    /** One tick, up to 30 s (2 s without long idles), or (with long idles) 100..700 s: 2:6:1. */
    private static Advance advance(final SplittableRandom random, final boolean longIdles)
    {
        return new Advance(switch (Seeded.weighted(random, 2, 6, longIdles ? 1 : 0))
        {
            case 0 -> TICK_NS;
            case 1 -> uniform(random, 0, longIdles ? 30 : 2) * UNIT_NS;
            default -> uniform(random, 100, 700) * UNIT_NS;
        });
    }

    // The key space

    private static FlowId[] keySpace(final int size, final int homes)
    {
        final FlowId[] flows = new FlowId[size];
        for (int i = 0; i < size; i++)
        {
            flows[i] = FlowId.of(homes == HOMES_ANY ? i : COLLIDING_IDS[homes][i]);
        }
        return flows;
    }

    /**
     * @return the first flow ids whose hash tag's low byte lies within {@code spread} after {@code lowByte}
     * (cyclically). In any table of at most 256 slots their home slots are then those few, the last slot among them,
     * so probe runs are long and wrap past the end of the table. The hash is keyed per process, hence the search.
     */
    private static int[] collidingIds(final int lowByte, final int spread)
    {
        final int[] ids = new int[MAX_KEY_SPACE];
        final PacketMeta meta = new PacketMeta();
        int found = 0;
        for (int id = 0; found < ids.length; id++)
        {
            FlowId.of(id).fill(meta, true, 0, 0);
            if ((((int)(meta.flowHash >>> 32) - lowByte) & 0xFF) <= spread)
            {
                ids[found++] = id;
            }
        }
        return ids;
    }

    /** One side of a flow; ordered as the canonical key orders endpoints (address unsigned, then port). */
    record Endpoint(long hi, long lo, int port) implements Comparable<Endpoint>
    {
        @Override
        public int compareTo(final Endpoint other)
        {
            int c = Long.compareUnsigned(hi, other.hi);
            if (c == 0)
            {
                c = Long.compareUnsigned(lo, other.lo);
            }
            return c != 0 ? c : Integer.compare(port, other.port);
        }
    }

    /** The model's key: the canonical 5-tuple (lower endpoint first) and the zone. */
    record Key(Endpoint low, Endpoint high, int protocol, int zone)
    {
    }

    /**
     * Flow {@code i} of the key space, built from the digits of {@code i} in a mixed radix so that different ids are
     * different flows: protocol, family, zone, whether A's address sorts above B's, a port digit, and two host
     * numbers. A's and B's addresses come from disjoint ranges, so no flow talks to itself.
     */
    record FlowId(int id, Endpoint a, Endpoint b, int protocol, int zone, Key key)
    {
        static FlowId of(final int id)
        {
            int r = id;
            final int protocol = PROTOCOLS[r % PROTOCOLS.length];
            r /= PROTOCOLS.length;
            final boolean ipv6 = r % 2 == 1;
            r /= 2;
            int zone = ZONES[r % ZONES.length];
            r /= ZONES.length;
            final boolean aHigh = r % 2 == 1;
            r /= 2;
            final int portDigit = r % 3;
            r /= 3;
            final int hostA = r % 3;
            r /= 3;
            final int hostB = r;

            final int aNet = aHigh ? 2 : 0;
            final long aHi = ipv6 ? 0xFD00_0000_0000_0000L | ((long)aNet << 32) : 0;
            final long aLo = ipv6 ? 0x1000L + hostA : TestPackets.ipv4(10, aNet, 0, 1 + hostA);
            final long bHi = ipv6 ? 0xFD00_0000_0000_0000L | (1L << 32) : 0;
            final long bLo = ipv6 ? 0x2000L + hostB : TestPackets.ipv4(10, 1, hostB >>> 8, hostB & 0xFF);
            final int aPort;
            final int bPort;
            switch (protocol)
            {
                case PacketMeta.PROTO_TCP, PacketMeta.PROTO_UDP ->
                {
                    aPort = 40_000 + portDigit;
                    bPort = protocol == PacketMeta.PROTO_TCP ? 443 : 53;
                }
                case PacketMeta.PROTO_ICMP ->
                {
                    aPort = 100 + portDigit; // echo identifier, in both ports as the parser puts it
                    bPort = aPort;
                }
                default ->
                {
                    aPort = 0;
                    bPort = 0;
                    zone += portDigit << 12;
                }
            }
            final Endpoint a = new Endpoint(aHi, aLo, aPort);
            final Endpoint b = new Endpoint(bHi, bLo, bPort);
            final Key key = a.compareTo(b) < 0 ? new Key(a, b, protocol, zone) : new Key(b, a, protocol, zone);
            return new FlowId(id, a, b, protocol, zone, key);
        }

        void fill(final PacketMeta meta, final boolean fromA, final int tcpFlags, final int wireLength)
        {
            final Endpoint src = fromA ? a : b;
            final Endpoint dst = fromA ? b : a;
            TestPackets.fill(meta, protocol, src.hi(), src.lo(), src.port(), dst.hi(), dst.lo(), dst.port(), zone,
                tcpFlags, wireLength);
        }

        @Override
        public String toString()
        {
            return "flow#" + id;
        }
    }

    // The model

    static final class ModelFlow
    {
        final FlowId id;
        Endpoint initiator;
        int state;
        boolean midstream;
        long packetsOriginal;
        long packetsReply;
        long bytesOriginal;
        long bytesReply;
        long createdNs;
        long lastSeenNs;

        ModelFlow(final FlowId id)
        {
            this.id = id;
        }
    }

    /** What a packet should do: the flow it lands in (null when untracked), whether it created it, its direction. */
    record Outcome(ModelFlow flow, boolean created, boolean reply)
    {
    }

    /** A full table about to take a new flow: the flows present then, and the time. */
    record Eviction(List<ModelFlow> candidates, long nowNs)
    {
    }

    static final class Model
    {
        static final Counter[] COUNTERS = {
            Counter.FLOWS_CREATED, Counter.FLOWS_EXPIRED, Counter.EVICTIONS_NON_ESTABLISHED,
            Counter.EVICTIONS_ESTABLISHED, Counter.TCP_INVALID, Counter.TCP_UNTRACKED, Counter.FLOWS_REOPENED,
            Counter.FLOWS_TCP, Counter.FLOWS_UDP, Counter.FLOWS_OTHER };

        final ConntrackConfig config;
        final int capacity;
        final Map<Key, ModelFlow> flows = new HashMap<>();
        final Map<Counter, Long> counters = new HashMap<>();
        int expiredOnEviction;
        int swept;

        Model(final ConntrackConfig config)
        {
            this.config = config;
            this.capacity = config.capacityFlows();
        }

        long count(final Counter counter)
        {
            return counters.getOrDefault(counter, 0L);
        }

        void increment(final Counter counter)
        {
            counters.merge(counter, 1L, Long::sum);
        }

        List<FlowId> present()
        {
            final List<FlowId> ids = new ArrayList<>();
            for (final ModelFlow flow : flows.values())
            {
                ids.add(flow.id);
            }
            ids.sort(Comparator.comparingInt(FlowId::id));
            return ids;
        }

        boolean expired(final ModelFlow flow, final long nowNs)
        {
            return nowNs - flow.lastSeenNs > config.timeoutNs(flow.state);
        }

        static boolean established(final int state)
        {
            return state == ESTABLISHED || state == UDP_REPLIED || state == ICMP_REPLIED || state == OTHER_REPLIED;
        }

        /** @return the eviction this packet will cause, or null when it causes none. */
        Eviction evictionFor(final FlowId id, final int tcpFlags, final long nowNs)
        {
            final ModelFlow existing = flows.get(id.key());
            if (existing != null && !expired(existing, nowNs))
            {
                return null;
            }
            final int event = TcpStateMachine.event(tcpFlags);
            final boolean pickup = event != TcpStateMachine.EVENT_NONE && config.midstreamPickup();
            final boolean untracked = id.protocol() == PacketMeta.PROTO_TCP &&
                event != TcpStateMachine.EVENT_SYN && !pickup;
            final int sizeBeforeCreate = flows.size() - (existing != null ? 1 : 0);
            if (untracked || sizeBeforeCreate < capacity)
            {
                return null;
            }
            return new Eviction(new ArrayList<>(flows.values()), nowNs);
        }

        /**
         * After the table created a flow in a full table: finds the flow it evicted, checks the choice against the
         * policy and the counter it bumped, and removes it from the model.
         */
        void settleEviction(
            final Eviction eviction,
            final long[] countersBefore,
            final WorkerCounters counters,
            final FlowTable table,
            final PacketMeta meta,
            final Supplier<String> where)
        {
            ModelFlow victim = null;
            for (final ModelFlow flow : eviction.candidates())
            {
                flow.id.fill(meta, true, 0, 0);
                if (table.lookup(meta) < 0)
                {
                    if (victim != null)
                    {
                        throw new AssertionError(where.get() + ": evicted both " + victim.id + " and " + flow.id);
                    }
                    victim = flow;
                }
            }
            assertTrue(victim != null, () -> where.get() + ": nothing was evicted from a full table");
            final Counter kind = delta(countersBefore, counters, Counter.FLOWS_EXPIRED) == 1 ?
                Counter.FLOWS_EXPIRED : delta(countersBefore, counters, Counter.EVICTIONS_NON_ESTABLISHED) == 1 ?
                Counter.EVICTIONS_NON_ESTABLISHED : Counter.EVICTIONS_ESTABLISHED;
            assertEquals(1, delta(countersBefore, counters, kind), () -> where.get() + ": eviction counted once");

            final long nowNs = eviction.nowNs();
            final int size = eviction.candidates().size();
            int expiredCount = 0;
            int nonEstablishedCount = 0;
            int olderOfItsKind = 0;
            long oldestNonEstablished = Long.MAX_VALUE;
            long oldestEstablished = Long.MAX_VALUE;
            for (final ModelFlow flow : eviction.candidates())
            {
                if (expired(flow, nowNs))
                {
                    expiredCount++;
                    continue;
                }
                final boolean established = established(flow.state);
                if (established)
                {
                    oldestEstablished = Math.min(oldestEstablished, flow.lastSeenNs);
                }
                else
                {
                    nonEstablishedCount++;
                    oldestNonEstablished = Math.min(oldestNonEstablished, flow.lastSeenNs);
                }
                if (established == established(victim.state) && flow.lastSeenNs < victim.lastSeenNs)
                {
                    olderOfItsKind++;
                }
            }
            final ModelFlow evicted = victim;
            final int expiredTotal = expiredCount;
            final int nonEstablishedTotal = nonEstablishedCount;
            final Supplier<String> what = () -> where.get() + ": evicted " + FlowState.name(evicted.state) + " " +
                evicted.id + " counted " +
                kind.label() + " with " + expiredTotal + " expired, " + nonEstablishedTotal +
                " non-established of " + size;
            if (kind == Counter.FLOWS_EXPIRED)
            {
                assertTrue(expired(victim, nowNs), what);
            }
            else
            {
                assertFalse(expired(victim, nowNs), what);
                assertEquals(kind == Counter.EVICTIONS_ESTABLISHED, established(victim.state), what);
                // Every flow the policy prefers to the victim must have been outside the sample.
                final int preferred = expiredCount + olderOfItsKind +
                    (kind == Counter.EVICTIONS_ESTABLISHED ? nonEstablishedCount : 0);
                final int outsideSample = Math.max(0, size - ConntrackConfig.EVICTION_SAMPLE);
                assertTrue(preferred <= outsideSample,
                    () -> what.get() + ": " + preferred + " preferred flows outside a sample");
                if (size <= ConntrackConfig.EVICTION_SAMPLE)
                {
                    // The sample is the whole table: the choice is exact (up to ties).
                    assertEquals(0, expiredCount, what);
                    assertEquals(nonEstablishedCount > 0, !established(victim.state), what);
                    assertEquals(established(victim.state) ? oldestEstablished : oldestNonEstablished,
                        victim.lastSeenNs, what);
                }
            }
            flows.remove(victim.id.key());
            increment(kind);
            if (kind == Counter.FLOWS_EXPIRED)
            {
                expiredOnEviction++;
            }
        }

        private static long delta(final long[] before, final WorkerCounters counters, final Counter counter)
        {
            for (int i = 0; i < COUNTERS.length; i++)
            {
                if (COUNTERS[i] == counter)
                {
                    return counters.get(counter) - before[i];
                }
            }
            throw new IllegalArgumentException(counter.label());
        }

        /** After a sweep: the flows it removed must all have been expired. @return how many it removed. */
        int settleSweep(
            final long nowNs, final FlowTable table, final PacketMeta meta, final Supplier<String> where)
        {
            int removed = 0;
            for (final ModelFlow flow : new ArrayList<>(flows.values()))
            {
                flow.id.fill(meta, true, 0, 0);
                if (table.lookup(meta) < 0)
                {
                    assertTrue(expired(flow, nowNs), () -> where.get() + ": sweep removed live flow " + flow.id);
                    flows.remove(flow.id.key());
                    increment(Counter.FLOWS_EXPIRED);
                    removed++;
                }
            }
            swept += removed;
            return removed;
        }

        Outcome track(final FlowId id, final boolean fromA, final int tcpFlags, final int wireLength, final long nowNs)
        {
            final Endpoint sender = fromA ? id.a() : id.b();
            final ModelFlow existing = flows.get(id.key());
            if (existing != null)
            {
                if (!expired(existing, nowNs))
                {
                    return update(existing, sender, tcpFlags, wireLength, nowNs);
                }
                flows.remove(id.key());
                increment(Counter.FLOWS_EXPIRED);
            }

            final int protocol = id.protocol();
            final int state;
            boolean midstream = false;
            boolean initiatorIsSender = true;
            if (protocol == PacketMeta.PROTO_TCP)
            {
                final int event = TcpStateMachine.event(tcpFlags);
                if (event == TcpStateMachine.EVENT_SYN)
                {
                    state = SYN_SENT;
                }
                else if (!config.midstreamPickup())
                {
                    increment(Counter.TCP_UNTRACKED);
                    return new Outcome(null, false, false);
                }
                else
                {
                    midstream = true;
                    if (event == TcpStateMachine.EVENT_SYN_ACK)
                    {
                        state = SYN_RECV;
                        initiatorIsSender = false;
                    }
                    else if (event == TcpStateMachine.EVENT_FIN)
                    {
                        state = FIN_WAIT;
                    }
                    else if (event == TcpStateMachine.EVENT_RST)
                    {
                        state = CLOSED;
                    }
                    else if (event == TcpStateMachine.EVENT_ACK)
                    {
                        state = ESTABLISHED;
                    }
                    else
                    {
                        increment(Counter.TCP_INVALID); // no SYN, ACK, FIN or RST: nothing to pick up
                        return new Outcome(null, false, false);
                    }
                }
            }
            else if (protocol == PacketMeta.PROTO_UDP)
            {
                state = UDP_UNREPLIED;
            }
            else if (protocol == PacketMeta.PROTO_ICMP)
            {
                state = ICMP_UNREPLIED;
            }
            else
            {
                state = OTHER_UNREPLIED;
            }

            // A full table makes room first; which flow goes is settled after the table has chosen.
            final ModelFlow flow = new ModelFlow(id);
            flow.initiator = initiatorIsSender ? sender : (fromA ? id.b() : id.a());
            flow.state = state;
            flow.midstream = midstream;
            flow.createdNs = nowNs;
            flow.lastSeenNs = nowNs;
            final boolean reply = !initiatorIsSender;
            count(flow, reply, wireLength);
            flows.put(id.key(), flow);
            increment(Counter.FLOWS_CREATED);
            increment(protocol == PacketMeta.PROTO_TCP ? Counter.FLOWS_TCP :
                protocol == PacketMeta.PROTO_UDP ? Counter.FLOWS_UDP : Counter.FLOWS_OTHER);
            return new Outcome(flow, true, reply);
        }

        private Outcome update(
            final ModelFlow flow, final Endpoint sender, final int tcpFlags, final int wireLength, final long nowNs)
        {
            final boolean reply = !sender.equals(flow.initiator);
            flow.lastSeenNs = nowNs;
            final int state = flow.state;
            if (FlowState.isTcp(state))
            {
                final int event = TcpStateMachine.event(tcpFlags);
                if (event == TcpStateMachine.EVENT_SYN && (state == TIME_WAIT || state == CLOSED))
                {
                    // port reuse: a new connection in the same flow, started by the SYN's sender
                    flow.initiator = sender;
                    flow.state = SYN_SENT;
                    flow.midstream = false;
                    flow.createdNs = nowNs;
                    flow.packetsOriginal = 0;
                    flow.packetsReply = 0;
                    flow.bytesOriginal = 0;
                    flow.bytesReply = 0;
                    count(flow, false, wireLength);
                    increment(Counter.FLOWS_REOPENED);
                    increment(Counter.FLOWS_CREATED);
                    increment(Counter.FLOWS_TCP);
                    return new Outcome(flow, true, false);
                }
                final int next = TcpStateMachine.next(state, reply, event);
                if (next >= 0)
                {
                    flow.state = next;
                }
                else if (next == TcpStateMachine.INVALID)
                {
                    increment(Counter.TCP_INVALID);
                }
            }
            else if (reply && (state == UDP_UNREPLIED || state == ICMP_UNREPLIED || state == OTHER_UNREPLIED))
            {
                flow.state = state == UDP_UNREPLIED ? UDP_REPLIED : state == ICMP_UNREPLIED ? ICMP_REPLIED :
                    OTHER_REPLIED;
            }
            count(flow, reply, wireLength);
            return new Outcome(flow, false, reply);
        }

        private static void count(final ModelFlow flow, final boolean reply, final int wireLength)
        {
            if (reply)
            {
                flow.packetsReply++;
                flow.bytesReply += wireLength;
            }
            else
            {
                flow.packetsOriginal++;
                flow.bytesOriginal += wireLength;
            }
        }
    }
}
