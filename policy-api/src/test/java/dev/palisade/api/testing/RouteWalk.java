package dev.palisade.api.testing;

import dev.palisade.api.ApiServer;
import dev.palisade.api.auth.Role;
import io.vertx.core.http.HttpMethod;

import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Walks every route the server declares ({@link ApiServer#routes()}, so a new route is checked without editing a
 * test) and asserts it refuses callers: 401 with problem+json and a {@code WWW-Authenticate: Bearer} challenge
 * without a token or with a token that is not valid, 403 for a caller with none of the route's roles. The refusals
 * come before any handler runs, so the requests need not make sense: every path parameter is {@code 1}, bodies are
 * {@code {}} and {@code If-Match} is {@code "1"}.
 */
public final class RouteWalk
{
    /** Sends one request to the server under test. */
    @FunctionalInterface
    public interface Call
    {
        HttpResponse<String> send(String method, String path, String token, String body, String ifMatch)
            throws Exception;
    }

    /** A caller with a valid token and these roles (none: a user who may not use the API at all). */
    public record Caller(String name, String token, Set<Role> roles)
    {
    }

    private RouteWalk()
    {
    }

    /** @return the route's path with every {@code {param}} replaced by {@code 1}. */
    public static String path(final ApiServer.RouteSpec route)
    {
        return route.path().replaceAll("\\{\\w+}", "1");
    }

    /** @return {@code {}} for a method that takes a body, else null. */
    public static String body(final ApiServer.RouteSpec route)
    {
        final HttpMethod method = route.method();
        return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH ? "{}" : null;
    }

    /**
     * @param invalidTokens tokens every route must answer with 401, by what is wrong with them.
     * @param callers       valid callers: each must get 403 from every route that allows none of its roles.
     * @return how many 403 refusals were checked.
     */
    public static int assertRefusals(final List<ApiServer.RouteSpec> routes, final Call call,
        final Map<String, String> invalidTokens, final List<Caller> callers) throws Exception
    {
        int forbidden = 0;
        for (final ApiServer.RouteSpec route : routes)
        {
            final String method = route.method().name();
            final String path = path(route);
            final String body = body(route);
            assertUnauthorized(call.send(method, path, null, body, "\"1\""), "no token: " + route);
            for (final Map.Entry<String, String> invalid : invalidTokens.entrySet())
            {
                assertUnauthorized(call.send(method, path, invalid.getValue(), body, "\"1\""),
                    invalid.getKey() + ": " + route);
            }
            for (final Caller caller : callers)
            {
                if (Collections.disjoint(route.roles(), caller.roles()))
                {
                    final HttpResponse<String> refused = call.send(method, path, caller.token(), body, "\"1\"");
                    assertEquals(403, refused.statusCode(), caller.name() + " " + caller.roles() + " on " + route +
                        ": " + refused.body());
                    assertEquals("application/problem+json", refused.headers().firstValue("Content-Type")
                        .orElse(""), caller.name() + " on " + route);
                    assertTrue(refused.body().contains("needs one of the roles"), refused.body());
                    forbidden++;
                }
            }
        }
        return forbidden;
    }

    private static void assertUnauthorized(final HttpResponse<String> response, final String what)
    {
        assertEquals(401, response.statusCode(), what + ": " + response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""), what);
        assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), what);
    }
}
