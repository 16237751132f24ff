package dev.palisade.api;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.PolicyDiff;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.palisade.api.store.Store.Kind.POLICY;

/** {@code /v1/policies}: policy documents with every version kept, and diffs between versions. */
final class PolicyRoutes
{
    /** A document may be as large as the parser takes. */
    private static final int MAX_DOCUMENT_CHARS = PolicyParser.MAX_DOCUMENT_CHARS;
    private static final int MAX_DESCRIPTION_CHARS = 1000;
    /** The unified diff is cut beyond this many lines (the rule changes are always complete). */
    private static final int MAX_DIFF_LINES = 5000;
    /**
     * A text diff costs (lines) x (differences): above this many lines in the two documents together there is none
     * (the rule changes are still given).
     */
    private static final int MAX_TEXT_DIFF_INPUT_LINES = 40_000;
    private static final Set<String> FIELDS = Set.of("document", "description");

    private final Store store;
    private final Compilation compilation;

    PolicyRoutes(final Store store, final Compilation compilation)
    {
        this.store = store;
        this.compilation = compilation;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/policies", "listPolicies", Role.READERS, this::list));
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/policies", "createPolicy", Role.AUTHORS,
            this::create));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/policies/{name}", "getPolicy", Role.READERS,
            this::get));
        routes.add(new ApiServer.RouteSpec(HttpMethod.PUT, "/v1/policies/{name}", "updatePolicy", Role.AUTHORS,
            this::update));
        routes.add(new ApiServer.RouteSpec(HttpMethod.DELETE, "/v1/policies/{name}", "deletePolicy", Role.AUTHORS,
            this::delete));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/policies/{name}/versions", "listPolicyVersions",
            Role.READERS, this::history));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/policies/{name}/versions/{version}",
            "getPolicyVersion", Role.READERS, this::version));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/policies/{name}/diff", "diffPolicyVersions",
            Role.READERS, this::diff));
    }

    private void create(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.requiredString(body, "document", MAX_DOCUMENT_CHARS);
        final String description = Http.optionalString(body, "description", MAX_DESCRIPTION_CHARS);
        final Future<Store.DocumentVersion> created = compilation.policy(document).compose(checked ->
            store.create(POLICY, checked.policy().name(), new Store.Content(document, checked.digest(), description,
                null), request.actor()));
        ApiServer.reply(request, created, 201, v -> json(v, true));
    }

    private void update(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.requiredString(body, "document", MAX_DOCUMENT_CHARS);
        final String description = Http.optionalString(body, "description", MAX_DESCRIPTION_CHARS);
        final String name = request.param("name");
        final Future<Store.DocumentVersion> updated = compilation.policy(document).compose(checked ->
        {
            if (!checked.policy().name().equals(name))
            {
                return Future.failedFuture(ApiException.invalidField("document", "metadata.name is '" +
                    checked.policy().name() + "', but this is policy '" + name + "' (renaming is creating another " +
                    "policy)"));
            }
            return store.update(POLICY, name, expected, new Store.Content(document, checked.digest(), description,
                null), request.actor());
        });
        ApiServer.reply(request, updated, 200, v -> json(v, true));
    }

    private void delete(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        ApiServer.noContent(request, store.delete(POLICY, request.param("name"), expected, request.actor()));
    }

    private void get(final ApiServer.Request request)
    {
        ApiServer.reply(request, store.get(POLICY, request.param("name")), 200, v -> json(v, true));
    }

    private void version(final ApiServer.Request request)
    {
        final long version = Http.longValue(request.param("version"), "version", "a version number");
        ApiServer.reply(request, store.getVersion(POLICY, request.param("name"), version), 200, v -> json(v, true));
    }

    private void list(final ApiServer.Request request)
    {
        ApiServer.page(request, store.list(POLICY, request.context().queryParams().get("after"),
            Http.limit(request.context())), v -> json(v, false));
    }

    private void history(final ApiServer.Request request)
    {
        final Long before = Http.optionalLong(request.context(), "before", "a version number");
        ApiServer.page(request, store.history(POLICY, request.param("name"), before, Http.limit(request.context())),
            v -> json(v, false));
    }

    /**
     * {@code ?from=N&to=M} (default: the current version and the one before): what changed rule by rule, compiled
     * against the fleet inventory as it is now, and the unified diff of the two documents.
     */
    private void diff(final ApiServer.Request request)
    {
        final String name = request.param("name");
        final Long from = Http.optionalLong(request.context(), "from", "a version number");
        final Long to = Http.optionalLong(request.context(), "to", "a version number");
        final Future<Store.DocumentVersion> newer = to != null ? store.getVersion(POLICY, name, to) :
            store.get(POLICY, name);
        final Future<JsonObject> result = newer.compose(b -> (from != null ? store.getVersion(POLICY, name, from) :
            b.version() > 1 ? store.getVersion(POLICY, name, b.version() - 1) :
            Future.<Store.DocumentVersion>failedFuture(ApiException.invalidField("from", "policy '" + name +
                "' has one version only; nothing to compare it with"))).compose(a ->
        {
            if (a.document() == null || b.document() == null)
            {
                return Future.failedFuture(ApiException.invalidField(a.document() == null ? "from" : "to",
                    "version " + (a.document() == null ? a.version() : b.version()) + " is the policy's deletion; " +
                    "it has no document"));
            }
            return compilation.fleet().compose(fleet -> compilation.blocking(() -> diff(a, b, fleet)));
        }));
        ApiServer.reply(request, result, 200, json -> json);
    }

    private static JsonObject diff(final Store.DocumentVersion a, final Store.DocumentVersion b,
        final Compilation.Fleet fleet)
    {
        final JsonObject out = new JsonObject().put("name", a.name()).put("from", a.version()).put("to", b.version())
            .put("inventory_version", fleet.version());
        try
        {
            final List<PolicyDiff.Change> changes = PolicyDiff.diff(Compilation.compile(a.document(), fleet)
                .compiled(), Compilation.compile(b.document(), fleet).compiled());
            final JsonArray rules = new JsonArray();
            changes.forEach(c -> rules.add(new JsonObject().put("change", c.kind().label()).put("rule", c.rule())
                .put("fields", new JsonArray(c.fields()))));
            out.put("rules", rules);
        }
        catch (final ApiException e)
        {
            // An old version may no longer compile against today's inventory: the text diff still helps.
            out.put("rules", null).put("rules_unavailable", e.getMessage());
        }
        final List<String> before = Arrays.asList(a.document().split("\r?\n", -1));
        final List<String> after = Arrays.asList(b.document().split("\r?\n", -1));
        if (before.size() + after.size() > MAX_TEXT_DIFF_INPUT_LINES)
        {
            return out.put("text", null).put("text_truncated", true).put("text_unavailable", "the documents have " +
                (before.size() + after.size()) + " lines together; text diffs are made up to " +
                MAX_TEXT_DIFF_INPUT_LINES + " (fetch both versions and compare them locally)");
        }
        final List<String> unified = UnifiedDiffUtils.generateUnifiedDiff(a.name() + "@" + a.version(),
            b.name() + "@" + b.version(), before, DiffUtils.diff(before, after), 3);
        final boolean cut = unified.size() > MAX_DIFF_LINES;
        return out.put("text", String.join("\n", cut ? unified.subList(0, MAX_DIFF_LINES) : unified))
            .put("text_truncated", cut);
    }

    static JsonObject json(final Store.DocumentVersion v, final boolean withDocument)
    {
        final JsonObject out = new JsonObject().put("name", v.name()).put("version", v.version())
            .put("digest", v.digest()).put("description", v.description()).put("author", v.author())
            .put("created_at", v.createdAt()).put("deleted", v.deleted());
        if (withDocument)
        {
            out.put("document", v.document());
        }
        return out;
    }
}
