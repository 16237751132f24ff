package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.enforcement.traffic.SessionWriter;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent without the network: trusted boot from what is kept on disk, the data plane as enforced (self-protection,
 * firewall, DPI), and what it writes to its event log. The policy channel and the management API have their own tests
 * (AgentChannelTest in policy-api, ManagementServerTest); the demo runs them all together.
 */
class DpuAgentTest
{
    /** The host may open anything over TCP: self-protection must still keep it off the management address. */
    static final String GENEROUS = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: branch}
        inventory:
          workloads:
            - {name: web-1, labels: {app: web}, addresses: [10.0.5.10]}
        tiers:
          application:
            - {name: host-anything, from: {entity: host}, protocol: tcp, action: allow}
            - {name: to-web, from: {any: true}, to: {labels: {app: web}}, protocol: tcp, ports: [80], action: allow}
        """;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private final Releases releases = new Releases();

    @TempDir
    Path dir;

    private AgentConfig config;

    @BeforeEach
    void configure() throws Exception
    {
        PolicyKeyFiles.writePublic(dir.resolve("root.pub"), releases.root.publicKey());
        Files.writeString(dir.resolve("agent.yaml"), """
            id: dpu-7
            labels: {site: fra1}
            data_dir: data
            policy_service: {host: 192.0.2.1, ca: ca.pem, root_key: root.pub}
            attester: software
            management: {address: 192.0.2.10, port: 9443, certificate: m.pem, key: m.key, client_ca: c.pem,
                         peers: [192.0.2.0/24]}
            host_addresses: [10.0.1.0/24]
            dataplane: {workers: 2}
            """);
        config = AgentConfig.load(dir.resolve("agent.yaml"));
    }

    private DpuAgent agent() throws Exception
    {
        return new DpuAgent(config, QUIET, InstantSource.fixed(Releases.NOW));
    }

    private Bundle generous(final long version)
    {
        return releases.release(version, Releases.compile(GENEROUS).encoded(), Releases.RULES, 2, "labels:site=fra1",
            Releases.NOW.plus(Duration.ofDays(7)));
    }

    private List<JsonObject> events() throws Exception
    {
        return Files.readAllLines(config.eventsFile()).stream().map(JsonObject::new).toList();
    }

    @Test
    void withNothingKeptItBootsFailClosedAndSaysSo() throws Exception
    {
        try (DpuAgent agent = agent())
        {
            assertEquals(DpuAgent.Boot.MISSING, agent.boot().outcome());
            assertTrue(agent.active().failClosed());
            assertEquals(0, agent.keeper().activeVersion());
            final JsonObject status = agent.status();
            assertEquals("missing", status.getJsonObject("boot").getString("outcome"));
            assertTrue(status.getJsonObject("policy").getBoolean("fail_closed"));
        }
        final JsonObject boot = events().get(0);
        assertEquals("agent.boot", boot.getString("event"));
        assertEquals("missing", boot.getString("outcome"));
        assertTrue(boot.getBoolean("fail_closed"));
        assertEquals("agent.stopped", events().get(events().size() - 1).getString("event"));
    }

    @Test
    void aKeptReleaseIsVerifiedAgainAndEnforcedBeforeAnyPacket() throws Exception
    {
        new BundleStore(config.bundleDir()).store(generous(3).encode());
        try (DpuAgent agent = agent())
        {
            assertEquals(DpuAgent.Boot.LOADED, agent.boot().outcome());
            assertEquals(3, agent.boot().version());
            assertFalse(agent.active().failClosed());
            assertEquals(3, agent.active().version());
            assertEquals(2, agent.active().dpiRules());
            assertEquals(3, agent.keeper().activeVersion(), "the channel's hello says what runs");
        }
    }

    @Test
    void aKeptReleaseModifiedOnDiskIsRefusedAndTheAgentFailsClosed() throws Exception
    {
        new BundleStore(config.bundleDir()).store(generous(3).encode());
        final Path kept = config.bundleDir().resolve(BundleStore.CURRENT);
        final byte[] bytes = Files.readAllBytes(kept);
        bytes[bytes.length / 2] ^= 0x20;
        Files.write(kept, bytes);
        try (DpuAgent agent = agent())
        {
            assertEquals(DpuAgent.Boot.REFUSED, agent.boot().outcome());
            assertTrue(agent.active().failClosed());
            assertEquals(0, agent.keeper().activeVersion(), "the service will send the release again");
        }
        final JsonObject boot = events().get(0);
        assertEquals("refused", boot.getString("outcome"));
        assertFalse(boot.getString("reason").isEmpty());
    }

    @Test
    void anOlderReleaseCopiedOverTheKeptOneIsRefusedAtBoot() throws Exception
    {
        final BundleStore store = new BundleStore(config.bundleDir());
        final Bundle v1 = generous(1);
        store.store(v1.encode());
        store.store(generous(2).encode());
        Files.copy(config.bundleDir().resolve(BundleStore.PREVIOUS), config.bundleDir().resolve(BundleStore.CURRENT),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (DpuAgent agent = agent())
        {
            assertEquals(DpuAgent.Boot.REFUSED, agent.boot().outcome());
            assertEquals("version_not_newer", agent.boot().reason());
            assertTrue(agent.boot().detail().contains("previous.bundle"), agent.boot().detail());
            assertTrue(agent.active().failClosed());
        }
    }

    @Test
    void closingTwiceIsHarmlessAndAStoppedAgentReplaysNothing() throws Exception
    {
        final DpuAgent agent = agent();
        agent.close();
        agent.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> agent.replay(dir));
        assertEquals(1, events().stream().filter(e -> "agent.stopped".equals(e.getString("event"))).count());
    }

    @Test
    void aKeptReleaseForAnotherDpuIsRefusedAtBoot() throws Exception
    {
        new BundleStore(config.bundleDir()).store(releases.release(1, Releases.compile(GENEROUS).encoded(),
            Releases.RULES, 2, "labels:site=ams1", Releases.NOW.plus(Duration.ofDays(7))).encode());
        try (DpuAgent agent = agent())
        {
            assertEquals(DpuAgent.Boot.REFUSED, agent.boot().outcome());
            assertEquals("not_targeted", agent.boot().reason());
        }
    }

    @Test
    void theHostCannotReachTheManagementAddressWhateverThePolicyAllows() throws Exception
    {
        final Path capture = dir.resolve("t.pcap");
        try (CaptureWriter writer = CaptureWriter.create(capture, LinkType.ETHERNET))
        {
            final SessionWriter sessions = new SessionWriter(writer, Releases.NOW.toEpochMilli() * 1_000_000L);
            sessions.tcp("10.0.1.5", 40000, "10.0.5.10", 80, "GET /evil HTTP/1.1\r\nHost: w\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            sessions.unansweredSyn("10.0.1.5", 40001, "192.0.2.10", 9443, 2);
            sessions.unansweredSyn("10.0.1.6", 40002, "192.0.2.10", 22, 0);
            sessions.tcp("10.0.1.5", 40003, "198.51.100.7", 9443, "x".getBytes(StandardCharsets.US_ASCII), null);
        }
        try (DpuAgent agent = agent())
        {
            final ReplaySummary failClosed = agent.replay(capture);
            assertEquals(4, failClosed.counter(Counter.SELF_PROTECTION));
            assertEquals(0, failClosed.counter(Counter.ALLOWED), "fail-closed: nothing but the management plane");
            assertEquals(failClosed.packets() - 4, failClosed.counter(Counter.DENIED));

            assertTrue(agent.keeper().offer(1, generous(1).encode()) instanceof
                dev.palisade.enforcement.agent.channel.PolicyClient.Ack);
            final ReplaySummary enforced = agent.replay(capture);
            assertEquals(4, enforced.counter(Counter.SELF_PROTECTION), "the policy allows the host any TCP; " +
                "self-protection comes first");
            assertEquals(0, enforced.counter(Counter.DENIED));
            assertEquals(enforced.packets() - 4, enforced.counter(Counter.ALLOWED));
            assertEquals(1, agent.counters().getLong("alerts"), "the release's DPI rule 'evil' to port 80");
            assertEquals(8, agent.counters().getLong("self_protection"), "counters add up over replays");
        }
        final List<JsonObject> events = events();
        assertTrue(events.stream().anyMatch(e -> "self_protection".equals(e.getString("reason")) &&
            "192.0.2.10".equals(e.getString("dst"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "alert".equals(e.getString("event_type")) &&
            e.getJsonObject("alert").getLong("signature_id") == 1), events.toString());
        assertTrue(events.stream().anyMatch(e -> "policy.applied".equals(e.getString("event")) &&
            e.getLong("version") == 1), events.toString());
        assertEquals(2, events.stream().filter(e -> "traffic.replayed".equals(e.getString("event"))).count());
    }

    @Test
    void statusSaysWhatRunsWhatItSawAndWhereTheEventsAre() throws Exception
    {
        try (DpuAgent agent = agent())
        {
            agent.keeper().offer(5, generous(1).encode());
            final JsonObject status = agent.status();
            assertEquals("dpu-7", status.getString("dpu"));
            assertEquals(1, status.getJsonObject("policy").getLong("version"));
            assertEquals("branch", status.getJsonObject("policy").getString("name"));
            assertEquals(2, status.getJsonObject("policy").getInteger("dpi_rules"));
            assertFalse(status.getJsonObject("quarantine").getBoolean("active"));
            assertEquals(0, status.getJsonObject("traffic").getLong("packets"));
            assertEquals(config.eventsFile().toString(), status.getJsonObject("events").getString("file"));
            assertTrue(status.getJsonObject("events").getLong("written") >= 2);
        }
    }

    @Test
    void theServiceQuarantineIsolatesTheHostAndIsLifted() throws Exception
    {
        try (DpuAgent agent = agent())
        {
            agent.keeper().offer(1, generous(1).encode());
            agent.keeper().quarantine("IR-7");
            assertTrue(agent.quarantine().current().active());
            assertEquals(List.of("10.0.1.0/24"), agent.quarantine().current().targets());
            agent.keeper().quarantine(null);
            assertFalse(agent.quarantine().current().active());
        }
        assertTrue(events().stream().anyMatch(e -> "quarantine.set".equals(e.getString("event")) &&
            "IR-7".equals(e.getString("reason"))));
        assertTrue(events().stream().anyMatch(e -> "quarantine.lifted".equals(e.getString("event"))));
    }
}
