package dev.palisade.api.auth;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.authorization.AuthorizationProvider;
import io.vertx.ext.auth.authorization.RoleBasedAuthorization;
import io.vertx.ext.auth.oauth2.authorization.KeycloakAuthorization;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bearer token into a caller with roles. Keycloak's tokens (validated against the realm's keys from OIDC
 * discovery) and dev-mode tokens (signed by a local key) have the same shape, so one {@link KeycloakAuthorization}
 * reads the roles of both: realm roles, and client roles of the API's client.
 */
public final class Authenticator
{
    private final AuthenticationProvider tokens;
    private final AuthorizationProvider roles = KeycloakAuthorization.create();
    private final String clientId;
    /**
     * Tokens already validated, with their caller: verifying an ES256 signature costs far more than the rest of a
     * request, and clients send the same token until it expires. A hit is the identical token string (so the same
     * signature) and is used only while the token has not expired; bounded, and emptied when full.
     */
    private final Map<String, Validated> validated = new ConcurrentHashMap<>();

    /** Most tokens remembered. */
    static final int MAX_CACHED_TOKENS = 10_000;

    private record Validated(Caller caller, User user)
    {
    }

    /**
     * @param clientId the API's client id: its client roles count as well as realm roles (null: realm roles only).
     */
    public Authenticator(final AuthenticationProvider tokens, final String clientId)
    {
        this.tokens = tokens;
        this.clientId = clientId;
    }

    /** A caller: who, and which roles. */
    public record Caller(String subject, String name, Set<Role> roles)
    {
    }

    /** @return the caller, or a failed future with a 401 {@link ApiException}. */
    public Future<Caller> authenticate(final String authorizationHeader)
    {
        if (!hasBearer(authorizationHeader))
        {
            return Future.failedFuture(NO_BEARER);
        }
        final String token = authorizationHeader.substring(7).strip();
        if (token.isEmpty() || token.length() > 16_384)
        {
            return Future.failedFuture(unauthorized("the bearer token is empty or too long"));
        }
        final Validated known = validated.get(token);
        if (known != null)
        {
            if (!known.user().expired())
            {
                return Future.succeededFuture(known.caller());
            }
            validated.remove(token);
        }
        return tokens.authenticate(new TokenCredentials(token))
            .recover(e -> Future.failedFuture(unauthorized("the bearer token is not valid (expired, not signed by " +
                "the issuer, or for another audience)")))
            .compose(user -> clientId != null && !audiences(user).contains(clientId) ?
                Future.failedFuture(unauthorized("the bearer token is not for this API: its audience (aud) must " +
                    "name '" + clientId + "'")) : Future.succeededFuture(user))
            .compose(user -> roles.getAuthorizations(user).map(ignored -> remember(token, user))
                .recover(e -> Future.failedFuture(unauthorized("the token carries no roles"))));
    }

    /**
     * The token's audiences. A resource server must find itself there (RFC 9068 section 4); Vert.x checks the
     * audience only when a token names one, so a realm token with no {@code aud} would pass without this.
     */
    static java.util.List<String> audiences(final User user)
    {
        final io.vertx.core.json.JsonObject claims = user.attributes().getJsonObject("accessToken",
            user.principal());
        final Object aud = claims.getValue("aud");
        if (aud instanceof String one)
        {
            return java.util.List.of(one);
        }
        if (aud instanceof io.vertx.core.json.JsonArray many)
        {
            final java.util.List<String> out = new java.util.ArrayList<>();
            many.forEach(a -> out.add(String.valueOf(a)));
            return out;
        }
        return java.util.List.of();
    }

    private Caller remember(final String token, final User user)
    {
        final Caller caller = caller(user);
        // Only tokens that say when they expire are remembered, and not past that.
        if (user.attributes().containsKey("exp") || user.principal().containsKey("exp"))
        {
            if (validated.size() >= MAX_CACHED_TOKENS)
            {
                validated.clear();
            }
            validated.put(token, new Validated(caller, user));
        }
        return caller;
    }

    private Caller caller(final User user)
    {
        final EnumSet<Role> granted = EnumSet.noneOf(Role.class);
        for (final Role role : Role.values())
        {
            if (RoleBasedAuthorization.create(role.label()).match(user) ||
                (clientId != null && RoleBasedAuthorization.create(role.label()).setResource(clientId).match(user)))
            {
                granted.add(role);
            }
        }
        final String subject = user.subject() == null ? "unknown" : user.subject();
        final String name = user.principal().getString("preferred_username",
            user.attributes().getJsonObject("accessToken", new io.vertx.core.json.JsonObject())
                .getString("preferred_username", subject));
        return new Caller(subject, name, granted);
    }

    /** The answer to a request that carries no bearer token. */
    public static final ApiException NO_BEARER = unauthorized("a bearer token is required (Authorization: Bearer " +
        "TOKEN)");

    /** @return whether an Authorization header offers a bearer token (not whether the token is any good). */
    public static boolean hasBearer(final String authorizationHeader)
    {
        return authorizationHeader != null && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    public static ApiException unauthorized(final String detail)
    {
        return new ApiException(401, "unauthorized", "Authentication required", detail);
    }

    public static ApiException forbidden(final String detail)
    {
        return new ApiException(403, "forbidden", "Not allowed", detail);
    }
}
