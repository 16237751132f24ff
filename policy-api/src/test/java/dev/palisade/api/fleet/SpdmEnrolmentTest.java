package dev.palisade.api.fleet;

import dev.palisade.api.ApiLauncher;
import dev.palisade.api.store.Store;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarVerifier;
import dev.palisade.attestation.pki.Pki;
import dev.palisade.attestation.spdm.SpdmTestDevice;
import dev.palisade.attestation.verifier.PolicyBinding;
import dev.palisade.enforcement.agent.channel.AgentAttester;
import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.enforcement.agent.channel.SpdmDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPDM device evidence at enrolment and on the channel, against a policy service started with a device root,
 * reference values and {@code --require-spdm}: a DPU whose NIC answers with the expected measurements over the
 * service's nonce enrols and stays attested; a changed measurement, a device of another manufacturer or no device
 * at all is refused with the reason; malformed device evidence is a 400 naming the field; and a NIC whose firmware
 * changes after enrolment takes the DPU out of policy at the next challenge. A service started without device roots
 * does not ask for device evidence and refuses it.
 */
class SpdmEnrolmentTest
{
    @TempDir
    static Path dir;
    @TempDir
    static Path plainDir;

    private static final SpdmTestDevice NIC = SpdmTestDevice.create("Palisade NIC");
    private static ApiLauncher.Running api;
    private static ApiLauncher.Running plain;
    private static HttpClient https;
    private static HttpClient plainHttps;
    private static Vertx agents;
    private static final List<PolicyClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception
    {
        final Path root = dir.resolve("nic-root.pem");
        Files.writeString(root, NIC.rootPem());
        final Path reference = dir.resolve("nic-reference.yaml");
        Files.writeString(reference, SpdmTestDevice.referenceYaml());
        api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null, null, null, 60, null, null,
            List.of(), new ApiLauncher.Agents("127.0.0.1", 0, Duration.ofSeconds(1), null, List.of(), null, null,
                null, null, true, false, List.of(root), reference, true)), new PrintStream(System.out, true))
            .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        plain = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, plainDir, true, null, null, null, 60, null,
            null, List.of(), ApiLauncher.Agents.dev(0, Duration.ofSeconds(60))), new PrintStream(System.out, true))
            .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        https = client(dir);
        plainHttps = client(plainDir);
        agents = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception
    {
        clients.forEach(PolicyClient::close);
        agents.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        api.close();
        plain.close();
    }

    private static HttpClient client(final Path data) throws Exception
    {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pki.toX509(Pki.certificateFromPem(Files.readString(data.resolve(
            AgentCa.CA_CERT_FILE)))));
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    private static void register(final ApiLauncher.Running service, final String id) throws Exception
    {
        service.store().registerDpu(id, "{}", new Store.Actor("test", "")).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> post(final HttpClient client, final ApiLauncher.Running service,
        final String path, final JsonObject body) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + service.fleet().port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body.encode())).header("Content-Type", "application/json")
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One device's evidence over {@code nonce}, as the agent sends it. */
    private static JsonObject device(final String name, final SpdmTestDevice device, final byte[] nonce)
    {
        return new JsonObject().put("device", name)
            .put("transcript", Base64.getEncoder().encodeToString(device.measure(nonce)))
            .put("vca", Base64.getEncoder().encodeToString(device.vca())).put("chain", device.chainPem());
    }

    /**
     * Enrols {@code id} with a software attester: step 1, then step 2 with the quote and what {@code spdm} makes of
     * the service's nonce (null: no spdm field). @return step 2's answer.
     */
    private static HttpResponse<String> enrol(final HttpClient client, final ApiLauncher.Running service,
        final String id, final java.util.function.Function<byte[], Object> spdm) throws Exception
    {
        register(service, id);
        try (AgentAttester attester = AgentAttester.software())
        {
            final byte[] tlsKey = Pki.newKeyPair().getPublic().getEncoded();
            final HttpResponse<String> begun = post(client, service, "/v1/agent/enrol", attester.enrolmentKeys()
                .put("dpu", id).put("attester", "software").put("tls_key", Base64.getEncoder().encodeToString(tlsKey)));
            assertEquals(200, begun.statusCode(), begun.body());
            final JsonObject challenge = new JsonObject(begun.body());
            assertEquals(service == api, challenge.getBoolean("spdm"), "the service says whether it wants devices");
            final byte[] nonce = Base64.getDecoder().decode(challenge.getString("nonce"));
            final int[] pcrs = challenge.getJsonArray("pcrs").stream().mapToInt(p -> ((Number)p).intValue()).toArray();
            final AgentAttester.Quote quote = attester.quote(PolicyBinding.qualifyingData(nonce, MessageDigest
                .getInstance("SHA-256").digest(tlsKey)), pcrs);
            final JsonObject body = new JsonObject().put("quote", Base64.getEncoder().encodeToString(quote.attest()))
                .put("signature", Base64.getEncoder().encodeToString(quote.signature()))
                .put("pcrs", Base64.getEncoder().encodeToString(quote.pcrValues()));
            if (spdm != null)
            {
                body.put("spdm", spdm.apply(nonce));
            }
            return post(client, service, "/v1/agent/enrol/" + challenge.getString("enrolment"), body);
        }
    }

    private static void assertRefused(final HttpResponse<String> response, final int status, final String... says)
    {
        assertEquals(status, response.statusCode(), response.body());
        for (final String text : says)
        {
            assertTrue(response.body().contains(text), "expected '" + text + "' in " + response.body());
        }
    }

    @Test
    void aDpuWhoseNicMeasuresAsExpectedEnrolsWithTheDeviceInItsEar() throws Exception
    {
        final HttpResponse<String> response = enrol(https, api, "dpu-good", nonce -> new JsonArray()
            .add(device("nic0", NIC, nonce)));
        assertEquals(200, response.statusCode(), response.body());
        final JsonObject answer = new JsonObject(response.body());
        assertEquals("affirming", answer.getString("status"));
        assertEquals(new JsonObject().put("nic0", "affirming"), answer.getJsonObject("devices"));
        final Map<String, Object> claims = new EarVerifier(api.fleet().earSigner().publicKey()).verify(
            answer.getString("ear"), System.currentTimeMillis() / 1000);
        assertTrue(((Map<?, ?>)claims.get("submods")).containsKey("spdm:nic0"), claims::toString);
        assertTrue(api.fleet().ledger().trusted("dpu-good"));
    }

    @Test
    void aNicWithOtherFirmwareIsRefusedForItsMeasurement() throws Exception
    {
        final SpdmTestDevice flashed = NIC.twin();
        flashed.measurement(2, new byte[48]);
        assertRefused(enrol(https, api, "dpu-flashed", nonce -> new JsonArray().add(device("nic0", flashed, nonce))),
            403, "contraindicated", "spdm_measurement_mismatch", "device 'nic0'");
        assertFalse(api.fleet().ledger().trusted("dpu-flashed"));
    }

    @Test
    void aNicOfAnotherManufacturerIsRefusedForItsRoot() throws Exception
    {
        final SpdmTestDevice stranger = SpdmTestDevice.create("Someone Else");
        assertRefused(enrol(https, api, "dpu-stranger", nonce -> new JsonArray().add(device("nic0", stranger,
            nonce))), 403, "spdm_chain_untrusted_root");
    }

    @Test
    void measurementsOverAnotherNonceAreRefusedAsStale() throws Exception
    {
        final byte[] old = new byte[32];
        assertRefused(enrol(https, api, "dpu-stale", nonce -> new JsonArray().add(device("nic0", NIC, old))), 403,
            "spdm_nonce_mismatch");
    }

    @Test
    void aServiceThatRequiresDevicesRefusesAQuoteAlone() throws Exception
    {
        assertRefused(enrol(https, api, "dpu-bare", null), 403, "spdm_evidence_missing");
        assertRefused(enrol(https, api, "dpu-empty", nonce -> new JsonArray()), 403, "spdm_evidence_missing");
    }

    @Test
    void malformedDeviceEvidenceIsA400NamingTheField() throws Exception
    {
        final Map<String, java.util.function.Function<byte[], Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("spdm", nonce -> "nic0");
        cases.put("spdm[0]", nonce -> new JsonArray().add("nic0"));
        cases.put("spdm[0].device", nonce -> new JsonArray().add(device("../nic0", NIC, nonce)));
        cases.put("spdm[1].device", nonce -> new JsonArray().add(device("nic0", NIC, nonce))
            .add(device("nic0", NIC, nonce)));
        cases.put("spdm[0].transcript", nonce -> new JsonArray().add(device("nic0", NIC, nonce)
            .put("transcript", "not base64!")));
        cases.put("spdm[0].chain", nonce -> new JsonArray().add(device("nic0", NIC, nonce).put("chain", "PEM?")));
        cases.put("spdm[0].firmware", nonce -> new JsonArray().add(device("nic0", NIC, nonce)
            .put("firmware", "1.0")));
        cases.put("spdm[0].vca", nonce -> new JsonArray().add(device("nic0", NIC, nonce).put("vca", 7)));
        final JsonArray many = new JsonArray();
        for (int i = 0; i < 9; i++)
        {
            many.add(new JsonObject().put("device", "nic" + i));
        }
        cases.put("9 devices", nonce -> many);
        int n = 0;
        for (final Map.Entry<String, java.util.function.Function<byte[], Object>> entry : cases.entrySet())
        {
            final String field = entry.getKey().equals("9 devices") ? "spdm" : entry.getKey();
            final HttpResponse<String> response = enrol(https, api, "dpu-bad-" + n++, entry.getValue());
            assertEquals(400, response.statusCode(), response.body());
            assertEquals(field, new JsonObject(response.body()).getJsonArray("errors").getJsonObject(0)
                .getString("field"), response.body());
        }
    }

    @Test
    void aServiceWithoutDeviceRootsDoesNotAskAndRefusesDeviceEvidence() throws Exception
    {
        assertRefused(enrol(plainHttps, plain, "dpu-plain", nonce -> new JsonArray().add(device("nic0", NIC,
            nonce))), 400, "does not appraise SPDM");
        assertEquals(200, enrol(plainHttps, plain, "dpu-plain-tpm", null).statusCode());
    }

    @Test
    void aNicWhoseFirmwareChangesAfterEnrolmentTakesTheDpuOutOfPolicy() throws Exception
    {
        final SpdmTestDevice nic = NIC.twin();
        register(api, "dpu-live");
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        final PolicyClient client = new PolicyClient(agents, new PolicyClient.Config("dpu-live", "127.0.0.1",
            api.fleet().port(), Files.readString(dir.resolve(AgentCa.CA_CERT_FILE)), Duration.ofSeconds(2)),
            AgentAttester.withDevices(AgentAttester.software(), List.of(new SpdmDevice()
            {
                @Override
                public String name()
                {
                    return "nic0";
                }

                @Override
                public Evidence measure(final byte[] nonce)
                {
                    seen.add(java.util.HexFormat.of().formatHex(nonce));
                    return new Evidence(nic.measure(nonce), nic.vca(), nic.chainPem());
                }
            })), new NoPolicy(), new PrintStream(System.out, true));
        clients.add(client);
        client.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        await("attested on the channel with the NIC", () -> seen.size() >= 2 && api.fleet().ledger().trusted(
            "dpu-live") && "affirming".equals(client.state().attestation()));
        nic.measurement(1, new byte[48]);
        await("the changed NIC is contraindicated", () -> api.fleet().ledger().status("dpu-live") ==
            Status.CONTRAINDICATED);
        final List<String> codes = api.fleet().ledger().entry("dpu-live").reasons().stream().map(Reason::code)
            .toList();
        assertEquals(List.of("spdm_measurement_mismatch"), codes);
        await("the agent is told why", () -> client.state().attestationReasons().stream().anyMatch(r ->
            r.startsWith("spdm_measurement_mismatch")));
        assertEquals(seen.size(), seen.stream().distinct().count(), "every challenge has its own nonce");
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** An agent that enforces nothing: the test is about attestation. */
    private static final class NoPolicy implements PolicyClient.Target
    {
        @Override
        public long activeVersion()
        {
            return 0;
        }

        @Override
        public String activeDigest()
        {
            return null;
        }

        @Override
        public PolicyClient.Outcome offer(final long releaseId, final byte[] bundle)
        {
            return new PolicyClient.Nack(0, "not_expected", "this test pushes no policy");
        }

        @Override
        public JsonObject counters()
        {
            return new JsonObject();
        }

        @Override
        public void quarantine(final String reason)
        {
        }
    }
}
