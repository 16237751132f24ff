package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.fleet.Fleet;
import dev.palisade.api.store.Store;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleFormatException;
import dev.palisade.policy.bundle.TargetSelector;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Rollouts of releases to the connected agents: {@code POST /v1/releases/{id}/promote} (to a canary set, then to
 * all), {@code GET /v1/releases/{id}/rollout} (its progress), {@code GET /v1/releases/{id}/rollout/dpus} (each DPU's
 * answer) and {@code POST /v1/releases/{id}/rollback} (re-issue that release's content as the target's next version
 * and promote it: versions only go forward, so going back is a new release of old content).
 */
final class RolloutRoutes
{
    private static final Set<String> PROMOTE_FIELDS = Set.of("stage", "percent", "selector", "max_nacks");

    private final Store store;
    private final Fleet fleet;
    private final ReleaseSigner signer;

    RolloutRoutes(final Store store, final Fleet fleet, final ReleaseSigner signer)
    {
        this.store = store;
        this.fleet = fleet;
        this.signer = signer;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/releases/{id}/promote", "promoteRelease",
            Role.ADMINS, this::promote));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/releases/{id}/rollout", "getRollout",
            Role.READERS, this::rollout));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/releases/{id}/rollout/dpus", "listRolloutDpus",
            Role.READERS, this::deliveries));
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/releases/{id}/rollback", "rollBackToRelease",
            Role.ADMINS, this::rollback));
    }

    /** What a promotion asks for, checked. */
    private record Promotion(String stage, Long percent, String selector, long maxNacks)
    {
    }

    private static Promotion promotion(final JsonObject body)
    {
        final String stage = Http.requiredString(body, "stage", 16);
        final Long percent = Http.optionalWholeNumber(body, "percent", 1, 100, "must be a whole percentage, 1 to 100");
        final String selector = Http.optionalString(body, "selector", 4096);
        final Long maxNacks = Http.optionalWholeNumber(body, "max_nacks", 0, 1_000_000,
            "must be a whole number of NACKs (0: halt on the first)");
        switch (stage)
        {
            case "canary" ->
            {
                if ((percent == null) == (selector == null))
                {
                    throw ApiException.invalidField("stage", "a canary needs exactly one of percent (of the " +
                        "target's DPUs) or selector (dpus:ID,… or labels:KEY=VALUE,…)");
                }
                if (selector != null)
                {
                    try
                    {
                        TargetSelector.parse(selector);
                    }
                    catch (final IllegalArgumentException e)
                    {
                        throw ApiException.invalidField("selector", e.getMessage());
                    }
                }
            }
            case "all" ->
            {
                if (percent != null || selector != null)
                {
                    throw ApiException.invalidField("stage", "'all' takes no percent or selector");
                }
            }
            default -> throw ApiException.invalidField("stage", "'" + stage + "' is not canary or all");
        }
        return new Promotion(stage, percent, selector, maxNacks == null ? 0 : maxNacks);
    }

    private void promote(final ApiServer.Request request)
    {
        requireFleet();
        final long id = Http.longValue(request.param("id"), "id", "a release id");
        final Promotion p = promotion(Http.body(request.context(), PROMOTE_FIELDS));
        ApiServer.reply(request, fleet.promote(id, p.stage(), p.percent(), p.selector(), p.maxNacks(),
            request.actor()).compose(ignored -> fleet.rolloutStatus(id)), 200, status -> status);
    }

    private void rollout(final ApiServer.Request request)
    {
        requireFleet();
        ApiServer.reply(request, fleet.rolloutStatus(Http.longValue(request.param("id"), "id", "a release id")),
            200, status -> status);
    }

    private void deliveries(final ApiServer.Request request)
    {
        final long id = Http.longValue(request.param("id"), "id", "a release id");
        final String state = request.context().queryParams().get("state");
        if (state != null && !state.equals("acked") && !state.equals("nacked"))
        {
            throw ApiException.invalidField("state", "'" + state + "' is not acked or nacked");
        }
        ApiServer.page(request, store.rollout(id).compose(ignored -> store.deliveries(id, state,
            request.context().queryParams().get("after"), Http.limit(request.context()))), d -> new JsonObject()
            .put("dpu", d.dpuId()).put("state", d.state()).put("reason", d.reason()).put("at", d.at()));
    }

    /**
     * Re-issues release {id}'s content (the same policy and rule bytes) as the next version for its target, signed
     * now with the same lifetime, chained to the target's latest release, and promotes it (to all unless the body
     * says otherwise).
     */
    private void rollback(final ApiServer.Request request)
    {
        requireFleet();
        if (signer == null)
        {
            throw ReleaseRoutes.noSigningKey();
        }
        final long id = Http.longValue(request.param("id"), "id", "a release id");
        final io.vertx.core.buffer.Buffer raw = request.context().body() == null ? null :
            request.context().body().buffer();
        final JsonObject body = raw == null || raw.length() == 0 ?
            new JsonObject().put("stage", "all") : Http.body(request.context(), PROMOTE_FIELDS);
        final Promotion p = promotion(body.containsKey("stage") ? body : body.copy().put("stage", "all"));
        final Future<Store.Release> reissued = store.getRelease(id).compose(earlier -> store.releaseBundle(id)
            .compose(bytes ->
            {
                final Bundle bundle;
                try
                {
                    bundle = Bundle.decode(bytes);
                }
                catch (final BundleFormatException e)
                {
                    return Future.failedFuture(new IllegalStateException("stored release " + id + " does not " +
                        "decode: " + e.getMessage()));
                }
                return store.createRelease(earlier.target(), slot ->
                {
                    final Instant issued = Instant.now();
                    final Duration lifetime = Duration.between(bundle.manifest().issuedAt(),
                        bundle.manifest().expiresAt());
                    final Bundle signed = Bundle.sign(new Bundle.Content(bundle.manifest().policyName(),
                        slot.version(), bundle.manifest().target(), issued, issued.plus(lifetime),
                        slot.previousDigest() == null ? null : HexFormat.of().parseHex(slot.previousDigest()),
                        bundle.policy(), bundle.rules(), bundle.manifest().ruleCount()), signer.key(),
                        signer.certificate(), signer.revocations());
                    final byte[] encoded = signed.encode();
                    final JsonObject summary = new JsonObject(earlier.summary()).put("bytes", encoded.length)
                        .put("rollback_of", id).put("content_of", earlier.target() + "@" + earlier.version());
                    return Future.succeededFuture(new Store.SignedRelease(earlier.policyName(),
                        earlier.policyVersion(), earlier.inventoryVersion(), earlier.rulesets(), signed.digestHex(),
                        signed.manifest().issuedAt().toString(), signed.manifest().expiresAt().toString(),
                        summary.encode(), encoded));
                }, request.actor());
            }));
        ApiServer.reply(request, reissued.compose(release -> fleet.promote(release.id(), p.stage(), p.percent(),
            p.selector(), p.maxNacks(), request.actor()).compose(ignored -> fleet.rolloutStatus(release.id()))
            .map(status -> new JsonObject().put("release", ReleaseRoutes.json(release)).put("rollout", status))),
            201, answer -> answer);
    }

    private void requireFleet()
    {
        if (fleet == null)
        {
            throw new ApiException(503, "no-agent-channel", "The agent channel is off", "this API was started " +
                "without the agent listener (--agent-port), so releases cannot be rolled out");
        }
    }
}
