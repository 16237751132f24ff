package dev.palisade.cli;

import com.sun.net.httpserver.HttpServer;
import dev.palisade.api.ApiLauncher;
import dev.palisade.api.fleet.AgentCa;
import dev.palisade.api.store.Store;
import dev.palisade.attestation.spdm.SpdmTestDevice;
import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.traffic.SessionWriter;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code palisade agent} with an SPDM device, end to end: the policy service requires device evidence (a device root
 * and reference values), the agent's configured command ({@code curl}, to a software SPDM responder in this JVM that
 * signs over whatever nonce it is given) measures the NIC over the service's nonces, and the DPU enrols with the
 * device in its EAR. A NIC whose measurement changed is refused, and the agent says why.
 */
class AgentSpdmTest
{
    @TempDir
    static Path dir;

    private static final SpdmTestDevice NIC = SpdmTestDevice.create("Palisade NIC");
    private static final SpdmTestDevice FLASHED = NIC.twin();
    private static final List<String> NONCES = new CopyOnWriteArrayList<>();
    private static ApiLauncher.Running api;
    private static HttpServer responder;

    @BeforeAll
    static void start() throws Exception
    {
        FLASHED.measurement(1, new byte[48]);
        final Path root = Files.writeString(dir.resolve("nic-root.pem"), NIC.rootPem());
        final Path reference = Files.writeString(dir.resolve("nic.yaml"), SpdmTestDevice.referenceYaml());
        api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir.resolve("api"), true, null, null, null,
            60, null, null, List.of(), new ApiLauncher.Agents("127.0.0.1", 0, Duration.ofSeconds(2), null, List.of(),
                null, null, null, null, true, false, List.of(root), reference, true)), new PrintStream(System.out,
            true)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        for (final String id : List.of("dpu-1", "dpu-2"))
        {
            api.store().registerDpu(id, "{}", new Store.Actor("test", "")).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        }
        // The vendor's requester tool, as far as the agent can tell: /nic answers with the NIC, /flashed with the
        // same NIC after a firmware change.
        responder = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        for (final Map.Entry<String, SpdmTestDevice> device : Map.of("/nic", NIC, "/flashed", FLASHED).entrySet())
        {
            responder.createContext(device.getKey(), exchange ->
            {
                final String nonce = exchange.getRequestURI().getQuery().replace("nonce=", "");
                NONCES.add(nonce);
                final byte[] body = new JsonObject()
                    .put("transcript", HexFormat.of().formatHex(device.getValue().measure(HexFormat.of()
                        .parseHex(nonce))))
                    .put("vca", HexFormat.of().formatHex(device.getValue().vca()))
                    .put("chain", device.getValue().chainPem()).encode().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
        }
        responder.start();
        try (CaptureWriter writer = CaptureWriter.create(dir.resolve("t.pcap"), LinkType.ETHERNET))
        {
            new SessionWriter(writer, 1_700_000_000_000_000_000L).tcp("10.0.1.5", 40000, "198.51.100.7", 443,
                "x".getBytes(StandardCharsets.US_ASCII), null);
        }
    }

    @AfterAll
    static void stop() throws Exception
    {
        responder.stop(0);
        api.close();
    }

    private static Path config(final String id, final String path) throws Exception
    {
        final Path data = dir.resolve(id);
        return Files.writeString(dir.resolve(id + ".yaml"), """
            id: %s
            data_dir: %s
            policy_service: {host: 127.0.0.1, port: %d, ca: %s, root_key: %s, max_backoff: 1s}
            attester: software
            spdm_devices:
              - {name: nic0, command: [curl, -sf, "http://127.0.0.1:%d%s?nonce={nonce}"], timeout: 10s}
            management: {address: 127.0.0.2, port: 0, certificate: %s, key: %s, client_ca: %s}
            host_addresses: [10.0.1.0/24]
            """.formatted(id, data, api.fleet().port(), dir.resolve("api").resolve(AgentCa.CA_CERT_FILE),
            dir.resolve("api/dev-root.pub"), responder.getAddress().getPort(), path, mgmt("m.pem"), mgmt("m.key"),
            mgmt("c.pem")));
    }

    /** The management API's identity: any operators' CA will do here. */
    private static Path mgmt(final String file) throws Exception
    {
        final Path path = dir.resolve(file);
        if (!Files.exists(path))
        {
            final dev.palisade.attestation.pki.Pki.Authority ca = dev.palisade.attestation.pki.Pki.Authority.create(
                "operators", Duration.ofDays(1));
            final java.security.KeyPair server = dev.palisade.attestation.pki.Pki.newKeyPair();
            Files.writeString(dir.resolve("m.pem"), dev.palisade.attestation.pki.Pki.certificatePem(ca.issue(
                server.getPublic(), "dpu", dev.palisade.attestation.pki.Pki.Usage.SERVER, List.of(),
                List.of("127.0.0.2"), java.time.Instant.now(), Duration.ofDays(1))));
            Files.writeString(dir.resolve("m.key"), dev.palisade.attestation.pki.Pki.privateKeyPem(
                server.getPrivate()));
            Files.writeString(dir.resolve("c.pem"), ca.certificatePem());
        }
        return path;
    }

    @Test
    void theAgentMeasuresItsNicOverTheServicesNonceAndEnrolsWithIt() throws Exception
    {
        // No release is promoted: the agent waits out --connect-timeout for one, then replays fail-closed.
        final CliTest.Run run = CliTest.run("agent", "--config", config("dpu-1", "/nic").toString(), "--replay",
            dir.resolve("t.pcap").toString(), "--once", "--connect-timeout", "15");
        assertEquals(0, run.exitCode(), run.err());
        final JsonObject status = new JsonObject(run.out());
        assertTrue(status.getJsonObject("channel").getBoolean("enrolled"), run.out());
        assertEquals(List.of("nic0"), status.getJsonObject("attestation").getJsonArray("devices").getList());
        // The service requires device evidence: affirming on the channel means the NIC was appraised and affirmed.
        assertEquals("affirming", status.getJsonObject("attestation").getString("status"), run.out());
        assertEquals("affirming", dpu("dpu-1").attestation());
        assertTrue(NONCES.size() >= 2, "enrolment and the channel's challenges: " + NONCES);
        assertTrue(NONCES.stream().allMatch(n -> n.matches("[0-9a-f]{64}")), NONCES::toString);
    }

    @Test
    void aNicWithChangedFirmwareIsRefusedAndTheAgentSaysWhy() throws Exception
    {
        final CliTest.Run run = CliTest.run("agent", "--config", config("dpu-2", "/flashed").toString(), "--replay",
            dir.resolve("t.pcap").toString(), "--once", "--connect-timeout", "3");
        assertEquals(0, run.exitCode(), run.err());
        final JsonObject status = new JsonObject(run.out());
        assertFalse(status.getJsonObject("channel").getBoolean("enrolled"), run.out());
        final String error = status.getJsonObject("channel").getString("last_error");
        assertTrue(error.contains("spdm_measurement_mismatch") && error.contains("device 'nic0'"), error);
        assertEquals("contraindicated", dpu("dpu-2").attestation());
    }

    private static Store.Dpu dpu(final String id) throws Exception
    {
        return api.store().getDpu(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
