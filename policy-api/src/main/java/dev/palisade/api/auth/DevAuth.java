package dev.palisade.api.auth;

import dev.palisade.policy.AtomicFiles;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dev mode's stand-in for Keycloak: a key made at start-up (never stored) signs short-lived tokens shaped like
 * Keycloak's ({@code realm_access.roles}, {@code aud}, {@code iss}), one per role, and validates them. Not for
 * production: anyone who can read the token file has the roles.
 */
public final class DevAuth
{
    public static final String ISSUER = "palisade-dev";
    public static final String AUDIENCE = "palisade-api";

    private final JWTAuth provider;
    private final int lifetimeMinutes;

    private DevAuth(final JWTAuth provider, final int lifetimeMinutes)
    {
        this.provider = provider;
        this.lifetimeMinutes = lifetimeMinutes;
    }

    public static DevAuth create(final Vertx vertx, final int lifetimeMinutes)
    {
        final KeyPair pair;
        try
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            pair = generator.generateKeyPair();
        }
        catch (final NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e)
        {
            throw new IllegalStateException("every Java runtime has EC P-256", e);
        }
        final JWTAuthOptions options = new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm("ES256").setBuffer(pem("PUBLIC KEY",
                pair.getPublic().getEncoded())))
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm("ES256").setBuffer(pem("PRIVATE KEY",
                pair.getPrivate().getEncoded())))
            .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setAudience(List.of(AUDIENCE)));
        return new DevAuth(JWTAuth.create(vertx, options), lifetimeMinutes);
    }

    private static String pem(final String type, final byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) +
            "\n-----END " + type + "-----\n";
    }

    /** @return the provider that validates these tokens. */
    public JWTAuth provider()
    {
        return provider;
    }

    /** @return a token for a user called {@code username} with {@code roles}. */
    public String token(final String username, final List<Role> roles)
    {
        final JsonArray names = new JsonArray();
        roles.forEach(role -> names.add(role.label()));
        return provider.generateToken(new JsonObject()
                .put("sub", "dev:" + username)
                .put("preferred_username", username)
                .put("realm_access", new JsonObject().put("roles", names)),
            new JWTOptions().setAlgorithm("ES256").setIssuer(ISSUER).setAudience(List.of(AUDIENCE))
                .setExpiresInMinutes(lifetimeMinutes));
    }

    /** @return one token per role, keyed by role label. */
    public Map<String, String> tokenPerRole()
    {
        final Map<String, String> tokens = new LinkedHashMap<>();
        for (final Role role : Role.values())
        {
            tokens.put(role.label(), token("dev-" + role.label(), List.of(role)));
        }
        return tokens;
    }

    /** Writes {@code dev-tokens.json} owner-only, replacing the file atomically. */
    public static Path writeTokens(final Path dataDir, final Map<String, String> tokens) throws IOException
    {
        final Path file = dataDir.resolve("dev-tokens.json");
        final JsonObject json = new JsonObject();
        tokens.forEach(json::put);
        AtomicFiles.write(file, (json.encodePrettily() + "\n").getBytes(StandardCharsets.UTF_8), true, true);
        return file;
    }
}
