package dev.palisade.enforcement.agent;

import io.vertx.core.json.JsonArray;

/**
 * Where the management API's {@code GET /v1/flows} reads flows from. The data plane's flow tables belong to their
 * workers' threads and have no snapshot for other threads yet, so the agent implements this once the workers can
 * hand one over; until then {@link #NONE} answers with no flows.
 */
@FunctionalInterface
public interface FlowSource
{
    /** No flows. */
    FlowSource NONE = limit -> new JsonArray();

    /**
     * Called off the event loop; may take a while.
     *
     * @param limit at most this many flows (1 or more).
     * @return one JSON object per flow.
     */
    JsonArray flows(int limit);
}
