package dev.palisade.api.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak for tests: the distribution Maven unpacks (system property {@code palisade.keycloak.home}) started
 * in dev mode with the test realm ({@code keycloak/palisade-realm.json}) on free ports, and stopped by its PID. It
 * starts once per test run (about 20 s): a test class asks for it with {@link Extension}, which keeps it in JUnit's
 * root store, and JUnit closes it when the run ends.
 *
 * <p>Each start uses the distribution in place with a fresh {@code data} directory (H2 database, imported realm), so
 * nothing a run leaves behind changes the next one, and makes a master-realm administrator with a random password
 * (for {@link #addPublicClient}). Keycloak's output goes to {@code keycloak.log} beside the
 * distribution (in the build's target folder).
 */
public final class KeycloakServer implements AutoCloseable
{
    /** The realm in {@code palisade-realm.json}. */
    public static final String REALM = "palisade";
    /** The API's client: tokens from {@link #token} carry it as audience. */
    public static final String API_CLIENT = "palisade-api";

    private static final String CLI_CLIENT = "palisade-cli";
    /** The master realm's administrator, made at first start (each start is a first: the data is fresh). */
    private static final String ADMIN_USER = "palisade-test-admin";
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    private final Process process;
    private final Path log;
    private final int port;
    private final String adminPassword;
    private final Thread shutdownHook;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private KeycloakServer(final Process process, final Path log, final int port, final String adminPassword)
    {
        this.process = process;
        this.log = log;
        this.port = port;
        this.adminPassword = adminPassword;
        // A backstop for a JVM stopped before JUnit closes its store: never leave a Keycloak running.
        this.shutdownHook = new Thread(this::stop, "keycloak-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Resolves a {@link KeycloakServer} parameter (of a {@code @BeforeAll} method, say) with the run's one Keycloak,
     * starting it on first use.
     */
    public static final class Extension implements ParameterResolver
    {
        private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KeycloakServer.class);

        @Override
        public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext context)
        {
            return parameter.getParameter().getType() == KeycloakServer.class;
        }

        @Override
        public Object resolveParameter(final ParameterContext parameter, final ExtensionContext context)
        {
            // The root store lives for the whole run; JUnit closes AutoCloseable values in it when the run ends.
            return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KeycloakServer.class, type ->
            {
                try
                {
                    return start(home());
                }
                catch (final Exception e)
                {
                    throw new IllegalStateException("cannot start Keycloak: " + e.getMessage(), e);
                }
            }, KeycloakServer.class);
        }
    }

    /** @return the unpacked distribution, from {@code palisade.keycloak.home} (Maven's surefire sets it). */
    static Path home()
    {
        final String home = System.getProperty("palisade.keycloak.home");
        if (home == null || !Files.isExecutable(Path.of(home, "bin", "kc.sh")))
        {
            throw new IllegalStateException("no Keycloak distribution at palisade.keycloak.home=" + home + "; run " +
                "the tests through Maven (policy-api's pom unpacks org.keycloak:keycloak-quarkus-dist) or set it to " +
                "an unpacked keycloak-VERSION folder");
        }
        return Path.of(home).toAbsolutePath();
    }

    /** Starts Keycloak from the distribution at {@code home} and waits until the realm answers. */
    public static KeycloakServer start(final Path home) throws Exception
    {
        final Path data = home.resolve("data");
        deleteRecursively(data);
        final Path realm = data.resolve("import").resolve("palisade-realm.json");
        Files.createDirectories(realm.getParent());
        try (InputStream in = KeycloakServer.class.getResourceAsStream("/keycloak/palisade-realm.json"))
        {
            if (in == null)
            {
                throw new IllegalStateException("keycloak/palisade-realm.json is missing from the test resources");
            }
            Files.copy(in, realm, StandardCopyOption.REPLACE_EXISTING);
        }
        final int port = freePort();
        final Path log = home.resolveSibling("keycloak.log");
        final ProcessBuilder builder = new ProcessBuilder(home.resolve("bin").resolve("kc.sh").toString(),
            "start-dev", "--import-realm", "--http-host", "127.0.0.1", "--http-port", Integer.toString(port),
            "--http-management-port", Integer.toString(freePort()))
            .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        // Keycloak needs Java 21+: the JVM running the tests is one.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // An administrator, for tests that need more of the realm than palisade-realm.json gives (addPublicClient).
        final String adminPassword = UUID.randomUUID().toString();
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        final long startNs = System.nanoTime();
        final KeycloakServer server = new KeycloakServer(builder.start(), log, port, adminPassword);
        try
        {
            server.awaitRealm(startNs);
        }
        catch (final Exception e)
        {
            server.close();
            throw e;
        }
        System.out.printf("keycloak: %s up on port %d in %.1f s (log: %s)%n", home.getFileName(), port,
            (System.nanoTime() - startNs) / 1e9, log);
        return server;
    }

    private void awaitRealm(final long startNs) throws Exception
    {
        final HttpRequest discovery = HttpRequest.newBuilder(URI.create(issuer() +
            "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() - startNs < START_TIMEOUT_NS)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + ":\n" + logTail());
            }
            try
            {
                if (http.send(discovery, HttpResponse.BodyHandlers.discarding()).statusCode() == 200)
                {
                    return;
                }
            }
            catch (final IOException notYet)
            {
                // Not listening yet.
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Keycloak did not serve realm " + REALM + " in " +
            TimeUnit.NANOSECONDS.toSeconds(START_TIMEOUT_NS) + " s:\n" + logTail());
    }

    /** @return the last lines of Keycloak's log, for failure messages. */
    public String logTail()
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
        catch (final IOException e)
        {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** @return the realm's URL, which is also its tokens' issuer: {@code http://127.0.0.1:PORT/realms/palisade}. */
    public String issuer()
    {
        return "http://127.0.0.1:" + port + "/realms/" + REALM;
    }

    /** @return an access token for a user of the test realm whose password is {@code USERNAME-pass}. */
    public String token(final String username) throws Exception
    {
        return token(CLI_CLIENT, username, username + "-pass");
    }

    /**
     * @param clientId the public client to ask through (password grant): {@code palisade-cli} adds the API as
     *                 audience; one from {@link #addPublicClient} does not.
     * @return an access token, from Keycloak's token endpoint.
     */
    public String token(final String clientId, final String username, final String password) throws Exception
    {
        return passwordGrant(issuer(), clientId, username, password);
    }

    private String passwordGrant(final String realmUrl, final String clientId, final String username,
        final String password) throws Exception
    {
        final String form = Map.of("client_id", clientId, "grant_type", "password", "username", username,
                "password", password).entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(realmUrl +
                "/protocol/openid-connect/token")).timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
        {
            throw new IllegalStateException("Keycloak gave no token for " + username + " through " + clientId +
                ": HTTP " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body()).getString("access_token");
    }

    /**
     * Adds a public client to the realm (Keycloak's defaults, so its tokens carry the user's realm roles) that gives
     * tokens to users by password, through the admin REST API. Adding one that exists does nothing.
     *
     * @param audience what its tokens carry as {@code aud} (an audience mapper); null: no {@code aud} at all.
     */
    public void addPublicClient(final String clientId, final String audience) throws Exception
    {
        final JsonObject client = new JsonObject().put("clientId", clientId).put("publicClient", true)
            .put("directAccessGrantsEnabled", true).put("standardFlowEnabled", false);
        if (audience != null)
        {
            client.put("protocolMappers", new JsonArray().add(new JsonObject().put("name", "audience")
                .put("protocol", "openid-connect").put("protocolMapper", "oidc-audience-mapper")
                .put("config", new JsonObject().put("included.custom.audience", audience)
                    .put("access.token.claim", "true").put("id.token.claim", "false"))));
        }
        final String admin = passwordGrant("http://127.0.0.1:" + port + "/realms/master", "admin-cli", ADMIN_USER,
            adminPassword);
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                port + "/admin/realms/" + REALM + "/clients")).timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(client.encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201 && response.statusCode() != 409)
        {
            throw new IllegalStateException("Keycloak did not add client " + clientId + ": HTTP " +
                response.statusCode() + " " + response.body());
        }
    }

    public int port()
    {
        return port;
    }

    @Override
    public void close()
    {
        stop();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // Called from the hook itself, or during shutdown: nothing to remove.
        }
    }

    /** Stops by PID: SIGTERM to kc.sh's process (it execs java) and its descendants, then SIGKILL after 30 s. */
    private void stop()
    {
        final List<ProcessHandle> processes = new ArrayList<>();
        processes.add(process.toHandle());
        try (Stream<ProcessHandle> descendants = process.descendants())
        {
            descendants.forEach(processes::add);
        }
        processes.forEach(ProcessHandle::destroy);
        for (final ProcessHandle handle : processes)
        {
            try
            {
                handle.onExit().get(30, TimeUnit.SECONDS);
            }
            catch (final Exception stillRunning)
            {
                // Killed below.
            }
        }
        processes.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.delete(path);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
