package dev.palisade.cli;

import dev.palisade.attestation.pki.Pki;
import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.traffic.SessionWriter;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.SignatureAlgorithm;
import dev.palisade.policy.bundle.SigningKey;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code palisade agent} as an operator runs it, without a policy service to reach: trusted boot, the management API,
 * the capture through the fail-closed data plane, the status. The demo (CliTest) runs it with the service.
 */
class AgentCommandTest
{
    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void configure() throws Exception
    {
        final SigningKey root = SigningKey.generate(SignatureAlgorithm.ED25519, new SecureRandom());
        PolicyKeyFiles.writePublic(dir.resolve("root.pub"), root.publicKey());
        final Pki.Authority ca = Pki.Authority.create("operators", Duration.ofDays(1));
        final KeyPair server = Pki.newKeyPair();
        Files.writeString(dir.resolve("m.pem"), Pki.certificatePem(ca.issue(server.getPublic(), "dpu-1",
            Pki.Usage.SERVER, List.of(), List.of("127.0.0.2"), Instant.now(), Duration.ofDays(1))));
        Files.writeString(dir.resolve("m.key"), Pki.privateKeyPem(server.getPrivate()));
        Files.writeString(dir.resolve("c.pem"), ca.certificatePem());
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0))
        {
            closedPort = socket.getLocalPort(); // nothing listens there once closed: the service is "down"
        }
        config = Files.writeString(dir.resolve("agent.yaml"), """
            id: dpu-1
            data_dir: data
            policy_service: {host: 127.0.0.1, port: %d, ca: c.pem, root_key: root.pub, max_backoff: 1s}
            attester: software
            management: {address: 127.0.0.2, port: 0, certificate: m.pem, key: m.key, client_ca: c.pem}
            host_addresses: [10.0.1.0/24]
            """.formatted(closedPort));
        try (CaptureWriter writer = CaptureWriter.create(dir.resolve("t.pcap"), LinkType.ETHERNET))
        {
            final SessionWriter sessions = new SessionWriter(writer, 1_700_000_000_000_000_000L);
            sessions.tcp("10.0.1.5", 40000, "198.51.100.7", 443, "x".getBytes(StandardCharsets.US_ASCII), null);
            sessions.unansweredSyn("10.0.1.5", 40001, "127.0.0.2", 9443, 1);
        }
    }

    @Test
    void withoutTheServiceItRunsFailClosedReplaysAndReports()
    {
        final CliTest.Run run = CliTest.run("agent", "--config", config.toString(), "--replay",
            dir.resolve("t.pcap").toString(), "--once", "--connect-timeout", "2");
        assertEquals(0, run.exitCode(), run.err());
        final JsonObject status = new JsonObject(run.out());
        assertEquals("missing", status.getJsonObject("boot").getString("outcome"));
        assertTrue(status.getJsonObject("policy").getBoolean("fail_closed"));
        final JsonObject traffic = status.getJsonObject("traffic");
        assertEquals(10, traffic.getLong("packets"), run.out());
        assertEquals(2, traffic.getLong("self_protection"), run.out());
        assertEquals(8, traffic.getLong("denied"), "fail-closed drops the rest: " + run.out());
        assertEquals(0, traffic.getLong("allowed"), run.out());
        assertTrue(status.getJsonObject("channel").getString("last_error") != null, run.out());
        assertTrue(Files.exists(dir.resolve("data/events.jsonl")));
    }

    @Test
    void checkRefusesAKeptReleaseThatDoesNotVerify() throws Exception
    {
        Files.createDirectories(dir.resolve("data/bundles"));
        Files.writeString(dir.resolve("data/bundles/current.bundle"), "not a release");
        final CliTest.Run run = CliTest.run("agent", "--config", config.toString(), "--check");
        assertEquals(1, run.exitCode(), run.out() + run.err());
        final JsonObject status = new JsonObject(run.out());
        assertEquals("refused", status.getJsonObject("boot").getString("outcome"));
        assertEquals("malformed_bundle", status.getJsonObject("boot").getString("reason"));
    }

    @Test
    void aBadConfigurationIsAUsageErrorNamingEachProblem() throws Exception
    {
        Files.writeString(config, "id: dpu-1\nattester: hsm\n");
        final CliTest.Run run = CliTest.run("agent", "--config", config.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("attester: 'hsm' is not one of tpm, swtpm, software"), run.err());
        assertTrue(run.err().contains("management: missing"), run.err());
    }

    @Test
    void anAgentThatCannotStartIsClosedNotLeftRunning() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.2")))
        {
            Files.writeString(config, Files.readString(config).replace("port: 0,", "port: " + taken.getLocalPort() +
                ","));
            final CliTest.Run run = CliTest.run("agent", "--config", config.toString(), "--replay",
                dir.resolve("t.pcap").toString(), "--once", "--connect-timeout", "2");
            assertEquals(3, run.exitCode(), run.out() + run.err());
        }
        final List<String> events = Files.readAllLines(dir.resolve("data/events.jsonl"));
        assertTrue(events.getLast().contains("\"agent.stopped\""), "closed in-process, not by the exit hook: " +
            events);
    }
}
