package dev.palisade.api.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.api.ApiServer;
import dev.palisade.api.testing.DevApi;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary request bodies to every route that takes one, as an admin (so every check past authorisation runs): the
 * answer is never a 500 and always JSON (a problem document, or the resource). The first byte chooses the route; the
 * store holds an inventory, a policy, a rule set and a DPU, so that valid-looking bodies reach compilation, signing
 * and the store. In {@code mvn test} only the seeds in {@code ApiBodyFuzzTestInputs/fuzzBodies} run;
 * {@code JAZZER_FUZZ=1} fuzzes. Jazzer's server-side request forgery detector is off for this module
 * (junit-platform.properties): connecting to the API on loopback is the point of the test.
 */
class ApiBodyFuzzTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ApiServer SERVER;
    private static final String TOKEN;
    private static final List<ApiServer.RouteSpec> ROUTES;

    static
    {
        try
        {
            final DevApi api = DevApi.start(Files.createTempDirectory("palisade-api-fuzz"), true);
            TOKEN = api.tokens().get("policy-admin");
            SERVER = api.server();
            ROUTES = SERVER.routes().stream().filter(r -> r.method() == HttpMethod.POST ||
                r.method() == HttpMethod.PUT || r.method() == HttpMethod.PATCH).toList();
            send("PUT", "/v1/inventory", "{\"document\": \"workloads: [{name: web, labels: {app: web}, " +
                "addresses: [10.1.0.0/24]}]\"}", "\"0\"");
            send("POST", "/v1/policies", "{\"document\": \"{apiVersion: palisade.dev/v1, kind: Policy, metadata: " +
                "{name: shop}, tiers: {baseline: [{name: r, from: {workload: web}, to: {any: true}, action: " +
                "deny}]}}\"}", null);
            send("POST", "/v1/rulesets", "{\"name\": \"site\", \"rules\": \"alert tcp any any -> any any " +
                "(content:\\\"x\\\"; sid:1;)\"}", null);
            send("POST", "/v1/dpus", "{\"id\": \"dpu-1\"}", null);
        }
        catch (final Exception e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static HttpResponse<String> send(final String method, final String path, final String body,
        final String ifMatch) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SERVER.port() +
            path)).method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json");
        if (ifMatch != null)
        {
            request.header("If-Match", ifMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzBodies(final byte[] input) throws Exception
    {
        if (input.length == 0)
        {
            return;
        }
        final ApiServer.RouteSpec route = ROUTES.get((input[0] & 0xff) % ROUTES.size());
        final String path = route.path().replace("{name}", route.path().startsWith("/v1/rulesets") ? "site" :
            "shop").replace("{id}", "dpu-1");
        final byte[] body = Arrays.copyOfRange(input, 1, input.length);
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SERVER.port() + path))
            .method(route.method().name(), HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
            .header("If-Match", "\"1\"").build();
        final HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertNotEquals(500, response.statusCode(), route.method() + " " + path + " with " +
            new String(body, java.nio.charset.StandardCharsets.UTF_8) + ": " + response.body());
        if (response.statusCode() != 204)
        {
            final String type = response.headers().firstValue("Content-Type").orElse("");
            assertTrue(type.startsWith("application/json") || type.startsWith("application/problem+json"), type);
            new JsonObject(response.body());
        }
    }
}
