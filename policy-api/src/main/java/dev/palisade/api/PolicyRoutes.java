package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Policy;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** {@code /v1/policies}: policy documents with every version kept. */
final class PolicyRoutes
{
    /** A document may be as large as a request body allows. */
    private static final int MAX_DOCUMENT_CHARS = PolicyParser.MAX_DOCUMENT_CHARS;
    private static final Set<String> FIELDS = Set.of("document", "description");

    private final Store store;

    PolicyRoutes(final Store store)
    {
        this.store = store;
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
    }

    /** A parsed, compiled document: its name and digest. */
    private record Checked(String name, String digest)
    {
    }

    /** Parses and compiles a document; its problems become a 400 naming line and column of each. */
    static Checked check(final String document)
    {
        final Policy policy;
        try
        {
            policy = PolicyParser.parse("document", document);
        }
        catch (final PolicyException e)
        {
            final JsonArray errors = new JsonArray();
            for (final PolicyProblem problem : e.problems())
            {
                errors.add(new JsonObject().put("field", "document").put("line", problem.at().line())
                    .put("column", problem.at().column()).put("reason", problem.message()));
            }
            throw ApiException.badRequest("the policy document has " + e.problems().size() +
                (e.truncated() ? "+" : "") + " error(s)", errors);
        }
        return new Checked(policy.name(), "sha256:" + PolicyCompiler.compile(policy).digest());
    }

    private void create(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.requiredString(body, "document", MAX_DOCUMENT_CHARS);
        final String description = Http.optionalString(body, "description", 1000);
        final Checked checked = check(document);
        reply(request, store.createPolicy(checked.name(), document, checked.digest(), description, request.actor()),
            201);
    }

    private void update(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.requiredString(body, "document", MAX_DOCUMENT_CHARS);
        final String description = Http.optionalString(body, "description", 1000);
        final Checked checked = check(document);
        if (!checked.name().equals(request.param("name")))
        {
            throw ApiException.invalidField("document", "metadata.name is '" + checked.name() + "', but this is " +
                "policy '" + request.param("name") + "' (renaming is creating another policy)");
        }
        reply(request, store.updatePolicy(checked.name(), expected, document, checked.digest(), description,
            request.actor()), 200);
    }

    private void delete(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        store.deletePolicy(request.param("name"), expected, request.actor()).onComplete(result ->
        {
            if (result.failed())
            {
                ApiServer.problem(request.context(), result.cause());
                return;
            }
            request.context().response().setStatusCode(204).end();
        });
    }

    private void get(final ApiServer.Request request)
    {
        reply(request, store.getPolicy(request.param("name")), 200);
    }

    private void version(final ApiServer.Request request)
    {
        final long version;
        try
        {
            version = Long.parseLong(request.param("version"));
        }
        catch (final NumberFormatException e)
        {
            throw ApiException.invalidField("version", "must be a version number");
        }
        reply(request, store.getPolicyVersion(request.param("name"), version), 200);
    }

    private void list(final ApiServer.Request request)
    {
        store.listPolicies(request.context().queryParams().get("after"), Http.limit(request.context()))
            .onComplete(result -> page(request, result, false));
    }

    private void history(final ApiServer.Request request)
    {
        final String before = request.context().queryParams().get("before");
        final Long beforeVersion;
        try
        {
            beforeVersion = before == null ? null : Long.parseLong(before);
        }
        catch (final NumberFormatException e)
        {
            throw ApiException.invalidField("before", "must be a version number");
        }
        store.policyHistory(request.param("name"), beforeVersion, Http.limit(request.context()))
            .onComplete(result -> page(request, result, true));
    }

    private static void page(final ApiServer.Request request,
        final io.vertx.core.AsyncResult<Store.Page<Store.PolicyVersion>> result, final boolean withDocuments)
    {
        if (result.failed())
        {
            ApiServer.problem(request.context(), result.cause());
            return;
        }
        final JsonArray items = new JsonArray();
        result.result().items().forEach(v -> items.add(json(v, withDocuments)));
        ApiServer.json(request.context(), 200, new JsonObject().put("items", items).put("next",
            result.result().next()));
    }

    private static void reply(final ApiServer.Request request, final Future<Store.PolicyVersion> future,
        final int status)
    {
        future.onComplete(result ->
        {
            if (result.failed())
            {
                ApiServer.problem(request.context(), result.cause());
                return;
            }
            final Store.PolicyVersion v = result.result();
            request.context().response().putHeader("ETag", Http.etag(v.version()));
            if (status == 201)
            {
                request.context().response().putHeader("Location", "/v1/policies/" + v.name());
            }
            ApiServer.json(request.context(), status, json(v, true));
        });
    }

    static JsonObject json(final Store.PolicyVersion v, final boolean withDocument)
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
