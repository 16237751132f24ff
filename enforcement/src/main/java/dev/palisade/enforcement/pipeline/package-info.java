/**
 * The worker model: share-nothing {@link dev.palisade.enforcement.pipeline.Worker}s, each owning the flows that a
 * symmetric hash of the 5-tuple sends to it (a NIC's RSS), processing {@link dev.palisade.enforcement.pipeline.PacketBatch}es
 * without allocating; and {@link dev.palisade.enforcement.pipeline.ReplayEngine}, which drives workers from a capture.
 * <p>
 * Owns: batching, dispatch, the per-packet decision. Must not touch: capture formats (it consumes a
 * {@code CaptureReader}), wall clocks on the packet path.
 */
package dev.palisade.enforcement.pipeline;
