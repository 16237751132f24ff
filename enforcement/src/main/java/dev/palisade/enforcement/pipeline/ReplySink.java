package dev.palisade.enforcement.pipeline;

import org.agrona.DirectBuffer;

/**
 * Where a worker sends the frames it originates: the TCP resets and ICMP unreachables of reject rules. On a DPU this
 * is the transmit queue of the port the rejected packet came in on; a replay can write them to a capture.
 * <p>
 * Called on the worker's thread; the frame is only valid during the call.
 */
@FunctionalInterface
public interface ReplySink
{
    /** Sends nothing: rejects drop without answering. */
    ReplySink NONE = (workerId, timestampNs, frame, length, linkType, networkOffset) ->
    {
    };

    /**
     * @param timestampNs   the rejected packet's timestamp.
     * @param frame         the reply, from offset 0, with the same link layer as the rejected packet.
     * @param length        its length.
     * @param linkType      that link layer (a {@link dev.palisade.enforcement.packet.LinkType}).
     * @param networkOffset where its IP header starts.
     */
    void transmit(int workerId, long timestampNs, DirectBuffer frame, int length, int linkType, int networkOffset);
}
