package dev.palisade.cli;

import dev.palisade.enforcement.agent.AgentConfig;
import dev.palisade.enforcement.agent.DpuAgent;
import dev.palisade.enforcement.counters.Counter;
import dev.palisade.enforcement.pipeline.ReplaySummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code palisade agent --config FILE}: the DPU-resident service ({@link DpuAgent}). Trusted boot, then the management
 * API, the attester and the policy client; with a capture, its traffic through the data plane once a release is
 * enforced. Runs until stopped (SIGTERM, Ctrl-C), or with {@code --once} until the capture has been replayed.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = {
        "Run the DPU agent: trusted boot, the data plane, the attester, the policy client and the management API.",
        "",
        "At start the agent verifies the release it kept on disk again (signatures to the pinned root, target, " +
            "expiry, digests) and enforces it before any packet flows; with none, or one that fails, it enforces " +
            "fail-closed (only the management plane passes). It then enrols with the policy service by TPM " +
            "evidence, holds a mutual-TLS channel open, answers attestation challenges, and verifies, enforces, " +
            "keeps and ACKs (or NACKs, with the reason) each release pushed to it. The management API binds the " +
            "management address only; the data plane drops host packets addressed to it whatever the policy.",
        "",
        "The configuration file (YAML) is described in docs/agent.md; an example:",
        "  id: dpu-r12-07",
        "  data_dir: /var/lib/palisade",
        "  policy_service: {host: 192.0.2.1, port: 8443, ca: agent-ca.pem, root_key: policy-root.pub}",
        "  attester: tpm                  # tpm | swtpm | software (dev only)",
        "  spdm_devices:                  # optional: SPDM responders measured beside each quote",
        "    - {name: nic0, command: [/opt/vendor/spdm-measure, --nonce, \"{nonce}\"], chain: nic0-chain.pem}",
        "  management: {address: 192.0.2.10, port: 9443, certificate: mgmt.pem, key: mgmt.key,",
        "               client_ca: operators-ca.pem, peers: [192.0.2.0/24]}",
        "  host_addresses: [10.0.0.0/24]",
        "  dataplane: {workers: 2, replay: traffic.pcap}",
        ""},
    sortOptions = false)
public final class AgentCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "The agent's configuration (YAML).")
    Path config;

    @Option(names = "--replay", paramLabel = "CAPTURE",
        description = "Run this capture (pcap or pcapng) through the data plane; overrides dataplane.replay.")
    Path replay;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "60",
        description = "How long to wait for the policy service before replaying anyway, fail-closed or on the kept " +
            "release (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Option(names = "--once", description = "Stop after replaying the capture (scripts, tests).")
    boolean once;

    @Option(names = "--check", description = "Read the configuration and do the trusted boot, then stop: says " +
        "whether the kept release would be enforced.")
    boolean check;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (connectTimeoutSeconds < 0 || connectTimeoutSeconds > 3600)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--connect-timeout must be 0..3600 seconds");
        }
        final AgentConfig loaded;
        try
        {
            loaded = AgentConfig.load(config);
        }
        catch (final AgentConfig.ConfigException e)
        {
            err.println("agent: " + e.getMessage());
            err.println("agent: see 'palisade agent --help' and docs/agent.md for the configuration file");
            err.flush();
            return Main.EXIT_USAGE;
        }
        final Path capture = replay != null ? replay : loaded.replay();
        if (capture != null && !Files.isReadable(capture))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "capture " + capture + " cannot be read");
        }
        if (once && capture == null)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--once needs a capture (--replay or " +
                "dataplane.replay)");
        }
        final PrintStream log = System.err;
        final DpuAgent agent = new DpuAgent(loaded, log);
        if (check)
        {
            out.println(agent.status().encodePrettily());
            out.flush();
            agent.close();
            return agent.boot().outcome().equals(DpuAgent.Boot.REFUSED) ? Main.EXIT_FAILED : Main.EXIT_OK;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            agent.close();
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            try
            {
                agent.start().toCompletionStage().toCompletableFuture().get(connectTimeoutSeconds, TimeUnit.SECONDS);
            }
            catch (final TimeoutException e)
            {
                log.println("agent: not connected to the policy service after " + connectTimeoutSeconds +
                    " s; still trying in the background (" + agent.channel().lastError() + ")");
            }
            catch (final ExecutionException e)
            {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            if (capture != null)
            {
                awaitRelease(agent, log);
                log.println("agent: replaying " + capture + " through the data plane (release " +
                    agent.active().version() + (agent.active().failClosed() ? ", fail-closed" : "") + ")…");
                final ReplaySummary summary = agent.replay(capture);
                log.printf("agent: %d packets: %d allowed, %d denied (%d host → management dropped by " +
                    "self-protection), %d DPI alerts; events in %s%n", summary.packets(),
                    summary.counter(Counter.ALLOWED), summary.counter(Counter.DENIED),
                    summary.counter(Counter.SELF_PROTECTION), agent.counters().getLong("alerts"),
                    agent.events().path());
            }
            if (once)
            {
                out.println(agent.status().encodePrettily());
                out.flush();
                removeHook(hook);
                agent.close();
                return Main.EXIT_OK;
            }
        }
        catch (final Exception e)
        {
            // Closed here rather than by the exit hook: an in-process caller (the demo, tests) lives on after this.
            removeHook(hook);
            agent.close();
            throw e;
        }
        stopped.await();
        return Main.EXIT_OK;
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException e)
        {
            // The JVM is already stopping: the hook runs, and closing twice is harmless (close is idempotent).
        }
    }

    /** Gives a connected agent a moment to receive the release the service has for it before traffic flows. */
    private void awaitRelease(final DpuAgent agent, final PrintStream log) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(connectTimeoutSeconds);
        while (agent.active().failClosed() && agent.channel().connected() && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
    }
}
