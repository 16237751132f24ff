package dev.palisade.api;

import dev.palisade.api.auth.Authenticator;
import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The policy API's HTTP side: every route is declared once ({@link RouteSpec}: method, path as the OpenAPI document
 * writes it, the roles allowed, the handler), so authentication and authorisation are applied the same way
 * everywhere and a test can hold the routes and {@code /openapi.yaml} to each other.
 */
public final class ApiServer
{
    /** A bound on request bodies: a policy of 10,000 rules is about 1.5 MB of YAML. */
    public static final long MAX_BODY_BYTES = 8L * 1024 * 1024;

    private final Vertx vertx;
    private final Authenticator authenticator;
    private final Store store;
    private final List<RouteSpec> routes = new ArrayList<>();
    private HttpServer server;

    /** One route: {@code path} in OpenAPI form ({@code /v1/policies/{name}}). */
    public record RouteSpec(HttpMethod method, String path, String operationId, Set<Role> roles,
        Handler<Request> handler)
    {
    }

    /** What a handler gets: the routing context and the authenticated caller. */
    public record Request(RoutingContext context, Authenticator.Caller caller)
    {
        public Store.Actor actor()
        {
            return new Store.Actor(caller.name(), caller.roles().stream().map(Role::label).sorted()
                .collect(Collectors.joining(",")));
        }

        public String param(final String name)
        {
            return context.pathParam(name);
        }
    }

    /**
     * @param signer the policy-signing key for releases; null: releases are refused (503) and everything else works.
     */
    public ApiServer(final Vertx vertx, final Authenticator authenticator, final Store store,
        final ReleaseSigner signer)
    {
        this(vertx, authenticator, store, signer, null);
    }

    /** @param fleet the agent channel, for rollouts and live DPU state; null: rollouts answer 503. */
    public ApiServer(final Vertx vertx, final Authenticator authenticator, final Store store,
        final ReleaseSigner signer, final dev.palisade.api.fleet.Fleet fleet)
    {
        this.vertx = vertx;
        this.authenticator = authenticator;
        this.store = store;
        final Compilation compilation = new Compilation(vertx, store);
        new PolicyRoutes(store, compilation).register(routes);
        new InventoryRoutes(store, compilation).register(routes);
        new RuleSetRoutes(store, compilation).register(routes);
        new CompileRoutes(store, compilation).register(routes);
        new ReleaseRoutes(store, compilation, signer).register(routes);
        new RolloutRoutes(store, fleet, signer).register(routes);
        new DpuRoutes(store, fleet).register(routes);
        routes.add(new RouteSpec(HttpMethod.GET, "/v1/audit", "listAudit", Role.AUDIT_READERS, this::audit));
    }

    /** @return every route, as declared. */
    public List<RouteSpec> routes()
    {
        return List.copyOf(routes);
    }

    /** Starts listening; port 0 picks a free one. */
    public Future<HttpServer> listen(final String host, final int port)
    {
        final Router router = Router.router(vertx);
        // Bodies are read only for methods that take one, and not at all for a request with no bearer token (it is
        // refused before its body is buffered).
        final BodyHandler bodies = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
        for (final HttpMethod method : List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH))
        {
            router.route().method(method).handler(context ->
            {
                if (!Authenticator.hasBearer(context.request().getHeader("Authorization")))
                {
                    context.response().putHeader("WWW-Authenticate", "Bearer realm=\"palisade\"");
                    problem(context, Authenticator.NO_BEARER);
                    return;
                }
                bodies.handle(context);
            });
        }
        router.get("/healthz").handler(context -> json(context, 200, new JsonObject().put("status", "ok")));
        router.get("/readyz").handler(context -> store.ping().onComplete(ping ->
            json(context, ping.succeeded() && ping.result() ? 200 : 503, new JsonObject()
                .put("status", ping.succeeded() && ping.result() ? "ready" : "store unavailable"))));
        final String openapi = resource("openapi.yaml");
        router.get("/openapi.yaml").handler(context -> context.response()
            .putHeader("Content-Type", "application/yaml").end(openapi));
        for (final RouteSpec route : routes)
        {
            router.route(route.method(), route.path().replaceAll("\\{(\\w+)}", ":$1"))
                .handler(context -> handle(context, route));
        }
        router.route().last().handler(context -> problem(context, new ApiException(404, "not-found", "Not found",
            context.request().method() + " " + context.request().path() + " is not a route of this API " +
            "(see /openapi.yaml)")));
        router.route().failureHandler(this::failure);
        return vertx.createHttpServer().requestHandler(router).listen(port, host).onSuccess(s -> server = s);
    }

    private void handle(final RoutingContext context, final RouteSpec route)
    {
        authenticator.authenticate(context.request().getHeader("Authorization")).onComplete(result ->
        {
            if (result.failed())
            {
                context.response().putHeader("WWW-Authenticate", "Bearer realm=\"palisade\"");
                problem(context, result.cause());
                return;
            }
            final Authenticator.Caller caller = result.result();
            if (caller.roles().stream().noneMatch(route.roles()::contains))
            {
                problem(context, Authenticator.forbidden(route.method() + " " + route.path() + " needs one of the " +
                    "roles " + route.roles().stream().map(Role::label).sorted().toList() + "; you have " +
                    caller.roles().stream().map(Role::label).sorted().toList()));
                return;
            }
            try
            {
                route.handler().handle(new Request(context, caller));
            }
            catch (final RuntimeException e)
            {
                problem(context, e);
            }
        });
    }

    private void audit(final Request request)
    {
        final String after = request.context().queryParams().get("after");
        final long afterId;
        try
        {
            afterId = after == null ? 0 : Long.parseLong(after);
        }
        catch (final NumberFormatException e)
        {
            throw ApiException.invalidField("after", "must be an audit entry id");
        }
        store.audit(afterId, Http.limit(request.context())).onComplete(result ->
        {
            if (result.failed())
            {
                problem(request.context(), result.cause());
                return;
            }
            final io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
            result.result().items().forEach(entry -> items.add(new JsonObject().put("id", entry.id())
                .put("at", entry.at()).put("actor", entry.actor()).put("roles", entry.roles())
                .put("action", entry.action()).put("resource", entry.resource()).put("detail", entry.detail())));
            json(request.context(), 200, new JsonObject().put("items", items).put("next", result.result().next()));
        });
    }

    private void failure(final RoutingContext context)
    {
        if (context.statusCode() == 413)
        {
            problem(context, new ApiException(413, "too-large", "Request body too large", "bodies are limited to " +
                MAX_BODY_BYTES + " bytes"));
            return;
        }
        problem(context, context.failure() == null ? new ApiException(context.statusCode(), "error", "Error",
            "request failed") : context.failure());
    }

    /** A response body of something versioned: its ETag goes with it. */
    record Versioned(long version, JsonObject body)
    {
    }

    /** Answers with {@code body(result)} and, for a versioned document, its ETag (and Location when created). */
    static <T> void reply(final Request request, final Future<T> future, final int status,
        final Function<T, JsonObject> body)
    {
        future.onComplete(result ->
        {
            if (result.failed())
            {
                problem(request.context(), result.cause());
                return;
            }
            final T value = result.result();
            if (value instanceof Versioned v)
            {
                request.context().response().putHeader("ETag", Http.etag(v.version()));
            }
            if (value instanceof Store.DocumentVersion v)
            {
                request.context().response().putHeader("ETag", Http.etag(v.version()));
                if (status == 201)
                {
                    request.context().response().putHeader("Location", "/v1/" + v.kind().path() + "/" + v.name());
                }
            }
            final JsonObject json;
            try
            {
                json = body.apply(value);
            }
            catch (final RuntimeException e)
            {
                problem(request.context(), e);
                return;
            }
            json(request.context(), status, json);
        });
    }

    /** Answers 204 when {@code future} succeeds. */
    static void noContent(final Request request, final Future<?> future)
    {
        future.onComplete(result ->
        {
            if (result.failed())
            {
                problem(request.context(), result.cause());
                return;
            }
            request.context().response().setStatusCode(204).end();
        });
    }

    /** Answers a page: {@code {"items": [...], "next": cursor or null}}. */
    static <T> void page(final Request request, final Future<Store.Page<T>> future,
        final Function<T, JsonObject> item)
    {
        reply(request, future, 200, page ->
        {
            final JsonArray items = new JsonArray();
            page.items().forEach(value -> items.add(item.apply(value)));
            return new JsonObject().put("items", items).put("next", page.next());
        });
    }

    /** Sends an error as problem+json; anything but an {@link ApiException} is a 500 that says nothing inside. */
    public static void problem(final RoutingContext context, final Throwable error)
    {
        final ApiException api = error instanceof ApiException e ? e : new ApiException(500, "internal",
            "Internal error", "the server failed to handle the request; it has been logged");
        if (!(error instanceof ApiException))
        {
            System.err.println("policy-api: " + context.request().method() + " " + context.request().path() + ": " +
                error);
        }
        if (context.response().ended())
        {
            return;
        }
        context.response().setStatusCode(api.status()).putHeader("Content-Type", Http.PROBLEM_JSON)
            .end(api.toProblem(context.request().path()).encode());
    }

    public static void json(final RoutingContext context, final int status, final JsonObject body)
    {
        context.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    private static String resource(final String name)
    {
        try (InputStream in = ApiServer.class.getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IllegalStateException(name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public int port()
    {
        return server.actualPort();
    }

    public Future<Void> close()
    {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
