package dev.palisade.enforcement.agent;

import dev.palisade.attestation.pki.Pki;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.testing.Seeded;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The management API over real mutual TLS on 127.0.0.1: roles from client certificates, the routes and their
 * refusals, quarantine through the firewall, and the doors that must stay shut: no certificate, another CA's
 * certificate, another local address, a wildcard bind. Random bodies to {@code PUT /v1/quarantine} never make a 500.
 */
class ManagementServerTest
{
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);
    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: branch}
        inventory:
          workloads:
            - {name: web-1, labels: {app: web, env: prod}, addresses: [10.0.5.10]}
            - {name: db-1, labels: {app: db, env: prod}, addresses: [10.0.6.10, "2001:db8:6::10"]}
        tiers:
          application:
            - {name: web, from: {any: true}, to: {labels: {app: web}}, protocol: tcp, ports: [443], action: allow}
        """;

    private static Vertx vertx;
    private static Pki.Authority serverCa;
    private static Pki.Authority clientCa;
    private static Pki.Authority otherCa;
    private static String serverCertificatePem;
    private static String serverKeyPem;

    private final List<HttpClientAgent> clients = new ArrayList<>();
    /**
     * Where the clients' requests are made. Vert.x 5.0's HttpClient, called from a thread of its own (the test's),
     * now and then never sends a request on a kept-alive connection (seen after 20 to 2,600 requests, TLS or not);
     * from one Vert.x context it does not.
     */
    private Context context;
    private final AtomicInteger flowLimit = new AtomicInteger();
    private Firewall firewall;
    private ManagementServer server;
    private int port;

    @BeforeAll
    static void authorities()
    {
        vertx = Vertx.vertx();
        serverCa = Pki.Authority.create("dpu-7 management CA", Duration.ofDays(1));
        clientCa = Pki.Authority.create("responders CA", Duration.ofDays(1));
        otherCa = Pki.Authority.create("someone else's CA", Duration.ofDays(1));
        final KeyPair pair = Pki.newKeyPair();
        serverCertificatePem = Pki.certificatePem(serverCa.issue(pair.getPublic(), "dpu-7", Pki.Usage.SERVER,
            List.of(), List.of("127.0.0.1"), Instant.now(), Duration.ofDays(1)));
        serverKeyPem = Pki.privateKeyPem(pair.getPrivate());
    }

    @AfterAll
    static void stopVertx() throws Exception
    {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws Exception
    {
        firewall = new Firewall(Releases.compile(POLICY), List.of(), Firewall.EstablishedFlows.RECHECK);
        final QuarantineControl quarantine = new FirewallQuarantineControl(firewall,
            List.of(Quarantine.ManagementAccess.parse("198.51.100.0/24:tcp/22")), CLOCK);
        server = new ManagementServer(vertx, config("127.0.0.1", false),
            () -> new JsonObject().put("dpu", "dpu-7").put("release", 3),
            limit ->
            {
                flowLimit.set(limit);
                return new JsonArray().add(new JsonObject().put("src", "10.0.5.10"));
            }, quarantine);
        port = server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() throws Exception
    {
        for (final HttpClientAgent client : clients)
        {
            client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static ManagementServer.Config config(final String host, final boolean allowWildcard)
    {
        return new ManagementServer.Config(host, 0, serverCertificatePem, serverKeyPem, clientCa.certificatePem(),
            allowWildcard);
    }

    /** A client with a certificate from {@code ca} carrying {@code roles} (none: no certificate at all). */
    private HttpClientAgent client(final Pki.Authority ca, final String... roles)
    {
        final HttpClientOptions options = new HttpClientOptions().setSsl(true).setVerifyHost(true)
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(serverCa.certificatePem())));
        if (ca != null)
        {
            final KeyPair pair = Pki.newKeyPair();
            final List<String> uris = new ArrayList<>();
            for (final String role : roles)
            {
                uris.add(Pki.ROLE_URI_PREFIX + role);
            }
            final X509CertificateHolder certificate = ca.issue(pair.getPublic(), "alice", Pki.Usage.CLIENT, uris,
                List.of(), Instant.now(), Duration.ofDays(1));
            options.setKeyCertOptions(new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(Pki.certificatePem(certificate)))
                .setKeyValue(Buffer.buffer(Pki.privateKeyPem(pair.getPrivate()))));
        }
        final HttpClientAgent client = vertx.createHttpClient(options);
        clients.add(client);
        return client;
    }

    record Response(int status, String contentType, String allow, String authenticate, String body)
    {
        JsonObject json()
        {
            return new JsonObject(body);
        }

        String detail()
        {
            return json().getString("detail");
        }
    }

    private Response send(final HttpClientAgent client, final HttpMethod method, final String path,
        final Buffer body) throws Exception
    {
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        context.runOnContext(ignored -> exchange(client, method, path, body).onComplete((response, failure) ->
        {
            if (failure != null)
            {
                answer.completeExceptionally(failure);
            }
            else
            {
                answer.complete(response);
            }
        }));
        return answer.get(30, TimeUnit.SECONDS); // a bound on a hang, not a timed assertion
    }

    private Future<Response> exchange(final HttpClientAgent client, final HttpMethod method, final String path,
        final Buffer body)
    {
        return client.request(new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path))
            .compose(request -> body == null ? request.send() : request.putHeader("Content-Type", "application/json")
                .send(body))
            .compose(response -> response.body().map(bytes -> new Response(response.statusCode(),
                response.getHeader("Content-Type"), response.getHeader("Allow"),
                response.getHeader("WWW-Authenticate"), bytes.toString(StandardCharsets.UTF_8))));
    }

    private Response send(final HttpClientAgent client, final HttpMethod method, final String path,
        final String body) throws Exception
    {
        return send(client, method, path, body == null ? null : Buffer.buffer(body));
    }

    private static void assertProblem(final Response response, final int status, final String detailPart)
    {
        assertEquals(status, response.status(), response.body());
        assertEquals(ManagementServer.PROBLEM_JSON, response.contentType());
        final JsonObject problem = response.json();
        assertEquals(status, problem.getInteger("status"));
        assertTrue(problem.getString("type").startsWith("https://palisade.dev/problems/"), response.body());
        assertTrue(problem.getString("detail").contains(detailPart), problem.getString("detail"));
    }

    @Test
    void aViewerReadsStatusAndFlows() throws Exception
    {
        final HttpClientAgent viewer = client(clientCa, ManagementServer.VIEWER);
        final Response status = send(viewer, HttpMethod.GET, "/v1/status", (String)null);
        assertEquals(200, status.status());
        assertEquals("application/json", status.contentType());
        assertEquals(new JsonObject().put("dpu", "dpu-7").put("release", 3), status.json());

        final Response flows = send(viewer, HttpMethod.GET, "/v1/flows?limit=5", (String)null);
        assertEquals(200, flows.status());
        assertEquals("10.0.5.10", flows.json().getJsonArray("flows").getJsonObject(0).getString("src"));
        assertEquals(5, flowLimit.get());
        send(viewer, HttpMethod.GET, "/v1/flows", (String)null);
        assertEquals(ManagementServer.DEFAULT_FLOW_LIMIT, flowLimit.get());
        assertProblem(send(viewer, HttpMethod.GET, "/v1/flows?limit=0", (String)null), 400,
            "limit must be a whole number from 1 to");
    }

    @Test
    void aViewerCannotQuarantine() throws Exception
    {
        final Response response = send(client(clientCa, ManagementServer.VIEWER), HttpMethod.PUT, "/v1/quarantine",
            "{\"targets\": [\"web-1\"], \"reason\": \"incident 42\"}");
        assertProblem(response, 403, "needs the role responder");
        assertTrue(firewall.program().quarantine().isEmpty(), "nothing changed");
        assertProblem(send(client(clientCa, ManagementServer.VIEWER), HttpMethod.DELETE, "/v1/quarantine",
            (String)null), 403, "use a certificate with that role");
    }

    @Test
    void aResponderQuarantinesAndLifts() throws Exception
    {
        final HttpClientAgent responder = client(clientCa, ManagementServer.RESPONDER);
        final Response set = send(responder, HttpMethod.PUT, "/v1/quarantine",
            "{\"targets\": [\"web-1\", \"app=db\", \"10.0.9.0/24\"], \"reason\": \"incident 42\"}");
        assertEquals(200, set.status(), set.body());
        final JsonObject state = set.json();
        assertTrue(state.getBoolean("active"));
        assertEquals(new JsonArray().add("workload=web-1").add("app=db").add("10.0.9.0/24"),
            state.getJsonArray("targets"));
        assertEquals(Set.of("10.0.5.10/32", "10.0.6.10/32", "2001:db8:6::10/128", "10.0.9.0/24"),
            Set.copyOf(state.getJsonArray("addresses").getList()));
        assertEquals("incident 42", state.getString("reason"));
        assertEquals("2026-11-21T12:00:00Z", state.getString("since"));
        assertEquals(firewall.program().generation(), state.getLong("generation"));
        assertEquals(3, firewall.program().quarantine().targets().size(), "the firewall enforces it");

        assertEquals(200, send(responder, HttpMethod.GET, "/v1/status", (String)null).status(),
            "responders read status");
        assertProblem(send(responder, HttpMethod.GET, "/v1/flows", (String)null), 403, "needs the role viewer");

        final Response lifted = send(responder, HttpMethod.DELETE, "/v1/quarantine", "{\"reason\": \"contained\"}");
        assertEquals(200, lifted.status(), lifted.body());
        assertFalse(lifted.json().getBoolean("active"));
        assertEquals("contained", lifted.json().getString("reason"));
        assertTrue(firewall.program().quarantine().isEmpty());
        assertEquals(200, send(responder, HttpMethod.DELETE, "/v1/quarantine", (String)null).status(),
            "a reason is optional when lifting");
    }

    @Test
    void badQuarantineRequestsSayWhatIsWrongAndChangeNothing() throws Exception
    {
        final HttpClientAgent responder = client(clientCa, ManagementServer.RESPONDER);
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine",
            "{\"targets\": [\"web-1\"], \"reason\": \"x\", \"until\": \"tomorrow\"}"), 400, "unknown fields [until]");
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine",
            "{\"targets\": [\"web-9\"], \"reason\": \"x\"}"), 400, "workload=web-9 matches no workload");
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine",
            "{\"targets\": [\"10.0.300.1\"], \"reason\": \"x\"}"), 400, "invalid address '10.0.300.1'");
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine", "{\"targets\": [\"web-1\"]}"), 400,
            "reason must be a non-blank string");
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine", "{\"targets\": [], \"reason\": \"x\"}"),
            400, "targets must be a non-empty array");
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine", "[1, 2]"), 400, "the body is not a JSON " +
            "object");
        final String big = "{\"targets\": [\"web-1\"], \"reason\": \"" + "x".repeat(ManagementServer.MAX_BODY_BYTES) +
            "\"}";
        assertProblem(send(responder, HttpMethod.PUT, "/v1/quarantine", big), 413, "at most 65536 bytes");
        assertTrue(firewall.program().quarantine().isEmpty());
    }

    @Test
    void aCertificateWithoutAKnownRoleIsUnauthenticated() throws Exception
    {
        final Response none = send(client(clientCa), HttpMethod.GET, "/v1/status", (String)null);
        assertProblem(none, 401, "urn:palisade:role:viewer");
        assertEquals("Mutual-TLS realm=\"palisade-dpu\"", none.authenticate());
        assertProblem(send(client(clientCa, "admin"), HttpMethod.GET, "/v1/nothing", (String)null), 401,
            "carries no role");
    }

    @Test
    void unknownPathsAndMethodsAreRefused() throws Exception
    {
        final HttpClientAgent viewer = client(clientCa, ManagementServer.VIEWER);
        assertProblem(send(viewer, HttpMethod.GET, "/v1/policy", (String)null), 404, "GET /v1/status");
        assertProblem(send(viewer, HttpMethod.GET, "/v1/status/", (String)null), 404, "no such resource");
        final Response wrong = send(viewer, HttpMethod.POST, "/v1/status", "{}");
        assertProblem(wrong, 405, "use GET");
        assertEquals("GET", wrong.allow());
        final Response get = send(viewer, HttpMethod.GET, "/v1/quarantine", (String)null);
        assertProblem(get, 405, "use PUT, DELETE");
        assertEquals("PUT, DELETE", get.allow());
    }

    @Test
    void aClientWithoutACertificateCannotConnect()
    {
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> send(client(null), HttpMethod.GET, "/v1/status", (String)null));
        assertNotEquals(null, e.getCause(), "the handshake failed: no HTTP answer at all");
    }

    @Test
    void aCertificateFromAnotherCaCannotConnect()
    {
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> send(client(otherCa, ManagementServer.RESPONDER), HttpMethod.PUT, "/v1/quarantine",
                "{\"targets\": [\"web-1\"], \"reason\": \"x\"}"));
        assertNotEquals(null, e.getCause());
        assertTrue(firewall.program().quarantine().isEmpty());
    }

    /**
     * A TLS client offers only a certificate from a CA the server names in its request, so the Vert.x client above
     * sends none. This one presents the foreign certificate anyway: the server must refuse the chain itself.
     */
    @Test
    void aCertificateFromAnotherCaIsRefusedEvenWhenPresented() throws Exception
    {
        assertTrue(rawExchange(clientCa, ManagementServer.VIEWER).startsWith("HTTP/1.1 200"),
            "the same client with a certificate of the right CA gets an answer");
        final String refused = rawExchange(otherCa, ManagementServer.RESPONDER);
        assertFalse(refused.startsWith("HTTP/"), refused);
        assertTrue(refused.contains("SSL") || refused.contains("closed") || refused.contains("reset"), refused);
    }

    /** Sends GET /v1/status over a TLS socket that always presents a certificate of {@code ca}. */
    private String rawExchange(final Pki.Authority ca, final String role) throws Exception
    {
        final KeyPair pair = Pki.newKeyPair();
        final X509Certificate certificate = Pki.toX509(ca.issue(pair.getPublic(), "mallory", Pki.Usage.CLIENT,
            List.of(Pki.ROLE_URI_PREFIX + role), List.of(), Instant.now(), Duration.ofDays(1)));
        final X509ExtendedKeyManager always = new X509ExtendedKeyManager()
        {
            @Override
            public String[] getClientAliases(final String keyType, final Principal[] issuers)
            {
                return new String[] {"client"};
            }

            @Override
            public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket)
            {
                return "client";
            }

            @Override
            public String[] getServerAliases(final String keyType, final Principal[] issuers)
            {
                return null;
            }

            @Override
            public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket)
            {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(final String alias)
            {
                return new X509Certificate[] {certificate};
            }

            @Override
            public PrivateKey getPrivateKey(final String alias)
            {
                return pair.getPrivate();
            }
        };
        final KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server-ca", Pki.toX509(serverCa.certificate()));
        final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(new KeyManager[] {always}, trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket)tls.getSocketFactory().createSocket("127.0.0.1", port))
        {
            socket.setSoTimeout(30_000); // a bound on a hang, not a timed assertion
            socket.startHandshake();
            socket.getOutputStream().write("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        }
        catch (final IOException e)
        {
            return "refused: " + e;
        }
    }

    @Test
    void itListensOnTheManagementAddressOnly() throws Exception
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            assertTrue(socket.isConnected(), "the management address answers");
        }
        try (Socket socket = new Socket())
        {
            assertThrows(ConnectException.class, () -> socket.connect(new InetSocketAddress("127.0.0.2", port),
                10_000), "another local address on the same port is refused");
        }
    }

    @Test
    void wildcardsAndNamesAreRefusedUnlessAskedFor()
    {
        for (final String wildcard : List.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"))
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config(wildcard, false));
            assertTrue(e.getMessage().contains("is a wildcard") && e.getMessage().contains("Configure the DPU's " +
                "management address"), e.getMessage());
        }
        assertEquals("0.0.0.0", config("0.0.0.0", true).host());
        final IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
            () -> config("localhost", false));
        assertTrue(name.getMessage().contains("is not an IP address"), name.getMessage());
        assertThrows(IllegalArgumentException.class, () -> config("192.0.2.0/24", false));
        assertThrows(IllegalArgumentException.class, () -> new ManagementServer(vertx,
            new ManagementServer.Config("127.0.0.1", 0, serverCertificatePem, serverKeyPem, "not a PEM", false),
            JsonObject::new, FlowSource.NONE, new FirewallQuarantineControl(firewall, List.of(), CLOCK)));
    }

    /** Random bodies, from noise to nearly right: always an answer, never a 500, always JSON. */
    @Test
    void randomQuarantineBodiesNeverMakeA500() throws Exception
    {
        final HttpClientAgent responder = client(clientCa, ManagementServer.RESPONDER);
        final List<Response> answers = new ArrayList<>();
        Seeded.forEachTry("random PUT /v1/quarantine bodies", 300, random ->
        {
            final Buffer body = randomBody(random);
            final Response response;
            final HttpMethod method = random.nextInt(8) == 0 ? HttpMethod.DELETE : HttpMethod.PUT;
            try
            {
                response = send(responder, method, "/v1/quarantine", body);
            }
            catch (final Exception e)
            {
                throw new AssertionError("no answer to " + body, e);
            }
            assertTrue(response.status() == 200 || response.status() == 400 || response.status() == 413,
                response.status() + " for " + body + ": " + response.body());
            final JsonObject json = response.json();
            if (response.status() != 200)
            {
                assertTrue(json.getString("detail").length() > 10, response.body());
            }
            answers.add(response);
        });
        assertTrue(answers.stream().anyMatch(r -> r.status() == 200), "some bodies were right");
        assertTrue(answers.stream().anyMatch(r -> r.status() == 400), "most were not");
        assertEquals(200, send(client(clientCa, ManagementServer.VIEWER), HttpMethod.GET, "/v1/status",
            (String)null).status(), "and the server still answers");
    }

    private static Buffer randomBody(final SplittableRandom random)
    {
        return switch (random.nextInt(5))
        {
            case 0 ->
            {
                final byte[] noise = new byte[random.nextInt(200)];
                random.nextBytes(noise);
                yield Buffer.buffer(noise);
            }
            case 1 -> Buffer.buffer(mutate(random, "{\"targets\": [\"web-1\", \"app=db\"], \"reason\": \"r\"}"));
            default ->
            {
                final JsonObject json = new JsonObject();
                if (random.nextInt(6) != 0)
                {
                    json.put("targets", randomValue(random, 0));
                }
                if (random.nextInt(6) != 0)
                {
                    json.put("reason", random.nextInt(3) == 0 ? randomValue(random, 0) : "incident");
                }
                if (random.nextInt(8) == 0)
                {
                    json.put(randomString(random), randomValue(random, 0));
                }
                yield Buffer.buffer(json.encode());
            }
        };
    }

    private static Object randomValue(final SplittableRandom random, final int depth)
    {
        return switch (depth > 3 ? random.nextInt(4) : random.nextInt(7))
        {
            case 0 -> randomString(random);
            case 1 -> random.nextLong();
            case 2 -> random.nextBoolean();
            case 3 -> null;
            case 4 -> random.nextDouble() * 1e300;
            case 5 ->
            {
                final JsonArray array = new JsonArray();
                final int n = random.nextInt(5);
                for (int i = 0; i < n; i++)
                {
                    array.add(random.nextInt(2) == 0 ? randomTarget(random) : randomValue(random, depth + 1));
                }
                yield array;
            }
            default -> new JsonObject().put(randomString(random), randomValue(random, depth + 1));
        };
    }

    private static String randomTarget(final SplittableRandom random)
    {
        final String[] pieces = {"web-1", "db-1", "app=web", "app=db,env=prod", "env=", "=x", "workload=",
            "workload=db-1", "10.0.5.10", "10.0.0.0/8", "2001:db8::/32", "::/0", "10.0.5.10/33", "", " ", ",",
            "app=web,,", "a=b=c", "ÿ", "\u0000", "x".repeat(300)};
        return pieces[random.nextInt(pieces.length)];
    }

    private static String randomString(final SplittableRandom random)
    {
        final StringBuilder text = new StringBuilder();
        final int n = random.nextInt(12);
        for (int i = 0; i < n; i++)
        {
            text.append((char)(random.nextInt(4) == 0 ? random.nextInt(0x800) : 'a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static byte[] mutate(final SplittableRandom random, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++)
        {
            bytes[random.nextInt(bytes.length)] = (byte)random.nextInt(256);
        }
        return bytes;
    }

    @Test
    void theQuarantineStateFollowsTheFirewallThroughANewRelease()
    {
        final FirewallQuarantineControl control = new FirewallQuarantineControl(firewall, List.of(), CLOCK);
        assertFalse(control.current().active());
        control.quarantine(List.of("app=db"), "incident 7");
        final long generation = firewall.install(Releases.compile(POLICY)).generation();
        final QuarantineControl.State state = control.current();
        assertTrue(state.active());
        assertEquals(List.of("app=db"), state.targets());
        assertEquals(generation, state.generation());
        assertEquals("incident 7", state.reason());
        assertTrue(new FirewallQuarantineControl(firewall, List.of(), CLOCK).current().active(),
            "a control made later sees the quarantine in force");
        final IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
            () -> control.quarantine(List.of(), "x"));
        assertTrue(none.getMessage().contains("lift the quarantine instead"), none.getMessage());
    }

    @Test
    void aBareNameIsAWorkloadAndAnAddressTypoIsReportedAsOne()
    {
        assertEquals(new Quarantine.Workload("web-1"), FirewallQuarantineControl.parseTarget("web-1"));
        assertEquals("10.0.5.0/24", FirewallQuarantineControl.parseTarget("10.0.5.0/24").describe());
        assertEquals("app=web", FirewallQuarantineControl.parseTarget("app=web").describe());
        final IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
            () -> FirewallQuarantineControl.parseTarget("10.0.5.300"));
        assertTrue(typo.getMessage().contains("write workload=10.0.5.300"), typo.getMessage());
        assertNull(ManagementServer.liftRequest(Buffer.buffer()));
    }
}
