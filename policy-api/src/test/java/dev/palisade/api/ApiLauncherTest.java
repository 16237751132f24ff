package dev.palisade.api;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting the API as {@code palisade api} does: dev mode's tokens and banner, and a clear failure without Keycloak. */
class ApiLauncherTest
{
    @TempDir
    Path dir;

    @Test
    void devModeWritesOneOwnerOnlyTokenPerRoleAndSaysItIsNotForProduction() throws Exception
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final ApiLauncher.Running running = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null,
            null, null, 5), new PrintStream(log, true, StandardCharsets.UTF_8)).toCompletionStage()
            .toCompletableFuture().get(60, TimeUnit.SECONDS);
        try
        {
            final Path tokens = dir.resolve("dev-tokens.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokens)));
            final JsonObject json = new JsonObject(Files.readString(tokens));
            assertEquals(Set.of("policy-admin", "policy-author", "auditor", "incident-responder"), json.fieldNames());
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("DEV MODE, NOT FOR PRODUCTION"), log.toString());

            final HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + running.server().port() + "/v1/policies")).header("Authorization", "Bearer " +
                json.getString("auditor")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode(), list.body());
        }
        finally
        {
            running.close();
        }
    }

    @Test
    void withoutKeycloakStartUpFailsAndSaysWhere() throws Exception
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final String issuer = "http://127.0.0.1:" + port + "/realms/palisade";
        final ExecutionException e = assertThrows(ExecutionException.class, () -> ApiLauncher.start(
            new ApiLauncher.Config("127.0.0.1", 0, dir, false, issuer, "palisade-api", null, 5),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).toCompletionStage()
            .toCompletableFuture().get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().startsWith("cannot reach Keycloak at " + issuer), e.getCause()
            .getMessage());
    }

    @Test
    void postgresPasswordsAreNotRepeatedInMessages()
    {
        assertEquals("postgresql://api:***@db:5432/palisade",
            ApiLauncher.redact("postgresql://api:s3cret@db:5432/palisade"));
    }
}
