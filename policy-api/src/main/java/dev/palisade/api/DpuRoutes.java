package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.policy.bundle.TargetSelector;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code /v1/dpus}: the fleet. Each DPU's attestation state, the release it runs, its last ACK and NACK (with the
 * reason), when it was last seen and its counters (the agents report these; issue 7's channel), and quarantine,
 * which incident responders set and lift, with a reason, in the audit log.
 */
final class DpuRoutes
{
    private static final Set<String> REGISTER_FIELDS = Set.of("id", "labels");
    private static final Set<String> QUARANTINE_FIELDS = Set.of("reason");
    private static final int MAX_LABELS = 64;

    private final Store store;
    private final dev.palisade.api.fleet.Fleet fleet;

    DpuRoutes(final Store store, final dev.palisade.api.fleet.Fleet fleet)
    {
        this.store = store;
        this.fleet = fleet;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/dpus", "listDpus", Role.READERS, this::list));
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/dpus", "registerDpu", Role.ADMINS, this::create));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/dpus/{id}", "getDpu", Role.READERS, this::get));
        routes.add(new ApiServer.RouteSpec(HttpMethod.PUT, "/v1/dpus/{id}/quarantine", "quarantineDpu",
            Role.RESPONDERS, this::quarantine));
        routes.add(new ApiServer.RouteSpec(HttpMethod.DELETE, "/v1/dpus/{id}/quarantine", "liftDpuQuarantine",
            Role.RESPONDERS, this::lift));
    }

    private void create(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), REGISTER_FIELDS);
        final String id = Http.requiredString(body, "id", 63);
        if (!TargetSelector.isToken(id))
        {
            throw ApiException.invalidField("id", "must be 1 to 63 letters, digits, '.', '_' or '-', starting with " +
                "a letter or digit (release targets name DPUs by it)");
        }
        final Object value = body.getValue("labels");
        final Map<String, String> labels = new TreeMap<>();
        if (value != null)
        {
            if (!(value instanceof JsonObject object) || object.size() > MAX_LABELS)
            {
                throw ApiException.invalidField("labels", "must be an object of at most " + MAX_LABELS +
                    " labels, KEY: VALUE");
            }
            for (final Map.Entry<String, Object> label : object)
            {
                if (!TargetSelector.isToken(label.getKey()) || !(label.getValue() instanceof String text) ||
                    !TargetSelector.isToken(text))
                {
                    throw ApiException.invalidField("labels", "label '" + label.getKey() + "': keys and values " +
                        "are strings of 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
                }
                labels.put(label.getKey(), text);
            }
        }
        final String labelJson = new JsonObject(new java.util.LinkedHashMap<>(labels)).encode();
        ApiServer.reply(request, store.registerDpu(id, labelJson, request.actor()), 201, dpu ->
        {
            request.context().response().putHeader("Location", "/v1/dpus/" + dpu.id());
            return json(dpu);
        });
    }

    private void get(final ApiServer.Request request)
    {
        ApiServer.reply(request, store.getDpu(request.param("id")), 200, this::json);
    }

    private void list(final ApiServer.Request request)
    {
        ApiServer.page(request, store.listDpus(request.context().queryParams().get("after"),
            Http.limit(request.context())), this::json);
    }

    private void quarantine(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), QUARANTINE_FIELDS);
        final String reason = Http.requiredString(body, "reason", 1000);
        ApiServer.reply(request, store.quarantine(request.param("id"), reason, request.actor())
            .onSuccess(dpu -> notifyAgent(dpu)), 200, this::json);
    }

    private void lift(final ApiServer.Request request)
    {
        ApiServer.reply(request, store.quarantine(request.param("id"), null, request.actor())
            .onSuccess(dpu -> notifyAgent(dpu)), 200, this::json);
    }

    /** Tells a connected agent at once; one that is not connected hears it when it next says hello. */
    private void notifyAgent(final Store.Dpu dpu)
    {
        if (fleet != null)
        {
            fleet.quarantineChanged(dpu.id(), dpu.quarantined(), dpu.quarantineReason());
        }
    }

    private JsonObject json(final Store.Dpu d)
    {
        return json(d, fleet == null ? null : fleet.connected(d.id()));
    }

    /** @param connected whether its agent is connected now (null when the API has no agent channel). */
    static JsonObject json(final Store.Dpu d, final Boolean connected)
    {
        return new JsonObject().put("id", d.id()).put("labels", new JsonObject(d.labels()))
            .put("connected", connected)
            .put("registered_at", d.registeredAt())
            .put("attestation", new JsonObject().put("status", d.attestation()).put("at", d.attestedAt()))
            .put("release", new JsonObject().put("version", d.activeVersion()).put("digest", d.activeDigest()))
            .put("last_ack", d.lastAckAt() == null ? null : new JsonObject().put("version", d.lastAckVersion())
                .put("at", d.lastAckAt()))
            .put("last_nack", d.lastNackAt() == null ? null : new JsonObject().put("version", d.lastNackVersion())
                .put("reason", d.lastNackReason()).put("at", d.lastNackAt()))
            .put("last_seen", d.lastSeen()).put("counters", new JsonObject(d.counters()))
            .put("quarantine", new JsonObject().put("active", d.quarantined()).put("reason", d.quarantineReason())
                .put("by", d.quarantinedBy()).put("at", d.quarantinedAt()));
    }
}
