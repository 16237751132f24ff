package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.TargetSelector;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static dev.palisade.api.store.Store.Kind.POLICY;
import static dev.palisade.api.store.Store.Kind.RULESET;

/**
 * {@code /v1/releases}: a policy (a stored version) and DPI rule sets compiled against the fleet inventory, signed
 * into a bundle for a target set of DPUs. Versions grow per target and each release chains to the target's previous
 * one (policy/ docs/policy-bundles.md). Releases are never changed or deleted; a newer one replaces an older one.
 */
final class ReleaseRoutes
{
    private static final Set<String> FIELDS = Set.of("policy", "policy_version", "rulesets", "inventory_version",
        "target", "expires_in_days");
    /** What a release may carry: both payloads together stay under the bundle's limit. */
    private static final long MAX_RULE_TEXT_CHARS = Bundle.MAX_PAYLOAD_BYTES / 2;
    private static final int MAX_RULE_SETS = 64;
    private static final java.util.regex.Pattern RULE_SET_REFERENCE = java.util.regex.Pattern.compile(
        RuleSetRoutes.NAME.pattern() + "(@[1-9][0-9]{0,17})?");
    private static final int MAX_EXPIRY_DAYS = 365;

    private final Store store;
    private final Compilation compilation;
    private final ReleaseSigner signer;

    ReleaseRoutes(final Store store, final Compilation compilation, final ReleaseSigner signer)
    {
        this.store = store;
        this.compilation = compilation;
        this.signer = signer;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/releases", "listReleases", Role.READERS,
            this::list));
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/releases", "createRelease", Role.ADMINS,
            this::create));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/releases/{id}", "getRelease", Role.READERS,
            this::get));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/releases/{id}/bundle", "getReleaseBundle",
            Role.READERS, this::bundle));
    }

    /** What goes into a release, read from the store before compiling. */
    private record Inputs(Store.DocumentVersion policy, List<Store.DocumentVersion> ruleSets,
        Compilation.Fleet fleet)
    {
    }

    private void create(final ApiServer.Request request)
    {
        if (signer == null)
        {
            throw noSigningKey();
        }
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String policyName = Http.requiredString(body, "policy", 63);
        final Long policyVersion = Http.optionalWholeNumber(body, "policy_version", 1, Long.MAX_VALUE,
            "must be a version number (from 1)");
        final Long inventoryVersion = Http.optionalWholeNumber(body, "inventory_version", 0, Long.MAX_VALUE,
            "must be a version number (0 for none)");
        final List<String> ruleSetNames = names(body.getValue("rulesets"));
        final String targetText = body.getValue("target") == null ? "all" : Http.requiredString(body, "target",
            4096);
        final TargetSelector target;
        try
        {
            target = TargetSelector.parse(targetText);
        }
        catch (final IllegalArgumentException e)
        {
            throw ApiException.invalidField("target", e.getMessage());
        }
        final Long days = Http.optionalWholeNumber(body, "expires_in_days", 1, MAX_EXPIRY_DAYS,
            "must be a whole number of days from 1 to " + MAX_EXPIRY_DAYS);
        final int expiresInDays = days == null ? 30 : days.intValue();

        final Future<Store.DocumentVersion> policy = (policyVersion == null ? store.get(POLICY, policyName) :
            store.getVersion(POLICY, policyName, policyVersion)).recover(e -> Future.failedFuture(
            notFoundAsInvalid(e, "policy")));
        final List<Future<Store.DocumentVersion>> ruleSets = new ArrayList<>();
        for (final String entry : ruleSetNames)
        {
            // name, or name@version to pin the version that was reviewed
            final int at = entry.indexOf('@');
            final Future<Store.DocumentVersion> ruleSet = at < 0 ? store.get(RULESET, entry) :
                store.getVersion(RULESET, entry.substring(0, at), Long.parseLong(entry.substring(at + 1)));
            ruleSets.add(ruleSet.recover(e -> Future.failedFuture(notFoundAsInvalid(e, "rulesets")))
                .compose(v -> v.document() == null ? Future.failedFuture(ApiException.invalidField("rulesets",
                    "version " + v.version() + " of rule set '" + v.name() + "' is its deletion")) :
                    Future.succeededFuture(v)));
        }
        final Future<Inputs> inputs = Future.all(new ArrayList<Future<?>>(ruleSets)).compose(ignored -> policy)
            .compose(p -> p.document() == null ? Future.failedFuture(ApiException.invalidField("policy_version",
                "version " + p.version() + " of policy '" + p.name() + "' is its deletion")) :
                compilation.fleet().compose(fleet ->
                {
                    if (inventoryVersion != null && inventoryVersion != fleet.version())
                    {
                        return Future.failedFuture(new ApiException(409, "conflict", "Conflict", "the inventory " +
                            "is at version " + fleet.version() + ", not " + inventoryVersion + " (inventory_version); " +
                            "review the change and release again"));
                    }
                    final List<Store.DocumentVersion> sets = ruleSets.stream().map(Future::result).toList();
                    if (sets.stream().mapToLong(r -> r.document().length()).sum() > MAX_RULE_TEXT_CHARS)
                    {
                        return Future.failedFuture(new ApiException(413, "too-large", "Release too large", "the " +
                            "rule sets hold more than " + MAX_RULE_TEXT_CHARS + " characters together; a bundle " +
                            "carries at most " + Bundle.MAX_PAYLOAD_BYTES + " bytes of rules"));
                    }
                    return Future.succeededFuture(new Inputs(p, sets, fleet));
                }));
        final Future<Store.Release> created = inputs.compose(in -> compilation.blocking(() -> prepare(in))
            .compose(prepared -> store.createRelease(target.toString(), slot -> compilation.blocking(() ->
                sign(prepared, target, slot, expiresInDays)), request.actor())));
        ApiServer.reply(request, created, 201, release ->
        {
            request.context().response().putHeader("Location", "/v1/releases/" + release.id());
            return json(release);
        });
    }

    /** Releases (and rollbacks, which are releases) need the service's signing key. */
    static ApiException noSigningKey()
    {
        return new ApiException(503, "no-signing-key", "Releases are disabled", "this API has no policy-signing " +
            "key; start it with --signing-key and --certificate (or --dev)");
    }

    /** A release names what it is made of: a name that does not exist is a bad request, not a missing route. */
    private static Throwable notFoundAsInvalid(final Throwable e, final String field)
    {
        return e instanceof ApiException api && api.status() == 404 ? ApiException.invalidField(field,
            e.getMessage()) : e;
    }

    private static List<String> names(final Object value)
    {
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof JsonArray array) || array.size() > MAX_RULE_SETS)
        {
            throw ApiException.invalidField("rulesets", "must be a list of at most " + MAX_RULE_SETS +
                " rule set names");
        }
        final Set<String> names = new LinkedHashSet<>();
        final List<String> entries = new ArrayList<>();
        for (final Object name : array)
        {
            if (!(name instanceof String text) || !RULE_SET_REFERENCE.matcher(text).matches())
            {
                throw ApiException.invalidField("rulesets", "'" + name + "' is not a rule set name, or NAME@VERSION");
            }
            if (!names.add(text.contains("@") ? text.substring(0, text.indexOf('@')) : text))
            {
                throw ApiException.invalidField("rulesets", "rule set '" + text + "' is named twice");
            }
            entries.add(text);
        }
        return List.copyOf(entries);
    }

    /** Compiled and collected, before a version is known. */
    private record Prepared(Inputs inputs, Compilation.Checked checked, byte[] rules, int ruleCount, int skipped,
        int disabled)
    {
    }

    private Prepared prepare(final Inputs in)
    {
        final Compilation.Checked checked;
        try
        {
            checked = Compilation.compile(in.policy().document(), in.fleet());
        }
        catch (final ApiException e)
        {
            throw new ApiException(409, "conflict", "Conflict", "policy '" + in.policy().name() + "' version " +
                in.policy().version() + " no longer compiles against the fleet inventory (version " +
                in.fleet().version() + "); fix the policy or the inventory", e.errors());
        }
        final StringBuilder text = new StringBuilder();
        int count = 0;
        int skipped = 0;
        int disabled = 0;
        for (final Store.DocumentVersion ruleSet : in.ruleSets())
        {
            final Set<Long> off = Compilation.disabled(ruleSet);
            for (final LoadResult result : compilation.rules(ruleSet.name(), ruleSet.document()))
            {
                switch (result)
                {
                    case LoadResult.Loaded loaded when off.contains(loaded.rule().sid()) -> disabled++;
                    case LoadResult.Loaded loaded ->
                    {
                        text.append(loaded.rule().text().replace('\n', ' ')).append('\n');
                        count++;
                    }
                    case LoadResult.Skipped ignored -> skipped++;
                    case LoadResult.Invalid ignored -> skipped++;
                }
            }
        }
        return new Prepared(in, checked, text.toString().getBytes(StandardCharsets.UTF_8), count, skipped, disabled);
    }

    private Store.SignedRelease sign(final Prepared prepared, final TargetSelector target, final Store.ReleaseSlot slot,
        final int expiresInDays)
    {
        final Instant issued = Instant.now();
        final Bundle bundle = Bundle.sign(new Bundle.Content(prepared.checked().policy().name(), slot.version(),
            target, issued, issued.plus(Duration.ofDays(expiresInDays)), slot.previousDigest() == null ? null :
            HexFormat.of().parseHex(slot.previousDigest()), prepared.checked().compiled().encoded(), prepared.rules(),
            prepared.ruleCount()), signer.key(), signer.certificate(), signer.revocations());
        final byte[] encoded = bundle.encode();
        final JsonObject summary = new JsonObject()
            .put("segmentation_rules", prepared.checked().compiled().rules().size())
            .put("workloads", prepared.checked().compiled().workloads().size())
            .put("dpi_rules", prepared.ruleCount()).put("dpi_rules_skipped", prepared.skipped())
            .put("dpi_rules_disabled", prepared.disabled()).put("bytes", encoded.length)
            .put("policy_digest", prepared.checked().digest());
        return new Store.SignedRelease(prepared.checked().policy().name(), prepared.inputs().policy().version(),
            prepared.inputs().fleet().version(), String.join(",", prepared.inputs().ruleSets().stream()
            .map(r -> r.name() + "@" + r.version()).toList()), bundle.digestHex(),
            bundle.manifest().issuedAt().toString(), bundle.manifest().expiresAt().toString(), summary.encode(),
            encoded);
    }

    private void list(final ApiServer.Request request)
    {
        final String target = request.context().queryParams().get("target");
        if (target != null)
        {
            try
            {
                TargetSelector.parse(target);
            }
            catch (final IllegalArgumentException e)
            {
                throw ApiException.invalidField("target", e.getMessage());
            }
        }
        final Long before = Http.optionalLong(request.context(), "before", "a release id");
        ApiServer.page(request, store.listReleases(target == null ? null : TargetSelector.parse(target).toString(),
            before, Http.limit(request.context())), ReleaseRoutes::json);
    }

    private void get(final ApiServer.Request request)
    {
        ApiServer.reply(request, store.getRelease(Http.longValue(request.param("id"), "id", "a release id")), 200,
            ReleaseRoutes::json);
    }

    private void bundle(final ApiServer.Request request)
    {
        final long id = Http.longValue(request.param("id"), "id", "a release id");
        store.getRelease(id).compose(release -> store.releaseBundle(id).map(bytes -> java.util.Map.entry(release,
            bytes))).onComplete(result ->
        {
            if (result.failed())
            {
                ApiServer.problem(request.context(), result.cause());
                return;
            }
            final Store.Release release = result.result().getKey();
            request.context().response().setStatusCode(200)
                .putHeader("Content-Type", "application/vnd.palisade.bundle")
                .putHeader("ETag", "\"sha256:" + release.digest() + "\"")
                .putHeader("Content-Disposition", "attachment; filename=\"" + release.policyName() + "-" +
                    release.id() + "-v" + release.version() + ".bundle\"")
                .end(io.vertx.core.buffer.Buffer.buffer(result.result().getValue()));
        });
    }

    static JsonObject json(final Store.Release r)
    {
        final JsonArray ruleSets = new JsonArray();
        if (!r.rulesets().isEmpty())
        {
            for (final String entry : r.rulesets().split(","))
            {
                final int at = entry.lastIndexOf('@');
                ruleSets.add(new JsonObject().put("name", entry.substring(0, at))
                    .put("version", Long.parseLong(entry.substring(at + 1))));
            }
        }
        return new JsonObject().put("id", r.id()).put("target", r.target()).put("version", r.version())
            .put("policy", new JsonObject().put("name", r.policyName()).put("version", r.policyVersion()))
            .put("inventory_version", r.inventoryVersion()).put("rulesets", ruleSets)
            .put("digest", "sha256:" + r.digest())
            .put("previous_digest", r.previousDigest() == null ? null : "sha256:" + r.previousDigest())
            .put("issued_at", r.issuedAt()).put("expires_at", r.expiresAt())
            .put("summary", new JsonObject(r.summary())).put("author", r.author())
            .put("bundle", "/v1/releases/" + r.id() + "/bundle");
    }
}
