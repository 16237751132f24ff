package dev.palisade.api;

import dev.palisade.api.auth.DevAuth;
import dev.palisade.api.auth.Role;
import dev.palisade.api.testing.KeycloakServer;
import dev.palisade.api.testing.RouteWalk;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API in Keycloak mode against a real Keycloak ({@link KeycloakServer}, realm {@code palisade-realm.json}), with
 * the realm's own tokens: every route refuses callers without a valid token (401) or without a role it allows (403),
 * tokens signed by another key or for another audience are refused, and the realm's users get through where their
 * role allows, under their own name in the audit log.
 */
@ExtendWith(KeycloakServer.Extension.class)
class KeycloakApiTest
{
    /** The realm's users and their realm roles, as {@code palisade-realm.json} gives them. */
    private static final Map<String, Set<Role>> USERS = users();

    /** A client of the realm whose tokens are for itself, not for the API. */
    private static final String OTHER_AUDIENCE = "palisade-other-service";
    /** A client of the realm whose tokens name no audience (Keycloak's default for a new client). */
    private static final String NO_AUDIENCE = "palisade-no-audience";

    @TempDir
    static Path dir;

    private static KeycloakServer keycloak;
    private static ApiLauncher.Running api;
    private static final Map<String, String> TOKENS = new LinkedHashMap<>();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Map<String, Set<Role>> users()
    {
        final Map<String, Set<Role>> users = new LinkedHashMap<>();
        users.put("admin", Set.of(Role.POLICY_ADMIN));
        users.put("author", Set.of(Role.POLICY_AUTHOR));
        users.put("auditor", Set.of(Role.AUDITOR));
        users.put("responder", Set.of(Role.INCIDENT_RESPONDER));
        users.put("nobody", Set.of());
        return Collections.unmodifiableMap(users);
    }

    @BeforeAll
    static void start(final KeycloakServer server) throws Exception
    {
        keycloak = server;
        api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir.resolve("api"), false, keycloak.issuer(),
            KeycloakServer.API_CLIENT, null, 0), System.out).toCompletionStage().toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
        for (final String user : USERS.keySet())
        {
            TOKENS.put(user, keycloak.token(user));
        }
        keycloak.addPublicClient(OTHER_AUDIENCE, OTHER_AUDIENCE);
        keycloak.addPublicClient(NO_AUDIENCE, null);
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (api != null)
        {
            api.close();
        }
    }

    private static HttpResponse<String> call(final String method, final String path, final String token,
        final String body, final String ifMatch) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
            api.server().port() + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody() :
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

    /** @return the claims of a JWT, unverified: to show what a token carries. */
    private static JsonObject claims(final String token)
    {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
            StandardCharsets.UTF_8));
    }

    /** @return the {@code aud} claim, which a JWT may give as one string or an array. */
    private static List<String> audiences(final JsonObject claims)
    {
        final Object aud = claims.getValue("aud");
        final List<String> out = new ArrayList<>();
        if (aud instanceof JsonArray array)
        {
            array.forEach(a -> out.add(String.valueOf(a)));
        }
        else if (aud != null)
        {
            out.add(aud.toString());
        }
        return out;
    }

    /** @return a Keycloak token of this realm for user admin (policy-admin), through a client of another audience. */
    private static String otherAudienceToken() throws Exception
    {
        return keycloak.token(OTHER_AUDIENCE, "admin", "admin-pass");
    }

    @Test
    void theRealmsTokensAreForTheApiAndCarryTheUsersRoles()
    {
        USERS.forEach((user, roles) ->
        {
            final JsonObject claims = claims(TOKENS.get(user));
            assertEquals(keycloak.issuer(), claims.getString("iss"));
            assertTrue(audiences(claims).contains(KeycloakServer.API_CLIENT), claims.encode());
            assertEquals(user, claims.getString("preferred_username"));
            // Keycloak leaves realm_access out when the user has no realm role (nobody).
            final JsonArray realmRoles = claims.getJsonObject("realm_access", new JsonObject())
                .getJsonArray("roles", new JsonArray());
            for (final Role role : Role.values())
            {
                assertEquals(roles.contains(role), realmRoles.contains(role.label()), user + ": " + realmRoles);
            }
        });
    }

    @Test
    void everyRouteRefusesInvalidTokensAndUsersWhoseRoleItDoesNotAllow() throws Exception
    {
        final Map<String, String> invalid = new LinkedHashMap<>();
        invalid.put("a Keycloak token with a changed signature", ApiServerTest.tampered(TOKENS.get("admin")));
        invalid.put("a token signed by another key (dev mode's)", DevAuth.create(api.vertx(), 5).tokenPerRole()
            .get(Role.POLICY_ADMIN.label()));
        invalid.put("a Keycloak token for another audience", otherAudienceToken());
        final List<RouteWalk.Caller> callers = new ArrayList<>();
        USERS.forEach((user, roles) -> callers.add(new RouteWalk.Caller(user, TOKENS.get(user), roles)));
        final List<ApiServer.RouteSpec> routes = api.server().routes();
        final int checked = RouteWalk.assertRefusals(routes, KeycloakApiTest::call, invalid, callers);
        assertTrue(checked >= routes.size(), "user nobody alone is refused by every route: " + checked);
    }

    @Test
    void nobodyIsForbiddenEverywhere() throws Exception
    {
        for (final ApiServer.RouteSpec route : api.server().routes())
        {
            final HttpResponse<String> refused = call(route.method().name(), RouteWalk.path(route),
                TOKENS.get("nobody"), RouteWalk.body(route), "\"1\"");
            assertEquals(403, refused.statusCode(), route + ": " + refused.body());
            assertTrue(refused.body().contains("you have []"), refused.body());
        }
    }

    @Test
    void aTokenSignedByAnotherKeyIsRefused() throws Exception
    {
        for (final String token : DevAuth.create(api.vertx(), 5).tokenPerRole().values())
        {
            final HttpResponse<String> refused = call("GET", "/v1/policies", token, null, null);
            assertEquals(401, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        }
    }

    @Test
    void aKeycloakTokenForAnotherAudienceIsRefused() throws Exception
    {
        final String token = otherAudienceToken();
        final JsonObject claims = claims(token);
        // Everything but the audience is right: the realm's issuer and key, and a role that may do anything.
        assertEquals(keycloak.issuer(), claims.getString("iss"));
        assertTrue(claims.getJsonObject("realm_access").getJsonArray("roles").contains("policy-admin"));
        assertEquals(List.of(OTHER_AUDIENCE), audiences(claims), claims.encode());
        final HttpResponse<String> refused = call("GET", "/v1/policies", token, null, null);
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals(200, call("GET", "/v1/policies", TOKENS.get("admin"), null, null).statusCode());
    }

    @Test
    void aKeycloakTokenNamingNoAudienceIsRefused() throws Exception
    {
        final String token = keycloak.token(NO_AUDIENCE, "admin", "admin-pass");
        final JsonObject claims = claims(token);
        assertTrue(claims.getJsonObject("realm_access").getJsonArray("roles").contains("policy-admin"));
        assertEquals(List.of(), audiences(claims), claims.encode());
        final HttpResponse<String> refused = call("GET", "/v1/policies", token, null, null);
        assertEquals(401, refused.statusCode(), refused.body());
    }

    @Test
    void usersGetThroughWhereTheirRoleAllows() throws Exception
    {
        final HttpResponse<String> list = call("GET", "/v1/policies", TOKENS.get("auditor"), null, null);
        assertEquals(200, list.statusCode(), list.body());
        // Every read a user's role allows gets past authorisation (then 200, or 404 for a made-up name).
        for (final ApiServer.RouteSpec route : api.server().routes())
        {
            if (route.method() != HttpMethod.GET)
            {
                continue;
            }
            for (final Map.Entry<String, Set<Role>> user : USERS.entrySet())
            {
                if (!Collections.disjoint(route.roles(), user.getValue()))
                {
                    final HttpResponse<String> response = call("GET", RouteWalk.path(route),
                        TOKENS.get(user.getKey()), null, null);
                    assertNotEquals(401, response.statusCode(), user.getKey() + " on " + route);
                    assertNotEquals(403, response.statusCode(), user.getKey() + " on " + route);
                }
            }
        }
    }

    @Test
    void anAuthorCreatesAPolicyAndTheAuditLogNamesThem() throws Exception
    {
        final String document = Files.readString(Path.of("../examples/policies/branch.yaml"));
        final HttpResponse<String> created = call("POST", "/v1/policies", TOKENS.get("author"),
            new JsonObject().put("document", document).encode(), null);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(403, call("GET", "/v1/audit", TOKENS.get("author"), null, null).statusCode());

        final HttpResponse<String> audit = call("GET", "/v1/audit", TOKENS.get("auditor"), null, null);
        assertEquals(200, audit.statusCode(), audit.body());
        final List<JsonObject> creates = new ArrayList<>();
        new JsonObject(audit.body()).getJsonArray("items").forEach(item ->
        {
            if ("policy.create".equals(((JsonObject)item).getString("action")))
            {
                creates.add((JsonObject)item);
            }
        });
        assertEquals(1, creates.size(), audit.body());
        assertEquals("author", creates.getFirst().getString("actor"), audit.body());
        assertEquals("policy-author", creates.getFirst().getString("roles"), audit.body());
    }
}
