package dev.palisade.enforcement.agent;

import dev.palisade.attestation.tpm.client.DeviceTransport;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.attestation.tpm.client.Tpm2;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.enforcement.agent.channel.AgentAttester;
import dev.palisade.enforcement.agent.channel.CommandSpdmDevice;
import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.enforcement.agent.channel.SpdmDevice;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.firewall.Quarantine;
import dev.palisade.enforcement.firewall.SelfProtection;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.VerificationKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The DPU-resident service: trusted boot, then the data plane, the attester, the policy client and the management API.
 *
 * <p>Trusted boot comes first and before any packet: the last release kept on disk is verified again (root-pinned
 * signatures, target, expiry, digests) and enforced; with none, or one that fails, the agent enforces the built-in
 * fail-closed program (only the management plane passes). Then the management API binds the management address (and
 * nothing host-facing), the attester is opened and the policy client enrols and connects. Releases the service pushes
 * go through {@link ReleaseKeeper}: verified, enforced, kept, ACKed or NACKed. Everything the agent does is written to
 * {@link EventLog}.
 */
public final class DpuAgent implements AutoCloseable
{
    /** What trusted boot found. */
    public record Boot(String outcome, long version, String reason, String detail)
    {
        public static final String LOADED = "loaded";
        public static final String MISSING = "missing";
        public static final String REFUSED = "refused";

        public JsonObject toJson()
        {
            final JsonObject json = new JsonObject().put("outcome", outcome);
            if (version > 0)
            {
                json.put("version", version);
            }
            if (reason != null)
            {
                json.put("reason", reason).put("detail", detail);
            }
            return json;
        }
    }

    private final AgentConfig config;
    private final PrintStream log;
    private final EventLog events;
    private final Enforcer enforcer;
    private final BundleStore store;
    private final ReleaseKeeper keeper;
    private final FirewallQuarantineControl quarantine;
    private final SelfProtection selfProtection;
    private final Boot boot;
    private final Map<Counter, AtomicLong> traffic = new LinkedHashMap<>();
    private final AtomicLong alerts = new AtomicLong();
    private final java.util.concurrent.locks.ReentrantLock lifecycle = new java.util.concurrent.locks.ReentrantLock();
    private boolean closed;

    private Vertx vertx;
    private ManagementServer management;
    private int managementPort;
    private AgentAttester attester;
    private PolicyClient client;

    /**
     * Trusted boot: reads the configuration's files, opens the event log, verifies and enforces the kept release (or
     * fails closed). No packet has flowed and nothing listens yet.
     *
     * @throws IOException              when a configured file cannot be read or the data directory written.
     * @throws IllegalArgumentException when a configured key or certificate does not read (the message says which).
     */
    public DpuAgent(final AgentConfig config, final PrintStream log) throws IOException
    {
        this(config, log, InstantSource.system());
    }

    /** @param clock what releases' issue and expiry times are checked against (tests fix it). */
    public DpuAgent(final AgentConfig config, final PrintStream log, final InstantSource clock) throws IOException
    {
        this.config = config;
        this.log = log;
        Files.createDirectories(config.dataDir());
        restrict(config.dataDir()); // the kept release, the swtpm's state, the events (payloads)
        Files.createDirectories(config.bundleDir());
        restrict(config.bundleDir());
        final VerificationKey root = readRoot(config.rootKey());
        RuleVariables variables = RuleVariables.defaults();
        for (final Map.Entry<String, String> v : config.ruleVariables().entrySet())
        {
            variables = variables.with(v.getKey(), v.getValue());
        }
        this.events = new EventLog(config.eventsFile(), Clock.systemUTC());
        try
        {
            this.enforcer = new Enforcer(config.hostAddresses(), config.managementPlane(), config.establishedFlows(),
                DpiConfig.defaults(), variables);
        }
        catch (final RuntimeException e)
        {
            events.close();
            throw e;
        }
        this.selfProtection = SelfProtection.byHostAddresses(config.managementPlane(), config.hostAddresses());
        this.quarantine = new FirewallQuarantineControl(enforcer.firewall(), List.of(), Clock.systemUTC());
        this.store = new BundleStore(config.bundleDir());
        for (final Counter c : List.of(Counter.PACKETS, Counter.ALLOWED, Counter.DENIED, Counter.SELF_PROTECTION,
            Counter.INSPECTION_DROPPED, Counter.MALFORMED, Counter.FLOWS_CREATED))
        {
            traffic.put(c, new AtomicLong());
        }
        this.keeper = new ReleaseKeeper(config.id(), config.labels(), root, clock,
            new ReleaseKeeper.Enforcement()
            {
                @Override
                public void enforce(final Bundle bundle) throws Enforcer.EnforcementException
                {
                    enforcer.apply(bundle);
                }

                @Override
                public void failClosed()
                {
                    enforcer.failClosed();
                }
            }, store, this::counters, new Listener());
        this.boot = trustedBoot();
    }

    private static VerificationKey readRoot(final Path file) throws IOException
    {
        try
        {
            return PolicyKeyFiles.readPublic(file);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("policy_service.root_key " + file + ": " + e.getMessage(), e);
        }
    }

    private Boot trustedBoot()
    {
        final Boot result = switch (store.load(keeper.bootVerifier()))
        {
            case BundleStore.Missing missing -> new Boot(Boot.MISSING, 0, null, null);
            case BundleStore.Refused refused -> new Boot(Boot.REFUSED, 0, refused.reason().label(), refused.detail());
            case BundleStore.Loaded loaded when olderThanReplaced(loaded.bundle()) != null -> new Boot(Boot.REFUSED, 0,
                BundleVerifier.Reason.VERSION_NOT_NEWER.label(), olderThanReplaced(loaded.bundle()));
            case BundleStore.Loaded loaded ->
            {
                try
                {
                    enforcer.apply(loaded.bundle());
                    keeper.booted(loaded.bundle());
                    yield new Boot(Boot.LOADED, loaded.bundle().manifest().version(), null, null);
                }
                catch (final Enforcer.EnforcementException e)
                {
                    enforcer.failClosed();
                    yield new Boot(Boot.REFUSED, 0, e.reason().label(), e.getMessage());
                }
            }
        };
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("dpu", config.id());
        fields.putAll(result.toJson().getMap());
        fields.put("fail_closed", enforcer.active().failClosed());
        events.agent("agent.boot", fields);
        switch (result.outcome())
        {
            case Boot.LOADED -> log.println("agent: trusted boot: release " + result.version() + " verified again " +
                "and enforced");
            case Boot.MISSING -> log.println("agent: trusted boot: no kept release; enforcing fail-closed (only the " +
                "management plane passes) until the policy service sends one");
            default -> log.println("agent: trusted boot: the kept release was REFUSED (" + result.reason() + ": " +
                result.detail() + "); enforcing fail-closed");
        }
        return result;
    }

    /**
     * A kept release is never older than the one it replaced ({@value BundleStore#PREVIOUS}): one that is was copied
     * over it, a rollback through the disk. @return why it is refused, or null.
     */
    private String olderThanReplaced(final Bundle current)
    {
        final Path previous = config.bundleDir().resolve(BundleStore.PREVIOUS);
        try
        {
            if (!Files.isRegularFile(previous, java.nio.file.LinkOption.NOFOLLOW_LINKS) ||
                Files.size(previous) > Bundle.MAX_BUNDLE_BYTES)
            {
                return null;
            }
            final long replaced = Bundle.decode(Files.readAllBytes(previous)).manifest().version();
            return current.manifest().version() > replaced ? null : "the kept release (version " +
                current.manifest().version() + ") is not newer than the one it replaced (version " + replaced +
                ", " + BundleStore.PREVIOUS + "): an older release copied over it? It is not used: the agent runs " +
                "fail-closed until the policy service sends the release again";
        }
        catch (final IOException | dev.palisade.policy.bundle.BundleFormatException | RuntimeException e)
        {
            return null; // an unreadable record of the past does not stop a release that verifies
        }
    }

    /**
     * Binds the management API, opens the attester and starts the policy client.
     *
     * @return completes when the client has first connected (it keeps retrying until then), or fails when the
     *         management API cannot bind.
     */
    public Future<Void> start() throws IOException
    {
        vertx = Vertx.vertx();
        management = new ManagementServer(vertx, new ManagementServer.Config(config.managementAddress(),
            config.managementPort(), read(config.managementCertificate(), "management.certificate"),
            read(config.managementKey(), "management.key"), read(config.managementClientCa(), "management.client_ca"),
            false), this::status, FlowSource.NONE, quarantine);
        attester = openAttester();
        client = new PolicyClient(vertx, new PolicyClient.Config(config.id(), config.serviceHost(),
            config.servicePort(), read(config.serviceCa(), "policy_service.ca"), config.maxBackoff()), attester,
            keeper, log);
        return management.start().compose(port ->
        {
            managementPort = port;
            log.println("agent: management API on https://" + hostPort(config.managementAddress(), port) +
                " (mutual TLS; nothing listens host-side)");
            events.agent("agent.started", Map.of("dpu", config.id(), "attester", attester.kind(),
                "management", hostPort(config.managementAddress(), port)));
            return client.start();
        });
    }

    /** The TPM (or stand-in) with the configured SPDM devices beside it. */
    private AgentAttester openAttester() throws IOException
    {
        final AgentAttester attester = openTpm();
        if (config.spdmDevices().isEmpty())
        {
            return attester;
        }
        final List<SpdmDevice> devices = new ArrayList<>();
        for (final AgentConfig.SpdmDeviceConfig device : config.spdmDevices())
        {
            devices.add(new CommandSpdmDevice(device.name(), device.command(), device.chain(), device.timeout()));
        }
        log.println("agent: SPDM devices: " + String.join(", ", devices.stream().map(SpdmDevice::name).toList()) +
            " (measured beside each quote when the policy service asks)");
        return AgentAttester.withDevices(attester, devices);
    }

    private AgentAttester openTpm() throws IOException
    {
        return switch (config.attester())
        {
            case SOFTWARE ->
            {
                log.println("agent: WARNING: software attester: a key in memory proves NOTHING about what this DPU " +
                    "runs; the policy service accepts it only in dev mode");
                yield AgentAttester.software();
            }
            case SWTPM ->
            {
                final Path state = config.dataDir().resolve("swtpm");
                Files.createDirectories(state);
                final SwtpmProcess swtpm = SwtpmProcess.start(state);
                try
                {
                    yield AgentAttester.tpm(swtpm.client(), swtpm);
                }
                catch (final IOException | RuntimeException e)
                {
                    swtpm.close();
                    throw e;
                }
            }
            case TPM -> AgentAttester.tpm(new Tpm2(DeviceTransport.open()), null);
        };
    }

    private static String read(final Path file, final String key) throws IOException
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new IOException(key + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String hostPort(final String host, final int port)
    {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Runs a capture through the data plane as enforced now: self-protection first, then connection tracking, the
     * firewall and deep inspection. Counters add up over replays.
     */
    public ReplaySummary replay(final Path capture) throws IOException
    {
        lifecycle.lock(); // close() waits for a replay: the workers use the DPI engine's native memory
        try
        {
            if (closed)
            {
                throw new IllegalStateException("the agent is stopped");
            }
            return replayLocked(capture);
        }
        finally
        {
            lifecycle.unlock();
        }
    }

    private ReplaySummary replayLocked(final Path capture) throws IOException
    {
        final DataPlaneConfig dataPlane = DataPlaneConfig.defaults();
        final ReplaySummary summary = new ReplayEngine(dataPlane, config.workers())
            .selfProtection(selfProtection)
            .firewall(enforcer.firewall(), events)
            .inspection(enforcer.dpi(), alert ->
            {
                alerts.incrementAndGet();
                events.alert(alert);
            })
            .replay(capture);
        events.flush();
        traffic.forEach((counter, total) -> total.addAndGet(summary.counter(counter)));
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("dpu", config.id());
        fields.put("capture", capture.toString());
        fields.put("policy_version", enforcer.active().version());
        fields.put("packets", summary.packets());
        fields.put("allowed", summary.counter(Counter.ALLOWED));
        fields.put("denied", summary.counter(Counter.DENIED));
        fields.put("self_protection", summary.counter(Counter.SELF_PROTECTION));
        events.agent("traffic.replayed", fields);
        return summary;
    }

    /** The data plane's counters since start, for reports to the service and status. */
    public JsonObject counters()
    {
        final JsonObject json = new JsonObject();
        traffic.forEach((counter, total) -> json.put(counter.label(), total.get()));
        json.put("alerts", alerts.get());
        return json;
    }

    /** Everything an operator asks first: what the management API's {@code GET /v1/status} answers. */
    public JsonObject status()
    {
        final JsonObject json = new JsonObject().put("dpu", config.id()).put("labels", new JsonObject(
            new LinkedHashMap<>(config.labels())));
        json.put("boot", boot.toJson());
        final Enforcer.Active active = enforcer.active();
        final JsonObject policy = new JsonObject().put("fail_closed", active.failClosed())
            .put("version", active.version()).put("name", active.policyName());
        if (active.digestHex() != null)
        {
            policy.put("digest", active.digestHex()).put("segmentation_rules", active.segmentationRules())
                .put("dpi_rules", active.dpiRules());
        }
        json.put("policy", policy);
        if (client != null)
        {
            final PolicyClient.State state = client.state();
            json.put("attestation", new JsonObject().put("attester", attester.kind())
                .put("devices", new JsonArray(attester.devices().stream().map(SpdmDevice::name).toList()))
                .put("status", state.attestation()).put("reasons", new JsonArray(state.attestationReasons()))
                .put("expires_at_seconds", state.attestationExpiresAtSeconds()));
            json.put("channel", new JsonObject().put("enrolled", state.enrolled()).put("connected",
                state.connected()).put("reconnects", state.reconnects()).put("last_error", state.lastError())
                .put("acks", state.acks()).put("nacks", state.nacks()));
        }
        final QuarantineControl.State q = quarantine.current();
        json.put("quarantine", new JsonObject().put("active", q.active()).put("targets", new JsonArray(q.targets()))
            .put("reason", q.reason()));
        json.put("traffic", counters());
        json.put("events", new JsonObject().put("file", events.path().toString()).put("written", events.written())
            .put("failed", events.failed()));
        return json;
    }

    public Boot boot()
    {
        return boot;
    }

    public Enforcer.Active active()
    {
        return enforcer.active();
    }

    public PolicyClient.State channel()
    {
        return client == null ? null : client.state();
    }

    /** @return the port the management API bound (0 before {@link #start}). */
    public int managementPort()
    {
        return managementPort;
    }

    public EventLog events()
    {
        return events;
    }

    public QuarantineControl quarantine()
    {
        return quarantine;
    }

    /** The service's release handling, for tests that offer a release as the channel would. */
    public ReleaseKeeper keeper()
    {
        return keeper;
    }

    /** Stops everything, after a replay in progress has finished. Safe to call more than once. */
    @Override
    public void close()
    {
        lifecycle.lock();
        try
        {
            if (closed)
            {
                return;
            }
            closed = true;
            closeLocked();
        }
        finally
        {
            lifecycle.unlock();
        }
    }

    private void closeLocked()
    {
        if (client != null)
        {
            client.close();
        }
        if (management != null)
        {
            await(management.close());
        }
        if (vertx != null)
        {
            await(vertx.close());
        }
        if (attester != null)
        {
            try
            {
                attester.close();
            }
            catch (final Exception e)
            {
                log.println("agent: closing the attester: " + e.getMessage());
            }
        }
        enforcer.close();
        events.agent("agent.stopped", Map.of("dpu", config.id()));
        events.close();
    }

    private static void await(final Future<?> future)
    {
        try
        {
            future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        catch (final Exception e)
        {
            // closing: nothing more to do about it
        }
    }

    private static void restrict(final Path directory)
    {
        try
        {
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            // not POSIX: the directory keeps its defaults
        }
    }

    /** Writes the keeper's decisions and the service's quarantine to the event log and the quarantine control. */
    private final class Listener implements ReleaseKeeper.Listener
    {
        @Override
        public void accepted(final long releaseId, final Bundle bundle)
        {
            final Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dpu", config.id());
            fields.put("release", releaseId);
            fields.put("version", bundle.manifest().version());
            fields.put("digest", bundle.digestHex());
            fields.put("policy", bundle.manifest().policyName());
            events.agent("policy.applied", fields);
            log.println("agent: release " + bundle.manifest().version() + " verified, enforced and kept");
        }

        @Override
        public void refused(final long releaseId, final long version, final String reason, final String detail)
        {
            final Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dpu", config.id());
            fields.put("release", releaseId);
            fields.put("version", version);
            fields.put("reason", reason);
            fields.put("detail", detail);
            events.agent("policy.refused", fields);
            log.println("agent: release " + releaseId + " REFUSED (" + reason + "): " + detail);
        }

        @Override
        public void quarantine(final String reason)
        {
            final List<String> targets = new ArrayList<>();
            config.hostAddresses().forEach(p -> targets.add(new Quarantine.Addresses(List.of(p)).describe()));
            if (reason == null)
            {
                quarantine.lift("lifted by the policy service");
                events.agent("quarantine.lifted", Map.of("dpu", config.id(), "by", "policy service"));
            }
            else
            {
                quarantine.quarantine(targets, "policy service: " + reason);
                events.agent("quarantine.set", Map.of("dpu", config.id(), "by", "policy service", "reason", reason,
                    "targets", targets));
            }
        }
    }
}
