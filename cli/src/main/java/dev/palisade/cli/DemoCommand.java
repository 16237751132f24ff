package dev.palisade.cli;

import dev.palisade.api.ApiLauncher;
import dev.palisade.api.fleet.AgentCa;
import dev.palisade.attestation.pki.Pki;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.enforcement.agent.AgentConfig;
import dev.palisade.enforcement.agent.BundleStore;
import dev.palisade.enforcement.agent.DpuAgent;
import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.enforcement.capture.CaptureWriter;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.enforcement.traffic.SessionWriter;
import dev.palisade.enforcement.traffic.SizeMode;
import dev.palisade.enforcement.traffic.TrafficGenerator;
import dev.palisade.enforcement.traffic.TrafficSpec;
import dev.palisade.enforcement.traffic.TrafficStats;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.policy.Json;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.cert.X509CertificateHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code palisade demo}: the whole system on one machine, on embedded defaults. The policy service in dev mode; a DPU
 * agent that boots (fail-closed, nothing kept yet), enrols by TPM evidence (a real swtpm when installed) and attests;
 * the example policy with segmentation tiers and DPI rules compiled, signed, released, promoted and ACKed; generated
 * traffic with allowed and denied flows, attacks and host probes of the management port replayed through the agent;
 * then the tamper story: an old release offered again, the host reaching for the management API, and a kept release
 * modified on disk, each refused.
 */
@Command(
    name = "demo",
    description = {
        "Run the whole system on one machine, on embedded defaults, and show what happened (under two minutes).",
        "",
        "Starts the policy service (dev mode) and a DPU agent; the agent enrols with TPM evidence (a real software " +
            "TPM, swtpm, when installed; otherwise a software attester that proves nothing, said loudly) and " +
            "attests. The example policy (examples/policies/demo.yaml: tiers, default deny) and DPI rules " +
            "(examples/rules/palisade.snort3.rules) are compiled, signed, released and promoted; the agent verifies, " +
            "enforces, keeps and ACKs them. Generated traffic (web, TLS, DNS, UDP; IPv4 and IPv6), web attacks, " +
            "denied flows and host probes of the management port then run through the agent's data plane.",
        "",
        "The tamper story: an older release offered again is NACKed (version_not_newer); the host cannot connect to " +
            "the management API, nor reach it through the data plane whatever the policy allows; a kept release " +
            "modified on disk is refused at boot (fail-closed) and the service sends the release again.",
        ""},
    sortOptions = false)
public final class DemoCommand implements Callable<Integer>
{
    static final String DEMO_POLICY = "examples/policies/demo.yaml";
    static final String DEMO_RULES = "examples/rules/palisade.snort3.rules";
    static final String DPU = "dpu-demo-1";
    /** Where the management API listens: a loopback address of its own, so that 127.0.0.1 plays the host side. */
    static final String MANAGEMENT_ADDRESS = "127.0.0.2";
    static final String HOST_SIDE_ADDRESS = "127.0.0.1";
    static final String HOST_VM = "10.0.0.200";

    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of a summary.")
    boolean json;

    @Option(names = "--flows", paramLabel = "N", defaultValue = "5000", description = "Generated flows (default: ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--packets", paramLabel = "M", defaultValue = "200000", description = "Generated packets (default: ${DEFAULT-VALUE}).")
    long packets;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Data-plane workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--attester", paramLabel = "KIND", description = "swtpm or software (default: swtpm when " +
        "installed, else software).")
    String attesterChoice;

    @Option(names = "--keep", paramLabel = "DIR", description = "Keep everything (service data, agent data, " +
        "capture, events, logs) in this folder.")
    Path keep;

    private PrintWriter out;
    /** The demo's operators' CA: it issues the management API's certificate and the operator's; kept in memory. */
    private Pki.Authority operators;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String base;
    private String admin;

    @Override
    public Integer call() throws Exception
    {
        out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (workers < 1 || workers > 64)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be 1..64");
        }
        final TrafficSpec trafficSpec;
        try
        {
            trafficSpec = TrafficSpec.of(flows, packets, SizeMode.IMIX, 2026);
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        final String attesterKind = attesterKind();
        if (keep != null && Files.isDirectory(keep))
        {
            try (Stream<Path> entries = Files.list(keep))
            {
                if (entries.findAny().isPresent())
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--keep " + keep + ": the folder " +
                        "is not empty; give a new or empty one (the demo starts from nothing each time)");
                }
            }
        }
        final Path dir = keep != null ? Files.createDirectories(keep).toAbsolutePath() :
            Files.createTempDirectory("palisade-demo");
        restrict(dir);
        final long started = System.nanoTime();
        ApiLauncher.Running api = null;
        DpuAgent agent = null;
        final PrintStream serviceLog = new PrintStream(Files.newOutputStream(dir.resolve("service.log")), true,
            StandardCharsets.UTF_8);
        final PrintStream agentLog = new PrintStream(Files.newOutputStream(dir.resolve("agent.log")), true,
            StandardCharsets.UTF_8);
        try
        {
            say("Palisade demo: the policy service and a DPU agent on this machine (logs and data in " +
                (keep != null ? dir : "a temporary folder; --keep DIR keeps them") + ")");
            say("");

            // 1. The policy service.
            final Path serviceDir = Files.createDirectories(dir.resolve("service"));
            api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, serviceDir, true, null, null, null, 60,
                null, null, List.of(), ApiLauncher.Agents.dev(0, Duration.ofSeconds(10))), serviceLog)
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            base = "http://127.0.0.1:" + api.server().port();
            admin = new JsonObject(Files.readString(api.devTokens())).getString("policy-admin");
            step(1, "Policy service (dev mode): REST API on " + base + ", agent channel (mutual TLS) on port " +
                api.fleet().port());
            request("POST", "/v1/dpus", new JsonObject().put("id", DPU).put("labels",
                new JsonObject().put("site", "lab").put("ring", "canary")));
            say("   DPU " + DPU + " registered (site=lab, ring=canary)");

            // 2. The agent: trusted boot, enrolment, attestation.
            final Path agentDir = Files.createDirectories(dir.resolve("agent"));
            final AgentConfig config = agentConfig(agentDir, serviceDir, api.fleet().port(), attesterKind);
            if (attesterKind.equals("software"))
            {
                say("");
                say("   WARNING: swtpm is not installed, so the agent uses a SOFTWARE attester: a key in memory");
                say("   that proves NOTHING about what runs. Install swtpm (./run-tests does) for a real TPM.");
                say("");
            }
            agent = new DpuAgent(config, agentLog);
            step(2, "DPU agent " + DPU + ": trusted boot found " + describeBoot(agent.boot()) + " → " +
                (agent.active().failClosed() ? "fail-closed (only the management plane passes)" :
                "release " + agent.active().version()));
            agent.start().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
            final DpuAgent enrolled = agent;
            await("the agent's attestation", () -> "affirming".equals(enrolled.channel().attestation()), 60);
            say("   enrolled by " + (attesterKind.equals("swtpm") ? "TPM evidence (swtpm: EK, AK, " +
                "ActivateCredential, quote bound to its TLS key)" : "software evidence (dev mode only)") +
                "; attestation: " + agent.channel().attestation() + "; management API on " + MANAGEMENT_ADDRESS +
                ":" + agent.managementPort() + " (mutual TLS)");
            result.put("attestation", Map.of("status", agent.channel().attestation(), "attester", attesterKind,
                "proves_anything", attesterKind.equals("swtpm")));

            // 3. Policy and rules: compiled, signed, released, promoted, ACKed.
            request("POST", "/v1/policies", new JsonObject().put("document", resource(DEMO_POLICY)));
            request("POST", "/v1/rulesets", new JsonObject().put("name", "web-attacks")
                .put("rules", resource(DEMO_RULES)));
            final JsonObject release = request("POST", "/v1/releases", new JsonObject().put("policy", "demo")
                .put("rulesets", List.of("web-attacks")));
            final long releaseId = release.getLong("id");
            final long version = release.getLong("version");
            final Instant promoted = Instant.now();
            request("POST", "/v1/releases/" + releaseId + "/promote", new JsonObject().put("stage", "all"));
            await("the agent's ACK of release " + version, () -> enrolled.active().version() == version, 60);
            final long ackMs = awaitAck(api, releaseId, promoted);
            final JsonObject built = release.getJsonObject("summary");
            step(3, "Policy 'demo' (" + built.getInteger("segmentation_rules") + " segmentation rules in tiers, " +
                "default deny) with " + built.getInteger("dpi_rules") + " DPI rules" + skipped(built) +
                ": compiled, signed (release v" + version + ", " + Output.bytes(built.getInteger("bytes")) +
                "), promoted to all");
            say("   the agent verified it (signatures to the pinned root, target, expiry, version, digests), enforced " +
                "and kept it, and ACKed in " + ackMs + " ms");

            // 4. Traffic through the agent's data plane.
            final Path capture = dir.resolve("demo-traffic.pcap");
            step(4, "Generating " + Output.count(packets) + " packets in " + Output.count(flows) + " flows, plus " +
                "web attacks, flows the policy denies and host probes of the management port…");
            final Scripted scripted = writeTraffic(trafficSpec, capture);
            final ReplaySummary summary = agent.replay(capture);
            final long alerts = agent.counters().getLong("alerts");
            say("   replayed through the agent on " + workers + " workers: " + Output.count(summary.packets()) +
                " packets, " + Output.count(summary.flows()) + " flows");
            say("   allowed " + Output.count(summary.counter(Counter.ALLOWED)) + ", denied by policy " +
                Output.count(summary.counter(Counter.DENIED)) + ", dropped by self-protection " +
                Output.count(summary.counter(Counter.SELF_PROTECTION)) + " (host → management), DPI alerts " +
                Output.count(alerts));
            final Map<String, Object> traffic = new LinkedHashMap<>();
            traffic.put("packets", summary.packets());
            traffic.put("flows", summary.flows());
            traffic.put("allowed", summary.counter(Counter.ALLOWED));
            traffic.put("denied", summary.counter(Counter.DENIED));
            traffic.put("self_protection_dropped", summary.counter(Counter.SELF_PROTECTION));
            traffic.put("alerts", alerts);
            traffic.put("attacks_sent", scripted.attacks());
            traffic.put("host_probe_packets_sent", scripted.probePackets());
            traffic.put("generated", Map.of("packets", scripted.generated().packets(), "flows",
                scripted.generated().flows()));
            result.put("traffic", traffic);

            // 5. The tamper story.
            step(5, "Tampering:");
            final Map<String, Object> tamper = new LinkedHashMap<>();
            tamper.put("old_version_replayed", replayOldVersion(agent, releaseId));
            tamper.put("host_to_management", hostToManagement(agent, config, summary, scripted));
            final long kept = agent.active().version();
            final Instant restartedAt = Instant.now();
            agent.close();
            agent = null;
            tamper.put("bundle_modified_on_disk", modifiedBundle(config, agentLog));
            agent = new DpuAgent(config, agentLog);
            final DpuAgent restarted = agent;
            say("   restarted agent: trusted boot found " + describeBoot(agent.boot()) + " → fail-closed: " +
                agent.active().failClosed());
            tamper.put("boot_after_modification", agent.boot().toJson().getMap());
            agent.start().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
            await("the service to send release " + kept + " again", () -> restarted.active().version() == kept, 60);
            await("the service's record of the agent's ACK", () -> serviceAcked(kept, restartedAt), 30);
            say("   on reconnect the service sent release " + kept + " again: verified, enforced, kept, ACKed");
            tamper.put("recovered_version", agent.active().version());
            result.put("tamper", tamper);

            final PolicyClient.State state = agent.channel();
            final Map<String, Object> policy = new LinkedHashMap<>();
            policy.put("name", "demo");
            policy.put("version", agent.active().version());
            policy.put("acked", serviceAcked(kept, restartedAt) && state.acks() > 0);
            policy.put("ack_ms", ackMs);
            policy.put("segmentation_rules", agent.active().segmentationRules());
            policy.put("dpi_rules", agent.active().dpiRules());
            result.put("policy", policy);
            agent.events().flush();
            final long exported;
            try (Stream<String> lines = Files.lines(agent.events().path()))
            {
                exported = lines.count();
            }
            result.put("events", Map.of("exported", exported, "failed", agent.events().failed(),
                "file", keep != null ? agent.events().path().toString() : "(temporary; --keep DIR keeps it)"));
            final double seconds = (System.nanoTime() - started) / 1e9;
            result.put("seconds", Math.round(seconds * 10) / 10.0);
            say("");
            say(String.format(Locale.ROOT, "Done in %.1f s. %s events (agent, firewall, DPI alerts) in the agent's " +
                "JSON-lines file%s.", seconds, Output.count(exported), keep != null ? " " + agent.events().path() :
                ""));
            say("Next: 'palisade agent --help' to run an agent, 'palisade api --help' for the service, docs/agent.md.");
            if (json)
            {
                out.println(Json.write(result));
            }
            out.flush();
            return Main.EXIT_OK;
        }
        finally
        {
            if (agent != null)
            {
                agent.close();
            }
            if (api != null)
            {
                api.close();
            }
            agentLog.close();
            serviceLog.close();
            if (keep == null)
            {
                deleteTree(dir, err);
            }
        }
    }

    private String attesterKind()
    {
        if (attesterChoice == null)
        {
            return SwtpmProcess.isInstalled() ? "swtpm" : "software";
        }
        final String kind = attesterChoice.strip().toLowerCase(Locale.ROOT);
        if (!kind.equals("swtpm") && !kind.equals("software"))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attester must be swtpm or software");
        }
        if (kind.equals("swtpm") && !SwtpmProcess.isInstalled())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attester swtpm: swtpm is not installed " +
                "(apt-get install swtpm swtpm-tools, or ./run-tests which installs it)");
        }
        return kind;
    }

    /** Writes the agent's configuration file as an operator would, and reads it back as 'palisade agent' does. */
    private AgentConfig agentConfig(final Path agentDir, final Path serviceDir, final int agentPort,
        final String attester) throws Exception
    {
        operators = Pki.Authority.create("demo operators CA", Duration.ofDays(1));
        final KeyPair server = Pki.newKeyPair();
        final X509CertificateHolder serverCertificate = operators.issue(server.getPublic(), DPU + " management",
            Pki.Usage.SERVER, List.of(Pki.DPU_URI_PREFIX + DPU), List.of(MANAGEMENT_ADDRESS), Instant.now(),
            Duration.ofDays(1));
        Files.writeString(agentDir.resolve("operators-ca.pem"), operators.certificatePem());
        Files.writeString(agentDir.resolve("management.pem"), Pki.certificatePem(serverCertificate));
        Files.writeString(agentDir.resolve("management.key"), Pki.privateKeyPem(server.getPrivate()));
        restrict(agentDir.resolve("management.key"));
        final Path file = agentDir.resolve("agent.yaml");
        Files.writeString(file, String.join("\n",
            "# Written by 'palisade demo': the agent's configuration, as 'palisade agent --config' reads it.",
            "id: " + DPU,
            "labels: {site: lab, ring: canary}",
            "data_dir: data",
            "policy_service:",
            "  host: 127.0.0.1",
            "  port: " + agentPort,
            "  ca: " + serviceDir.resolve(AgentCa.CA_CERT_FILE),
            "  root_key: " + serviceDir.resolve("dev-root.pub"),
            "  max_backoff: 2s",
            "attester: " + attester,
            "management:",
            "  address: " + MANAGEMENT_ADDRESS,
            "  port: 0",
            "  certificate: management.pem",
            "  key: management.key",
            "  client_ca: operators-ca.pem",
            "  peers: [127.0.0.0/8]",
            "host_addresses: [10.0.0.0/24]",
            "dataplane:",
            "  workers: " + workers,
            "") + "\n");
        return AgentConfig.load(file);
    }

    private record Scripted(TrafficStats generated, int attacks, long probePackets)
    {
    }

    /** The generated traffic, then the scripted conversations after it. */
    private static Scripted writeTraffic(final TrafficSpec trafficSpec, final Path capture) throws IOException
    {
        try (CaptureWriter writer = CaptureWriter.create(capture, LinkType.ETHERNET))
        {
            final TrafficStats generated = TrafficGenerator.generate(trafficSpec, writer,
                TrafficGenerator.ProgressListener.NONE);
            final long after = trafficSpec.startTimeNs() + trafficSpec.packets() * 1_000_000_000L /
                trafficSpec.packetsPerSecond() + 1_000_000_000L;
            final SessionWriter sessions = new SessionWriter(writer, after);
            final String[] attacks = {
                "/products?id=1%20UNION%20SELECT%20username,password%20FROM%20users",
                "/static/../../../../etc/passwd",
                "/search?q=<script>alert(document.cookie)</script>",
                "/report?from=2026-01-01'%20OR%20'1'='1",
            };
            int port = 41000;
            for (final String uri : attacks)
            {
                sessions.tcp("10.0.0.10", port++, "151.101.64.10", 80, ("GET " + uri + " HTTP/1.1\r\nHost: " +
                    "shop.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n").getBytes(
                    StandardCharsets.ISO_8859_1), ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").getBytes(
                    StandardCharsets.ISO_8859_1));
            }
            // Denied by the policy: a worker on plain HTTP (workers reach TLS only), a front end on an odd UDP port.
            sessions.unansweredSyn("10.0.0.70", 42000, "151.101.64.10", 80, 2);
            sessions.udp("10.0.0.11", 42001, "203.0.113.50", 5000, "hello".getBytes(StandardCharsets.US_ASCII), null);
            // The host reaching for the DPU's management API through the data plane: the policy's ops-console rule
            // allows the host anything on 9443; self-protection drops it anyway.
            final long before = sessions.packets();
            sessions.unansweredSyn(HOST_VM, 43000, MANAGEMENT_ADDRESS, 9443, 2);
            sessions.unansweredSyn("10.0.0.5", 43001, MANAGEMENT_ADDRESS, 22, 1);
            return new Scripted(generated, attacks.length, sessions.packets() - before);
        }
    }

    /** An older release offered again: what a replayed push would carry. */
    private Map<String, Object> replayOldVersion(final DpuAgent agent, final long firstReleaseId) throws Exception
    {
        final JsonObject second = request("POST", "/v1/releases", new JsonObject().put("policy", "demo")
            .put("rulesets", List.of("web-attacks")));
        final long version = second.getLong("version");
        request("POST", "/v1/releases/" + second.getLong("id") + "/promote", new JsonObject().put("stage", "all"));
        await("the agent's ACK of release " + version, () -> agent.active().version() == version, 60);
        final byte[] old = get("/v1/releases/" + firstReleaseId + "/bundle");
        final long oldVersion = request("GET", "/v1/releases/" + firstReleaseId, null).getLong("version");
        // Offered to the agent's release handling directly, as the channel hands it a pushed release: the service
        // itself never sends an older release, so a replay would come from someone between them.
        final PolicyClient.Outcome outcome = agent.keeper().offer(firstReleaseId, old);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("offered_version", oldVersion);
        m.put("active_version", agent.active().version());
        if (outcome instanceof PolicyClient.Nack nack)
        {
            m.put("outcome", "nack");
            m.put("reason", nack.reason());
            say("   a) release v" + oldVersion + " (its genuine signed bytes) offered again while v" + version +
                " runs, as a replayed push would deliver it: NACK " + nack.reason() + "; v" +
                agent.active().version() + " stays");
        }
        else
        {
            m.put("outcome", "ack");
            say("   a) release v" + oldVersion + " offered again was ACCEPTED: this is a bug");
        }
        return m;
    }

    /** The host side against the management API: no listener host-side, no way through the data plane, no way in without a certificate. */
    private Map<String, Object> hostToManagement(final DpuAgent agent, final AgentConfig config,
        final ReplaySummary summary, final Scripted scripted) throws Exception
    {
        final int port = agent.managementPort();
        final Map<String, Object> m = new LinkedHashMap<>();
        String hostSide;
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(HOST_SIDE_ADDRESS, port), 2000);
            hostSide = "connected";
        }
        catch (final ConnectException e)
        {
            hostSide = "refused";
        }
        catch (final IOException e)
        {
            hostSide = "no answer (" + e.getClass().getSimpleName() + ")";
        }
        m.put("host_side_connect", hostSide);
        m.put("data_plane_packets_dropped", summary.counter(Counter.SELF_PROTECTION));
        m.put("data_plane_packets_sent", scripted.probePackets());
        final String anonymous = managementCall(port, null, operators);
        final String operator = managementCall(port, "viewer", operators);
        m.put("without_client_certificate", anonymous);
        m.put("operator_with_certificate", operator);
        say("   b) host side → management port " + port + ": connection " + hostSide + " (nothing listens " +
            "host-side); through the data plane " + summary.counter(Counter.SELF_PROTECTION) + " of " +
            scripted.probePackets() + " probe packets dropped by self-protection although the policy allows them");
        say("      on the management address: without a client certificate " + anonymous + "; an operator's " +
            "viewer certificate " + operator);
        return m;
    }

    /** GET /v1/status on the management API, with an operator certificate of {@code role} or none. */
    private static String managementCall(final int port, final String role, final Pki.Authority operators)
        throws Exception
    {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("operators", Pki.toX509(operators.certificate()));
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (role != null)
        {
            final KeyPair pair = Pki.newKeyPair();
            keys.setKeyEntry("operator", pair.getPrivate(), new char[0], new Certificate[] {Pki.toX509(
                operators.issue(pair.getPublic(), "demo operator", Pki.Usage.CLIENT, List.of(Pki.ROLE_URI_PREFIX +
                role), List.of(), Instant.now(), Duration.ofHours(1)))});
        }
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        final SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        final HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5))
            .build();
        try
        {
            final HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://" +
                MANAGEMENT_ADDRESS + ":" + port + "/v1/status")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            return "answered " + response.statusCode();
        }
        catch (final IOException e)
        {
            return "refused (TLS handshake: " + (e.getMessage() == null ? e.getClass().getSimpleName() :
                e.getMessage()) + ")";
        }
        finally
        {
            client.close();
        }
    }

    /** Flips one byte in the middle of the kept release, as someone with the disk would. */
    private Map<String, Object> modifiedBundle(final AgentConfig config, final PrintStream agentLog)
        throws IOException
    {
        final Path kept = config.bundleDir().resolve(BundleStore.CURRENT);
        final byte[] bytes = Files.readAllBytes(kept);
        final int at = bytes.length / 2;
        bytes[at] ^= 0x01;
        Files.write(kept, bytes);
        agentLog.println("demo: flipped byte " + at + " of " + kept);
        say("   c) agent stopped; one byte of its kept release flipped on disk (" + kept.getFileName() + ", byte " +
            at + " of " + bytes.length + ")");
        return Map.of("file", kept.getFileName().toString(), "byte", at);
    }

    /** Owner-only: the demo's folder holds private keys and the agent's events. */
    private static void restrict(final Path path)
    {
        try
        {
            java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(
                Files.isDirectory(path) ? "rwx------" : "rw-------"));
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            // not POSIX: defaults
        }
    }

    private static String describeBoot(final DpuAgent.Boot boot)
    {
        return switch (boot.outcome())
        {
            case DpuAgent.Boot.MISSING -> "no kept release";
            case DpuAgent.Boot.LOADED -> "release " + boot.version() + ", verified again";
            default -> "a kept release it REFUSED (" + boot.reason() + ")";
        };
    }

    private static String skipped(final JsonObject summary)
    {
        final int skipped = summary.getInteger("dpi_rules_skipped", 0);
        return skipped == 0 ? "" : " (" + skipped + " left out: keywords not implemented)";
    }

    /** Waits for the service's record of the ACK. @return promote → ACK as the service recorded it, ms. */
    private static long awaitAck(final ApiLauncher.Running api, final long releaseId, final Instant promoted)
        throws Exception
    {
        await("the service's record of the ACK", () -> acked(api, releaseId), 30);
        final var page = api.store().deliveries(releaseId, "acked", null, 10).toCompletionStage()
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return page.items().isEmpty() ? -1 : Duration.between(promoted, Instant.parse(page.items().get(0).at()))
            .toMillis();
    }

    private static boolean acked(final ApiLauncher.Running api, final long releaseId)
    {
        try
        {
            return api.store().deliveryCounts(releaseId).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).getOrDefault("acked", 0L) > 0;
        }
        catch (final Exception e)
        {
            return false;
        }
    }

    /** Whether the service recorded an ACK of {@code version} from the DPU since {@code since}. */
    private boolean serviceAcked(final long version, final Instant since)
    {
        try
        {
            final JsonObject ack = request("GET", "/v1/dpus/" + DPU, null).getJsonObject("last_ack");
            return ack != null && ack.getLong("version") == version && !Instant.parse(ack.getString("at"))
                .isBefore(since);
        }
        catch (final Exception e)
        {
            return false;
        }
    }

    private void step(final int n, final String text)
    {
        say(n + ". " + text);
    }

    private void say(final String text)
    {
        if (!json)
        {
            out.println(text);
            out.flush();
        }
    }

    private JsonObject request(final String method, final String path, final JsonObject body) throws Exception
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() :
                HttpRequest.BodyPublishers.ofString(body.encode()))
            .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(60));
        if (body != null)
        {
            builder.header("Content-Type", "application/json");
        }
        final HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2)
        {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " +
                response.body());
        }
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    private byte[] get(final String path) throws Exception
    {
        final HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200)
        {
            throw new IllegalStateException("GET " + path + " answered " + response.statusCode());
        }
        return response.body();
    }

    private static void await(final String what, final BooleanSupplier condition, final int seconds)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what + "; see " +
                    "the logs (--keep DIR keeps service.log and agent.log)");
            }
            Thread.sleep(20);
        }
    }

    static String resource(final String name) throws IOException
    {
        try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(name))
        {
            if (in == null)
            {
                throw new IOException(name + " is missing from the build; rebuild with ./mvnw package");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void deleteTree(final Path dir, final PrintWriter err)
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException e)
        {
            err.println("demo: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
