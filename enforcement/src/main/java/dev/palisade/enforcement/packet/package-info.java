/**
 * Zero-copy packet parsing: flyweights over off-heap packet memory and the {@link dev.palisade.enforcement.packet.PacketParser}
 * that walks a frame from its link layer to its transport header, through VLAN tags and VXLAN/Geneve overlays.
 * <p>
 * Owns: wire layouts, the per-worker {@link dev.palisade.enforcement.packet.PacketMeta} struct, and the named reasons a
 * frame is malformed. Must not touch: flow state, policy, I/O. Nothing here allocates or throws per packet.
 */
package dev.palisade.enforcement.packet;
