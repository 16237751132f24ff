package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.testing.DevApi;
import dev.palisade.api.testing.RouteWalk;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API in dev mode (tokens from a local key), over HTTP on a free port: the OpenAPI document matches the
 * routes, every route refuses callers without a token (401) or without a role it allows (403), and the policy
 * lifecycle with its status codes, ETags and problem documents.
 */
class ApiServerTest
{
    @TempDir
    static Path dir;

    private static DevApi api;
    private static ApiServer server;
    private static Map<String, String> tokens;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception
    {
        api = DevApi.start(dir, false);
        tokens = api.tokens();
        server = api.server();
    }

    @AfterAll
    static void stop() throws Exception
    {
        api.close();
    }

    static HttpResponse<String> call(final String method, final String path, final String token, final String body,
        final String ifMatch) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() +
            path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody() :
            HttpRequest.BodyPublishers.ofString(body));
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        if (ifMatch != null)
        {
            request.header("If-Match", ifMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> openapi() throws Exception
    {
        final String text = call("GET", "/openapi.yaml", null, null, null).body();
        return (Map<String, Object>)new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    /** Method, path and roles of every operation in the document that needs a token. */
    @SuppressWarnings("unchecked")
    static Set<String> documented() throws Exception
    {
        final Set<String> out = new TreeSet<>();
        final Map<String, Object> paths = (Map<String, Object>)openapi().get("paths");
        paths.forEach((path, item) -> ((Map<String, Object>)item).forEach((method, operation) ->
        {
            if (operation instanceof Map<?, ?> op && op.containsKey("x-palisade-roles"))
            {
                out.add(method.toUpperCase() + " " + path + " " + new TreeSet<>((List<String>)op.get(
                    "x-palisade-roles")));
            }
        }));
        return out;
    }

    /** The token with one character of its signature changed. */
    static String tampered(final String token)
    {
        final int at = token.lastIndexOf('.') + 20;
        return token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    }

    @Test
    void theOpenApiDocumentMatchesTheRoutes() throws Exception
    {
        assertEquals("3.1.0", openapi().get("openapi"));
        final Set<String> routes = new TreeSet<>();
        for (final ApiServer.RouteSpec route : server.routes())
        {
            final Set<String> roles = new TreeSet<>();
            route.roles().forEach(role -> roles.add(role.label()));
            routes.add(route.method().name() + " " + route.path() + " " + roles);
        }
        assertEquals(routes, documented());
    }

    @Test
    void everyRouteRefusesNoTokenAndRolesItDoesNotAllow() throws Exception
    {
        final List<RouteWalk.Caller> callers = new ArrayList<>();
        for (final Role role : Role.values())
        {
            callers.add(new RouteWalk.Caller(role.label(), tokens.get(role.label()), Set.of(role)));
        }
        final int checked = RouteWalk.assertRefusals(server.routes(), ApiServerTest::call,
            Map.of("a token with a changed signature", tampered(tokens.get("policy-admin"))), callers);
        assertTrue(checked > 0);
    }

    @Test
    void policyLifecycle() throws Exception
    {
        final String author = tokens.get("policy-author");
        final String document = Files.readString(Path.of("../examples/policies/branch.yaml"));
        final String body = new JsonObject().put("document", document).put("description", "first").encode();

        final HttpResponse<String> created = call("POST", "/v1/policies", author, body, null);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("\"1\"", created.headers().firstValue("ETag").orElse(""));
        assertEquals("/v1/policies/branch", created.headers().firstValue("Location").orElse(""));
        assertTrue(new JsonObject(created.body()).getString("digest").startsWith("sha256:"));
        assertEquals(409, call("POST", "/v1/policies", author, body, null).statusCode());

        final HttpResponse<String> read = call("GET", "/v1/policies/branch", tokens.get("auditor"), null, null);
        assertEquals(200, read.statusCode());
        assertEquals(document, new JsonObject(read.body()).getString("document"));

        assertEquals(428, call("PUT", "/v1/policies/branch", author, body, null).statusCode());
        final HttpResponse<String> updated = call("PUT", "/v1/policies/branch", author, body, "\"1\"");
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals("\"2\"", updated.headers().firstValue("ETag").orElse(""));
        final HttpResponse<String> stale = call("PUT", "/v1/policies/branch", author, body, "\"1\"");
        assertEquals(412, stale.statusCode());
        assertTrue(stale.body().contains("is at version 2, not 1"), stale.body());

        final HttpResponse<String> unknown = call("POST", "/v1/policies", author, new JsonObject()
            .put("document", document).put("owner", "me").encode(), null);
        assertEquals(400, unknown.statusCode());
        assertEquals("owner", new JsonObject(unknown.body()).getJsonArray("errors").getJsonObject(0)
            .getString("field"));

        final HttpResponse<String> invalid = call("POST", "/v1/policies", author, new JsonObject()
            .put("document", "apiVersion: palisade.dev/v1\nkind: Policy\nmetadata: {name: x}\ntiers: {x: []}\n")
            .encode(), null);
        assertEquals(400, invalid.statusCode(), invalid.body());
        final JsonObject error = new JsonObject(invalid.body()).getJsonArray("errors").getJsonObject(0);
        assertEquals("document", error.getString("field"));
        assertTrue(error.getInteger("line") >= 1, error.encode());

        final HttpResponse<String> versions = call("GET", "/v1/policies/branch/versions", author, null, null);
        assertEquals(2, new JsonObject(versions.body()).getJsonArray("items").size());
        assertEquals(204, call("DELETE", "/v1/policies/branch", author, null, "\"2\"").statusCode());
        assertEquals(404, call("GET", "/v1/policies/branch", author, null, null).statusCode());

        final HttpResponse<String> audit = call("GET", "/v1/audit", tokens.get("auditor"), null, null);
        assertEquals(200, audit.statusCode());
        final List<String> actions = new ArrayList<>();
        new JsonObject(audit.body()).getJsonArray("items").forEach(e -> actions.add(((JsonObject)e)
            .getString("action")));
        assertEquals(List.of("policy.create", "policy.update", "policy.delete"), actions);
        assertEquals(403, call("GET", "/v1/audit", author, null, null).statusCode());

        assertEquals(404, call("GET", "/v1/nothing", author, null, null).statusCode());
        assertEquals(200, call("GET", "/healthz", null, null, null).statusCode());
        assertEquals(200, call("GET", "/readyz", null, null, null).statusCode());
    }
}
