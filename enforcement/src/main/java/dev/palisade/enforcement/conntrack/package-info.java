/**
 * Connection tracking: the per-worker {@link dev.palisade.enforcement.conntrack.FlowTable} (fixed-capacity, off-heap,
 * open addressing), the TCP state machine and the UDP/ICMP pseudo-states, per-state timeouts and the full-table policy.
 * <p>
 * Owns: flow entries and their layout. Must not touch: packet bytes (it sees only the parsed {@code PacketMeta}),
 * clocks (time is a parameter), other workers' tables.
 */
package dev.palisade.enforcement.conntrack;
