package dev.palisade.api;

import dev.palisade.api.auth.Authenticator;
import dev.palisade.api.auth.DevAuth;
import dev.palisade.api.store.Store;
import dev.palisade.api.testing.DevApi;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.TargetSelector;
import dev.palisade.policy.compile.CompiledPolicyDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API's resources over HTTP in dev mode: the fleet inventory, policies against it and their diffs, DPI rule sets
 * (upload, skip report, enable and disable), dry-run compiles, signed releases (verified as a DPU verifies them) and
 * the DPU fleet with quarantine. Each class has its own store, so tests here build on one another in order.
 */
class ResourcesApiTest
{
    @TempDir
    static Path dir;

    private static DevApi api;
    private static Vertx vertx;
    private static ApiServer server;
    private static Store store;
    private static Map<String, String> tokens;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final String INVENTORY = """
        workloads:
          - {name: web, labels: {app: web}, addresses: [10.1.0.0/24]}
          - {name: db, labels: {app: db}, addresses: [10.2.0.0/24]}
        groups:
          - {name: resolvers, cidrs: [10.9.9.9]}
        """;

    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: shop}
        tiers:
          application:
            - {name: web-db, from: {workload: web}, to: {workload: db}, protocol: tcp, ports: [5432], action: allow}
            - {name: dns, from: {any: true}, to: {group: resolvers}, protocol: udp, ports: [53], action: allow}
          baseline:
            - {name: rest, from: {any: true}, to: {any: true}, action: deny}
        """;

    private static final String RULES = """
        # a comment
        alert http any any -> any any (msg:"admin page"; content:"/admin"; http.uri; sid:1001; rev:1;)
        alert tcp any any -> any any (msg:"byte test"; byte_test:1,>,2,0; sid:1002;)
        drop tcp any any -> any 23 (msg:"telnet"; sid:1003;)
        """;

    @BeforeAll
    static void start() throws Exception
    {
        api = DevApi.start(dir, true);
        vertx = api.vertx();
        tokens = api.tokens();
        store = api.store();
        server = api.server();
    }

    @AfterAll
    static void stop() throws Exception
    {
        api.close();
    }

    static HttpResponse<byte[]> raw(final String method, final String path, final String role, final Object body,
        final String ifMatch) throws Exception
    {
        final String text = body == null ? null : body instanceof JsonObject json ? json.encode() : (String)body;
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() +
            path)).method(method, text == null ? HttpRequest.BodyPublishers.noBody() :
            HttpRequest.BodyPublishers.ofString(text));
        request.header("Authorization", "Bearer " + tokens.get(role));
        if (text != null)
        {
            request.header("Content-Type", "application/json");
        }
        if (ifMatch != null)
        {
            request.header("If-Match", ifMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A call whose answer must have {@code status}; its JSON body. */
    static JsonObject call(final int status, final String method, final String path, final String role,
        final Object body, final String ifMatch) throws Exception
    {
        final HttpResponse<byte[]> response = raw(method, path, role, body, ifMatch);
        final String text = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), method + " " + path + ": " + text);
        return text.isEmpty() ? new JsonObject() : new JsonObject(text);
    }

    static String etag(final String path) throws Exception
    {
        return raw("GET", path, "auditor", null, null).headers().firstValue("ETag").orElseThrow();
    }

    private static List<String> strings(final JsonArray array, final String field)
    {
        final List<String> out = new ArrayList<>();
        array.forEach(item -> out.add(String.valueOf(((JsonObject)item).getValue(field))));
        return out;
    }

    @Test
    void inventoryPoliciesDiffsRuleSetsCompileAndReleases() throws Exception
    {
        // The inventory starts empty at version 0; a policy that needs it is refused until it is there.
        final JsonObject empty = call(200, "GET", "/v1/inventory", "auditor", null, null);
        assertEquals(0, empty.getLong("version"));
        final JsonObject refused = call(400, "POST", "/v1/policies", "policy-author",
            new JsonObject().put("document", POLICY), null);
        assertTrue(refused.getJsonArray("errors").getJsonObject(0).getString("reason").contains("unknown workload"),
            refused.encode());
        call(412, "PUT", "/v1/inventory", "policy-author", new JsonObject().put("document", INVENTORY), "\"3\"");
        final JsonObject badInventory = call(400, "PUT", "/v1/inventory", "policy-author",
            new JsonObject().put("document", "workloads:\n  - {name: Web}\n"), "\"0\"");
        assertEquals(2, badInventory.getJsonArray("errors").getJsonObject(0).getInteger("line"));
        final JsonObject inventory = call(200, "PUT", "/v1/inventory", "policy-author",
            new JsonObject().put("document", INVENTORY), "\"0\"");
        assertEquals(1, inventory.getLong("version"));
        assertEquals(List.of("web", "db"), strings(inventory.getJsonArray("workloads"), "name"));
        call(412, "PUT", "/v1/inventory", "policy-author", new JsonObject().put("document", INVENTORY), "\"0\"");

        // Policies refer to the fleet's names.
        call(201, "POST", "/v1/policies", "policy-author", new JsonObject().put("document", POLICY), null);
        // An inventory that would break the stored policy is refused, naming policy and line.
        final JsonObject breaking = call(409, "PUT", "/v1/inventory", "policy-author",
            new JsonObject().put("document", INVENTORY.replace("name: db", "name: database")), "\"1\"");
        final JsonObject broken = breaking.getJsonArray("errors").getJsonObject(0);
        assertEquals("shop", broken.getString("policy"));
        assertEquals(6, broken.getInteger("line"));

        // A dry run: errors with positions, or findings and the change against the stored policy.
        final JsonObject invalid = call(200, "POST", "/v1/compile", "policy-author",
            new JsonObject().put("document", POLICY.replace("action: deny", "action: maybe")), null);
        assertFalse(invalid.getBoolean("ok"));
        assertEquals(9, invalid.getJsonArray("errors").getJsonObject(0).getInteger("line"));
        final String proposed = POLICY.replace("ports: [53]", "ports: [53, 853]") +
            "    - {name: late, from: {any: true}, to: {any: true}, action: allow}\n";
        final JsonObject dry = call(200, "POST", "/v1/compile", "policy-author",
            new JsonObject().put("document", proposed), null);
        assertTrue(dry.getBoolean("ok"), dry.encode());
        assertEquals(4, dry.getInteger("segmentation_rules"));
        assertTrue(strings(dry.getJsonArray("findings"), "rule").contains("late"), "the rule after a catch-all " +
            "deny never matches: " + dry.getJsonArray("findings"));
        assertEquals(List.of("changed", "added"), strings(dry.getJsonObject("changes").getJsonArray("rules"),
            "change"));
        assertEquals(1, dry.getJsonObject("changes").getLong("against_version"));
        call(400, "POST", "/v1/compile", "policy-author", new JsonObject().put("document", POLICY)
            .put("policy", "shop"), null);
        call(403, "POST", "/v1/compile", "auditor", new JsonObject().put("policy", "shop"), null);
        assertEquals("shop", call(200, "POST", "/v1/compile", "policy-admin", new JsonObject().put("policy", "shop"),
            null).getString("policy"));

        // Diff between versions: rule changes and the text.
        call(200, "PUT", "/v1/policies/shop", "policy-author", new JsonObject().put("document", proposed), "\"1\"");
        final JsonObject diff = call(200, "GET", "/v1/policies/shop/diff", "auditor", null, null);
        assertEquals(1, diff.getLong("from"));
        assertEquals(2, diff.getLong("to"));
        assertEquals(List.of("dns", "late"), strings(diff.getJsonArray("rules"), "rule"));
        assertEquals(List.of("ports"), diff.getJsonArray("rules").getJsonObject(0).getJsonArray("fields").getList());
        // Lists and histories name versions; documents come one at a time.
        final JsonObject versions = call(200, "GET", "/v1/policies/shop/versions", "auditor", null, null);
        assertEquals(List.of("2", "1"), strings(versions.getJsonArray("items"), "version"));
        assertFalse(versions.getJsonArray("items").getJsonObject(0).containsKey("document"));
        assertEquals(POLICY, call(200, "GET", "/v1/policies/shop/versions/1", "auditor", null, null)
            .getString("document"));
        assertTrue(diff.getString("text").contains("+    - {name: late"), diff.getString("text"));
        assertTrue(diff.getString("text").startsWith("--- shop@1\n+++ shop@2"), diff.getString("text"));
        call(404, "GET", "/v1/policies/shop/diff?from=7", "auditor", null, null);
        call(400, "GET", "/v1/policies/shop/diff?from=x", "auditor", null, null);

        // DPI rule sets: an invalid rule refuses the upload, naming its line.
        final JsonObject badRules = call(400, "POST", "/v1/rulesets", "policy-author", new JsonObject()
            .put("name", "site").put("rules", RULES + "alert tcp any any any any (sid:9;)\n"), null);
        assertEquals(5, badRules.getJsonArray("errors").getJsonObject(0).getInteger("line"));
        final JsonObject ruleSet = call(201, "POST", "/v1/rulesets", "policy-author", new JsonObject()
            .put("name", "site").put("rules", RULES), null);
        assertEquals(new JsonObject().put("rules", 3).put("loaded", 2).put("skipped", 1).put("disabled", 0),
            ruleSet.getJsonObject("counts"));
        final JsonObject report = call(200, "GET", "/v1/rulesets/site/report", "auditor", null, null);
        assertEquals(1L, report.getJsonObject("skipped_by_keyword").getLong("byte_test"));
        assertEquals(1002L, report.getJsonArray("skipped_rules").getJsonObject(0).getLong("sid"));
        final JsonObject unknownSid = call(400, "PATCH", "/v1/rulesets/site/rules", "policy-author",
            new JsonObject().put("disable", new JsonArray().add(4242)), "\"1\"");
        assertEquals(4242L, unknownSid.getJsonArray("errors").getJsonObject(0).getLong("sid"));
        call(428, "PATCH", "/v1/rulesets/site/rules", "policy-author", new JsonObject().put("disable",
            new JsonArray().add(1003)), null);
        final JsonObject toggled = call(200, "PATCH", "/v1/rulesets/site/rules", "policy-author",
            new JsonObject().put("disable", new JsonArray().add(1003)), "\"1\"");
        assertEquals(2, toggled.getLong("version"));
        assertEquals(1, toggled.getJsonObject("counts").getInteger("disabled"));
        final JsonObject disabledOnly = call(200, "GET", "/v1/rulesets/site/rules?state=disabled", "auditor", null,
            null);
        assertEquals(List.of("1003"), strings(disabledOnly.getJsonArray("items"), "sid"));
        assertFalse(call(200, "GET", "/v1/rulesets", "auditor", null, null).getJsonArray("items").getJsonObject(0)
            .containsKey("rules"), "a list of rule sets does not carry their text");
        final JsonObject firstPage = call(200, "GET", "/v1/rulesets/site/rules?limit=2", "auditor", null, null);
        assertEquals(2, firstPage.getJsonArray("items").size());
        final JsonObject secondPage = call(200, "GET", "/v1/rulesets/site/rules?limit=2&after=" +
            firstPage.getString("next"), "auditor", null, null);
        assertEquals(List.of("1003"), strings(secondPage.getJsonArray("items"), "sid"));
        assertNull(secondPage.getString("next"));

        // Releases: authors may not; the admin's release is signed, chained and verifies as a DPU verifies it.
        final JsonObject request = new JsonObject().put("policy", "shop").put("rulesets", new JsonArray()
            .add("site")).put("target", "labels:site=fra1");
        call(403, "POST", "/v1/releases", "policy-author", request, null);
        call(400, "POST", "/v1/releases", "policy-admin", request.copy().put("rulesets", new JsonArray()
            .add("nope")), null);
        call(400, "POST", "/v1/releases", "policy-admin", request.copy().put("target", "somewhere"), null);
        call(400, "POST", "/v1/releases", "policy-admin", request.copy().put("expires_in_days", 0), null);
        final JsonObject first = call(201, "POST", "/v1/releases", "policy-admin", request, null);
        assertEquals(1, first.getLong("version"));
        assertEquals(1, first.getJsonObject("summary").getInteger("dpi_rules"), "one loads; one skipped, one off");
        assertEquals(1, first.getJsonObject("summary").getInteger("dpi_rules_disabled"));
        final JsonObject second = call(201, "POST", "/v1/releases", "policy-admin", request.copy()
            .put("policy_version", 1), null);
        assertEquals(2, second.getLong("version"));
        assertEquals(first.getString("digest"), second.getString("previous_digest"));
        assertEquals(1, second.getJsonObject("policy").getLong("version"));

        // The admin pins what was reviewed: an inventory that moved on is refused; a rule set version is taken as named.
        final JsonObject moved = call(409, "POST", "/v1/releases", "policy-admin", request.copy()
            .put("inventory_version", 0), null);
        assertTrue(moved.getString("detail").contains("inventory is at version 1, not 0"), moved.encode());
        final JsonObject pinned = call(201, "POST", "/v1/releases", "policy-admin", request.copy()
            .put("rulesets", new JsonArray().add("site@1")).put("inventory_version", 1), null);
        assertEquals(2, pinned.getJsonObject("summary").getInteger("dpi_rules"), "version 1 had nothing disabled");
        assertEquals(1, pinned.getJsonArray("rulesets").getJsonObject(0).getLong("version"));
        call(400, "POST", "/v1/releases", "policy-admin", request.copy().put("rulesets", new JsonArray()
            .add("site@9")), null);
        call(400, "POST", "/v1/releases", "policy-admin", request.copy().put("rulesets", new JsonArray()
            .add("site@1").add("site")), null);

        final HttpResponse<byte[]> download = raw("GET", second.getString("bundle"), "incident-responder", null,
            null);
        assertEquals(200, download.statusCode());
        assertEquals("\"" + second.getString("digest") + "\"", download.headers().firstValue("ETag").orElse(""));
        final BundleVerifier.Result verified = BundleVerifier.builder().root(ReleaseSigner.devRoot(dir))
            .now(Instant.now()).target("dpu-7", Map.of("site", "fra1")).build().verify(download.body());
        assertInstanceOf(BundleVerifier.Verified.class, verified, verified.toString());
        final Bundle bundle = Bundle.decode(download.body());
        assertEquals(TargetSelector.parse("labels:site=fra1"), bundle.manifest().target());
        assertEquals("shop", CompiledPolicyDecoder.decode(bundle.policy()).name());
        assertEquals(3, CompiledPolicyDecoder.decode(bundle.policy()).rules().size(), "version 1 of the policy");
        assertTrue(new String(bundle.rules(), StandardCharsets.UTF_8).contains("sid:1001"));
        assertFalse(new String(bundle.rules(), StandardCharsets.UTF_8).contains("sid:1003"), "disabled");
        final BundleVerifier.Result elsewhere = BundleVerifier.builder().root(ReleaseSigner.devRoot(dir))
            .now(Instant.now()).target("dpu-8", Map.of("site", "ams1")).build().verify(download.body());
        assertEquals(BundleVerifier.Reason.NOT_TARGETED, assertInstanceOf(BundleVerifier.Rejected.class, elsewhere)
            .reason(), "another site's DPU refuses it");

        final JsonObject listed = call(200, "GET", "/v1/releases?target=labels:site=fra1&limit=1", "auditor",
            null, null);
        assertEquals(List.of("3"), strings(listed.getJsonArray("items"), "version"));
        assertEquals(2, call(200, "GET", "/v1/releases?before=" + listed.getString("next"), "auditor", null, null)
            .getJsonArray("items").size());
        call(404, "GET", "/v1/releases/99", "auditor", null, null);
        call(400, "GET", "/v1/releases/x", "auditor", null, null);

        final List<String> actions = strings(call(200, "GET", "/v1/audit?limit=500", "auditor", null, null)
            .getJsonArray("items"), "action").stream().filter(a -> !a.startsWith("dpu.")).toList();
        assertEquals(List.of("inventory.create", "policy.create", "policy.update", "ruleset.create",
            "ruleset.update", "release.create", "release.create", "release.create"), actions);
    }

    @Test
    void dpusAreRegisteredListedAndQuarantined() throws Exception
    {
        call(400, "POST", "/v1/dpus", "policy-admin", new JsonObject().put("id", "bad id"), null);
        call(400, "POST", "/v1/dpus", "policy-admin", new JsonObject().put("id", "d1").put("labels",
            new JsonObject().put("site", 3)), null);
        call(403, "POST", "/v1/dpus", "incident-responder", new JsonObject().put("id", "dpu-a"), null);
        final JsonObject registered = call(201, "POST", "/v1/dpus", "policy-admin", new JsonObject()
            .put("id", "dpu-a").put("labels", new JsonObject().put("site", "fra1")), null);
        assertEquals("unknown", registered.getJsonObject("attestation").getString("status"));
        call(409, "POST", "/v1/dpus", "policy-admin", new JsonObject().put("id", "dpu-a"), null);
        call(201, "POST", "/v1/dpus", "policy-admin", new JsonObject().put("id", "dpu-b"), null);

        final JsonObject page = call(200, "GET", "/v1/dpus?limit=1", "auditor", null, null);
        assertEquals(List.of("dpu-a"), strings(page.getJsonArray("items"), "id"));
        assertEquals(List.of("dpu-b"), strings(call(200, "GET", "/v1/dpus?limit=1&after=" + page.getString("next"),
            "auditor", null, null).getJsonArray("items"), "id"));

        call(403, "PUT", "/v1/dpus/dpu-a/quarantine", "policy-author", new JsonObject().put("reason", "x"), null);
        call(400, "PUT", "/v1/dpus/dpu-a/quarantine", "incident-responder", new JsonObject(), null);
        final JsonObject quarantined = call(200, "PUT", "/v1/dpus/dpu-a/quarantine", "incident-responder",
            new JsonObject().put("reason", "beaconing to a known C2"), null);
        assertTrue(quarantined.getJsonObject("quarantine").getBoolean("active"));
        assertEquals("beaconing to a known C2", call(200, "GET", "/v1/dpus/dpu-a", "auditor", null, null)
            .getJsonObject("quarantine").getString("reason"));
        assertFalse(call(200, "DELETE", "/v1/dpus/dpu-a/quarantine", "incident-responder", null, null)
            .getJsonObject("quarantine").getBoolean("active"));
        call(404, "PUT", "/v1/dpus/nope/quarantine", "incident-responder", new JsonObject().put("reason", "x"), null);
        call(404, "GET", "/v1/dpus/nope", "auditor", null, null);
    }

    @Test
    void withoutASigningKeyReleasesAreRefusedSayingWhy() throws Exception
    {
        final DevAuth dev = DevAuth.create(vertx, 5);
        final ApiServer other = new ApiServer(vertx, new Authenticator(dev.provider(), null), store, null);
        other.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        try
        {
            final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                other.port() + "/v1/releases")).header("Authorization", "Bearer " + dev.tokenPerRole()
                .get("policy-admin")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"policy\":\"shop\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(503, response.statusCode());
            assertTrue(response.body().contains("--signing-key"), response.body());
        }
        finally
        {
            other.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
