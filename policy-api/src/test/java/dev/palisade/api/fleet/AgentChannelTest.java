package dev.palisade.api.fleet;

import dev.palisade.api.ApiLauncher;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.enforcement.agent.channel.AgentAttester;
import dev.palisade.enforcement.agent.ReleaseKeeper;
import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.VerificationKey;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent channel end to end on loopback, with real TLS: DPUs enrol (software attesters, and a real swtpm when
 * installed), connect with the client certificate they were issued, receive a promoted release only while attested,
 * verify it as a DPU does and ACK or NACK; a canary reaches only its DPUs; NACKs halt a rollout; rollback re-issues
 * earlier content as a newer version.
 */
class AgentChannelTest
{
    @TempDir
    static Path dir;

    private static ApiLauncher.Running api;
    private static Vertx agents;
    private static Map<String, String> tokens;
    private static VerificationKey root;
    private static final VerificationKey FOREIGN_ROOT = dev.palisade.policy.bundle.SigningKey.generate(
        dev.palisade.policy.bundle.SignatureAlgorithm.ED25519, new java.security.SecureRandom()).publicKey();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<PolicyClient> clients = new ArrayList<>();
    private static final List<AutoCloseable> attesters = new ArrayList<>();

    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: shop}
        inventory:
          workloads:
            - {name: web, labels: {app: web}, addresses: [10.1.0.0/24]}
        tiers:
          application:
            - {name: web-in, from: {any: true}, to: {workload: web}, protocol: tcp, ports: [443], action: allow}
        """;

    @BeforeAll
    static void start() throws Exception
    {
        api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null, null, null, 60, null, null,
            List.of(), ApiLauncher.Agents.dev(0, Duration.ofSeconds(2))), new PrintStream(System.out, true))
            .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        final JsonObject perRole = new JsonObject(Files.readString(api.devTokens()));
        tokens = Map.of("policy-admin", perRole.getString("policy-admin"), "auditor", perRole.getString("auditor"));
        root = PolicyKeyFiles.readPublic(dir.resolve("dev-root.pub"));
        agents = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception
    {
        clients.forEach(PolicyClient::close);
        for (final AutoCloseable attester : attesters)
        {
            attester.close();
        }
        agents.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        api.close();
    }

    /** A DPU that verifies bundles as the agent does and keeps what it accepted in memory. */
    /** A DPU as the agent is one, without the data plane: the agent's own {@link ReleaseKeeper}. */
    static final class Dpu
    {
        final ReleaseKeeper keeper;
        volatile String quarantine;

        /** @param refuse pin another root: every release fails verification (NACK unknown_root, no version). */
        Dpu(final String id, final boolean refuse)
        {
            final ReleaseKeeper.Enforcement enforcement = bundle ->
            {
            };
            this.keeper = new ReleaseKeeper(id, Map.of(), refuse ? FOREIGN_ROOT : root, InstantSource.system(),
                enforcement, null,
                () -> new JsonObject().put("packets", 0), new ReleaseKeeper.Listener()
                {
                    @Override
                    public void quarantine(final String reason)
                    {
                        Dpu.this.quarantine = reason;
                    }
                });
        }

        long version()
        {
            return keeper.activeVersion();
        }
    }

    private static JsonObject call(final int status, final String method, final String path, final String role,
        final JsonObject body) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
            api.server().port() + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody() :
            HttpRequest.BodyPublishers.ofString(body.encode())).header("Authorization", "Bearer " + tokens.get(role));
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        final HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), method + " " + path + ": " + response.body());
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    private static Dpu connect(final String id, final String labels, final boolean refuse,
        final AgentAttester attester) throws Exception
    {
        call(201, "POST", "/v1/dpus", "policy-admin", new JsonObject().put("id", id).put("labels",
            new JsonObject(labels)));
        final Dpu dpu = new Dpu(id, refuse);
        final PolicyClient client = new PolicyClient(agents, new PolicyClient.Config(id, "127.0.0.1",
            api.fleet().port(), Files.readString(dir.resolve(AgentCa.CA_CERT_FILE)), Duration.ofSeconds(2)),
            attester, dpu.keeper, new PrintStream(System.out, true));
        clients.add(client);
        client.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return dpu;
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what + " " + rollout(1));
            }
            Thread.sleep(20);
        }
    }

    private static long release() throws Exception
    {
        return call(201, "POST", "/v1/releases", "policy-admin", new JsonObject().put("policy", "shop"))
            .getLong("id");
    }

    @Test
    void enrolPushAckCanaryHaltAndRollback() throws Exception
    {
        call(201, "POST", "/v1/policies", "policy-admin", new JsonObject().put("document", POLICY));
        final Dpu a = connect("dpu-a", "{\"ring\":\"canary\"}", false, AgentAttester.software());
        final Dpu b = connect("dpu-b", "{\"ring\":\"main\"}", false, AgentAttester.software());
        await("both attested", () -> api.fleet().ledger().trusted("dpu-a") && api.fleet().ledger().trusted("dpu-b"));
        assertTrue(api.fleet().connected("dpu-a"));

        // Nothing is promoted yet: nothing is sent.
        final long first = release();
        Thread.sleep(300);
        assertEquals(0, a.version());

        // A canary by label reaches dpu-a only.
        final JsonObject canary = call(200, "POST", "/v1/releases/" + first + "/promote", "policy-admin",
            new JsonObject().put("stage", "canary").put("selector", "labels:ring=canary"));
        assertEquals(1, canary.getJsonObject("dpus").getLong("included"), canary.encode());
        await("dpu-a ACKs the canary", () -> a.version() == 1);
        Thread.sleep(300);
        assertEquals(0, b.version(), "the canary must not reach dpu-b");
        call(403, "POST", "/v1/releases/" + first + "/promote", "auditor", new JsonObject().put("stage", "all"));
        call(400, "POST", "/v1/releases/" + first + "/promote", "policy-admin", new JsonObject().put("stage", "some"));

        // Then to all.
        call(200, "POST", "/v1/releases/" + first + "/promote", "policy-admin", new JsonObject().put("stage", "all"));
        await("dpu-b ACKs", () -> b.version() == 1);
        await("both ACKs recorded", () -> rollout(first).getJsonObject("dpus").getLong("acked") >= 2);

        final JsonObject dpuA = call(200, "GET", "/v1/dpus/dpu-a", "auditor", null);
        assertEquals(1, dpuA.getJsonObject("release").getLong("version"), dpuA.encode());
        assertEquals("affirming", dpuA.getJsonObject("attestation").getString("status"));
        assertTrue(dpuA.getBoolean("connected"));
        assertEquals(1, dpuA.getJsonObject("last_ack").getLong("version"));

        // A DPU that refuses (pinned to another root: the bundle does not verify, so the agent cannot read its
        // version and the NACK names the release sent): the NACK is recorded with the reason, and the rollout halts.
        final Dpu c = connect("dpu-c", "{\"ring\":\"main\"}", true, AgentAttester.software());
        await("dpu-c NACKs and the rollout halts", () -> rollout(first).getString("stage").equals("halted"));
        final JsonObject dpuC = call(200, "GET", "/v1/dpus/dpu-c", "auditor", null);
        assertTrue(dpuC.getJsonObject("last_nack").getString("reason").startsWith("unknown_root"), dpuC.encode());
        assertEquals(1, dpuC.getJsonObject("last_nack").getLong("version"), dpuC.encode());
        assertEquals(0, c.version());
        final JsonObject nacked = call(200, "GET", "/v1/releases/" + first + "/rollout/dpus?state=nacked", "auditor",
            null);
        assertEquals("dpu-c", nacked.getJsonArray("items").getJsonObject(0).getString("dpu"));
        assertTrue(rollout(first).getString("halted_reason").contains("1 DPUs refused"));

        // A second release, promoted and then rolled back to the first's content: a new, higher version.
        final long second = release();
        call(200, "POST", "/v1/releases/" + second + "/promote", "policy-admin", new JsonObject().put("stage", "all")
            .put("max_nacks", 5));
        await("version 2 everywhere", () -> a.version() == 2 && b.version() == 2);
        final JsonObject rollback = call(201, "POST", "/v1/releases/" + first + "/rollback", "policy-admin", null);
        assertEquals(3, rollback.getJsonObject("release").getLong("version"), rollback.encode());
        assertEquals(first, rollback.getJsonObject("release").getJsonObject("summary").getLong("rollback_of"));
        await("version 3 everywhere", () -> a.version() == 3 && b.version() == 3);
        // An older release cannot be promoted over a newer one.
        call(409, "POST", "/v1/releases/" + second + "/promote", "policy-admin", new JsonObject().put("stage",
            "all"));

        // Quarantine reaches the connected agent at once.
        call(200, "PUT", "/v1/dpus/dpu-a/quarantine", "policy-admin", new JsonObject().put("reason", "IR-7"));
        await("dpu-a hears the quarantine", () -> "IR-7".equals(a.quarantine));
    }

    private static JsonObject rollout(final long release)
    {
        try
        {
            return call(200, "GET", "/v1/releases/" + release + "/rollout", "auditor", null);
        }
        catch (final Exception e)
        {
            throw new AssertionError(e);
        }
    }

    @Test
    void anUnregisteredDpuIsRefused() throws Exception
    {
        final PolicyClient client = new PolicyClient(agents, new PolicyClient.Config("nobody", "127.0.0.1",
            api.fleet().port(), Files.readString(dir.resolve(AgentCa.CA_CERT_FILE)), Duration.ofSeconds(1)),
            AgentAttester.software(), new Dpu("nobody", false).keeper, new PrintStream(System.out, true));
        clients.add(client);
        client.start();
        await("a refusal", () -> client.state().lastError() != null);
        assertTrue(client.state().lastError().contains("not registered"), client.state().lastError());
        assertFalse(client.state().enrolled());
        client.close();
    }

    @Test
    void aRealTpmEnrolsByCredentialActivation() throws Exception
    {
        assumeTrue(SwtpmProcess.isInstalled(), "swtpm is not installed (./run-tests installs it)");
        final Path state = Files.createTempDirectory(dir, "swtpm");
        final SwtpmProcess swtpm = SwtpmProcess.start(state);
        final AgentAttester tpm = AgentAttester.tpm(swtpm.client(), swtpm);
        attesters.add(tpm);
        final Dpu dpu = connect("dpu-tpm", "{\"ring\":\"tpm\"}", false, tpm);
        await("the TPM DPU is attested", () -> api.fleet().ledger().trusted("dpu-tpm"));
        final JsonObject seen = call(200, "GET", "/v1/dpus/dpu-tpm", "auditor", null);
        assertEquals("affirming", seen.getJsonObject("attestation").getString("status"), seen.encode());
        assertNotNull(dpu);
    }
}
