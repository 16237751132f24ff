package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.model.Inventory;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.palisade.api.store.Store.Kind.INVENTORY;
import static dev.palisade.api.store.Store.Kind.POLICY;

/**
 * {@code /v1/inventory}: the fleet's workloads (labels, addresses) and groups (CIDRs, labels), one document written
 * as a policy's {@code inventory} section is. Every policy may refer to its names; it is merged into each policy at
 * compile time. A change that would break a stored policy (a name the policy defines too) is refused, naming it.
 */
final class InventoryRoutes
{
    private static final Set<String> FIELDS = Set.of("document", "description");
    private static final String EMPTY = "workloads: []\ngroups: []\n";

    private final Store store;
    private final Compilation compilation;

    InventoryRoutes(final Store store, final Compilation compilation)
    {
        this.store = store;
        this.compilation = compilation;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/inventory", "getInventory", Role.READERS,
            this::get));
        routes.add(new ApiServer.RouteSpec(HttpMethod.PUT, "/v1/inventory", "putInventory", Role.AUTHORS,
            this::put));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/inventory/versions", "listInventoryVersions",
            Role.READERS, this::history));
    }

    private void get(final ApiServer.Request request)
    {
        final Future<Store.DocumentVersion> current = store.get(INVENTORY, Compilation.FLEET).recover(e ->
            e instanceof ApiException api && api.status() == 404 ? Future.succeededFuture(new Store.DocumentVersion(
                INVENTORY, Compilation.FLEET, 0, EMPTY, Compilation.sha256(EMPTY), "none written yet", null,
                "nobody", null, false)) : Future.failedFuture(e));
        ApiServer.reply(request, current.compose(v -> compilation.blocking(() -> new ApiServer.Versioned(v.version(),
            json(v, compilation.inventory(v.document()))))), 200, ApiServer.Versioned::body);
    }

    private void put(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.requiredString(body, "document", PolicyParser.MAX_DOCUMENT_CHARS);
        final String description = Http.optionalString(body, "description", 1000);
        final String[] digest = new String[1];
        final Future<ApiServer.Versioned> written = compilation.blocking(() ->
            {
                digest[0] = Compilation.sha256(document);
                return compilation.inventory(document);
            })
            .compose(inventory -> policies(null, new ArrayList<>()).compose(policies -> compilation.blocking(() ->
            {
                checkPolicies(policies, inventory);
                return inventory;
            })))
            .compose(inventory -> store.put(INVENTORY, Compilation.FLEET, expected, new Store.Content(document,
                digest[0], description, null), request.actor())
                .map(v -> new ApiServer.Versioned(v.version(), json(v, inventory))));
        ApiServer.reply(request, written, 200, ApiServer.Versioned::body);
    }

    /** Every live policy, page by page. */
    private Future<List<Store.DocumentVersion>> policies(final String after, final List<Store.DocumentVersion> all)
    {
        return store.list(POLICY, after, 50, true).compose(page ->
        {
            all.addAll(page.items());
            return page.next() == null ? Future.succeededFuture(all) : policies(page.next(), all);
        });
    }

    private static void checkPolicies(final List<Store.DocumentVersion> policies, final Inventory inventory)
    {
        final JsonArray errors = new JsonArray();
        for (final Store.DocumentVersion policy : policies)
        {
            try
            {
                PolicyParser.parse(policy.name(), policy.document(), inventory);
            }
            catch (final PolicyException e)
            {
                e.problems().forEach(p -> errors.add(new JsonObject().put("field", "document")
                    .put("policy", policy.name()).put("line", p.at().line()).put("column", p.at().column())
                    .put("reason", p.message())));
            }
        }
        if (!errors.isEmpty())
        {
            throw new ApiException(409, "conflict", "Conflict", "this inventory would break stored policies; " +
                "change them first (see errors: policy, line, reason)", errors);
        }
    }

    private void history(final ApiServer.Request request)
    {
        final Long before = Http.optionalLong(request.context(), "before", "a version number");
        ApiServer.page(request, store.history(INVENTORY, Compilation.FLEET, before, Http.limit(request.context())),
            v -> new JsonObject().put("version", v.version()).put("digest", v.digest())
                .put("description", v.description()).put("author", v.author()).put("created_at", v.createdAt()));
    }

    private static JsonObject json(final Store.DocumentVersion v, final Inventory inventory)
    {
        final JsonArray workloads = new JsonArray();
        inventory.workloads().forEach(w -> workloads.add(new JsonObject().put("name", w.name())
            .put("labels", new JsonObject(new java.util.LinkedHashMap<>(w.labels())))
            .put("addresses", new JsonArray(w.addresses().stream().map(Object::toString).toList()))));
        final JsonArray groups = new JsonArray();
        inventory.groups().forEach(g -> groups.add(new JsonObject().put("name", g.name())
            .put("cidrs", new JsonArray(g.cidrs().stream().map(Object::toString).toList()))
            .put("labels", new JsonObject(new java.util.LinkedHashMap<>(g.labels())))));
        return new JsonObject().put("version", v.version()).put("digest", v.digest())
            .put("description", v.description()).put("author", v.author()).put("created_at", v.createdAt())
            .put("document", v.document()).put("workloads", workloads).put("groups", groups);
    }
}
