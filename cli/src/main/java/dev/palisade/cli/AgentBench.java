package dev.palisade.cli;

import dev.palisade.api.ApiLauncher;
import dev.palisade.api.fleet.AgentCa;
import dev.palisade.api.store.Store;
import dev.palisade.policy.Json;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code palisade bench agents}: the policy API in dev mode in this JVM, and {@code --agents} simulated agents in
 * {@code --jvms} child JVMs on loopback, each agent with its own identity (enrolled, its own client certificate and
 * connection, attested). A release is promoted to all; the figure is the time from the promotion to each DPU's ACK as
 * the service recorded it (p50, p99, last), and the API's memory per connected agent (heap after GC, and direct
 * buffers, with all connected minus before any).
 */
@Command(
    name = "agents",
    mixinStandardHelpOptions = true,
    description = {
        "Promote a release to many connected agents and time it to the last ACK; memory per connected agent.",
        "",
        "Agents are simulated (software attesters, no data plane) but speak the real protocol: enrolment, mutual TLS,",
        "attestation, the pushed bundle verified as a DPU verifies it, then ACK."})
final class AgentBench implements java.util.concurrent.Callable<Integer>
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--agents", paramLabel = "N", defaultValue = "1000", description = "Agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--jvms", paramLabel = "N", defaultValue = "3",
        description = "Child JVMs the agents are spread over (default: ${DEFAULT-VALUE}).")
    int jvms;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
        description = "Releases promoted one after another, each timed (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: fleet}
        inventory:
          workloads:
            - {name: web, labels: {app: web}, addresses: [10.1.0.0/24]}
        tiers:
          application:
            - {name: web-in, from: {any: true}, to: {workload: web}, protocol: tcp, ports: [443], action: allow}
        """;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (agents < 1 || agents > 20_000 || jvms < 1 || jvms > 16 || rounds < 1 || rounds > 100)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agents 1..20000, --jvms 1..16, " +
                "--rounds 1..100");
        }
        final Path dir = Files.createTempDirectory("palisade-bench-agents");
        final List<Process> children = new ArrayList<>();
        ApiLauncher.Running api = null;
        try
        {
            api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null, null, null, 60, null,
                null, List.of(), ApiLauncher.Agents.dev(0, Duration.ofMinutes(10))), new java.io.PrintStream(
                java.io.OutputStream.nullOutputStream())).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
            final String admin = new JsonObject(Files.readString(api.devTokens())).getString("policy-admin");
            final Store.Actor actor = new Store.Actor("bench", "policy-admin");
            err.println("bench agents: registering " + agents + " DPUs…");
            err.flush();
            for (int i = 0; i < agents; i++)
            {
                api.store().registerDpu(String.format("dpu-%05d", i), "{}", actor).toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            final HttpClient http = HttpClient.newHttpClient();
            final String base = "http://127.0.0.1:" + api.server().port();
            call(http, base, admin, "/v1/policies", new JsonObject().put("document", POLICY));
            final long[] heapBefore = memory();

            final String jar = Path.of(AgentBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
            final String java = ProcessHandle.current().info().command().orElse("java");
            final long startConnect = System.nanoTime();
            for (int j = 0; j < jvms; j++)
            {
                final int first = (int)((long)agents * j / jvms);
                final int count = (int)((long)agents * (j + 1) / jvms) - first;
                final Process child = new ProcessBuilder(java, "-Xmx1g", "-XX:+UseParallelGC", "-cp", jar,
                    AgentSwarm.class.getName(), "127.0.0.1", Integer.toString(api.fleet().port()),
                    dir.resolve(AgentCa.CA_CERT_FILE).toString(), dir.resolve("dev-root.pub").toString(),
                    Integer.toString(first), Integer.toString(count))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                children.add(child);
            }
            for (final Process child : children)
            {
                final String line = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
                if (line == null || !line.startsWith("ready"))
                {
                    throw new IllegalStateException("a child JVM of agents failed to start (pid " + child.pid() + ")");
                }
            }
            final ApiLauncher.Running running = api;
            await("all " + agents + " agents connected and attested", () -> running.fleet().connectedCount() ==
                agents && attested(running, agents));
            final double connectS = (System.nanoTime() - startConnect) / 1e9;
            err.printf(Locale.ROOT, "bench agents: %d agents enrolled, connected and attested in %.1f s%n", agents,
                connectS);
            err.flush();

            final List<Map<String, Object>> measured = new ArrayList<>();
            for (int round = 1; round <= rounds; round++)
            {
                final long release = call(http, base, admin, "/v1/releases", new JsonObject().put("policy", "fleet"))
                    .getLong("id");
                final Instant promoted = Instant.now();
                call(http, base, admin, "/v1/releases/" + release + "/promote", new JsonObject().put("stage", "all"));
                await("every ACK of release " + release, () -> acked(running, release) >= agents);
                final long[] ms = latencies(running, release, promoted);
                final Map<String, Object> r = new LinkedHashMap<>();
                r.put("round", round);
                r.put("p50_ms", ms[ms.length / 2]);
                r.put("p99_ms", ms[Math.min(ms.length - 1, (int)Math.ceil(ms.length * 0.99) - 1)]);
                r.put("last_ms", ms[ms.length - 1]);
                measured.add(r);
                err.println("bench agents: round " + round + ": promote → ACK p50 " + r.get("p50_ms") + " ms, p99 " +
                    r.get("p99_ms") + " ms, last " + r.get("last_ms") + " ms");
                err.flush();
            }
            final long[] heapAfter = memory();
            final Map<String, Object> result = new LinkedHashMap<>();
            result.put("scenario", "agents");
            result.put("agents", agents);
            result.put("jvms", jvms);
            result.put("connect_s", Math.round(connectS * 10) / 10.0);
            result.put("rounds", measured);
            result.put("heap_bytes_per_agent", (heapAfter[0] - heapBefore[0]) / agents);
            result.put("direct_bytes_per_agent", (heapAfter[1] - heapBefore[1]) / agents);
            if (json)
            {
                out.println(Json.write(result));
            }
            else
            {
                out.println(agents + " agents over " + jvms + " JVMs, promote → ACK (as the service recorded it):");
                for (final Map<String, Object> r : measured)
                {
                    Output.row(out, "round " + r.get("round"), "p50 " + r.get("p50_ms") + " ms, p99 " +
                        r.get("p99_ms") + " ms, last " + r.get("last_ms") + " ms");
                }
                Output.row(out, "enrol+connect+attest", result.get("connect_s") + " s");
                Output.row(out, "API heap per agent", result.get("heap_bytes_per_agent") + " B");
                Output.row(out, "API direct memory per agent", result.get("direct_bytes_per_agent") + " B");
            }
            return Main.EXIT_OK;
        }
        finally
        {
            for (final Process child : children)
            {
                child.getOutputStream().close();
            }
            for (final Process child : children)
            {
                if (!child.waitFor(20, TimeUnit.SECONDS))
                {
                    child.destroyForcibly();
                }
            }
            if (api != null)
            {
                api.close();
            }
            try (var files = Files.walk(dir))
            {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean attested(final ApiLauncher.Running api, final int agents)
    {
        for (int i = 0; i < agents; i++)
        {
            if (!api.fleet().trusted(String.format("dpu-%05d", i)))
            {
                return false;
            }
        }
        return true;
    }

    private static long acked(final ApiLauncher.Running api, final long release)
    {
        try
        {
            return api.store().deliveryCounts(release).toCompletionStage().toCompletableFuture().get(10,
                TimeUnit.SECONDS).getOrDefault("acked", 0L);
        }
        catch (final Exception e)
        {
            return 0;
        }
    }

    /** @return milliseconds from the promotion to each recorded ACK, sorted. */
    private static long[] latencies(final ApiLauncher.Running api, final long release, final Instant promoted)
        throws Exception
    {
        final List<Long> ms = new ArrayList<>();
        String after = null;
        do
        {
            final Store.Page<Store.Delivery> page = api.store().deliveries(release, "acked", after, 500)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            page.items().forEach(d -> ms.add(Duration.between(promoted, Instant.parse(d.at())).toMillis()));
            after = page.next();
        }
        while (after != null);
        return ms.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** @return {heap used after GC, direct buffers used}. */
    private static long[] memory() throws InterruptedException
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
            Thread.sleep(200);
        }
        long direct = 0;
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (pool.getName().equals("direct"))
            {
                direct = pool.getMemoryUsed();
            }
        }
        final long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
            direct + Math.max(0, netty)};
    }

    private static JsonObject call(final HttpClient http, final String base, final String token, final String path,
        final JsonObject body) throws Exception
    {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
            .POST(HttpRequest.BodyPublishers.ofString(body.encode())).header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2)
        {
            throw new IllegalStateException("POST " + path + ": " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body());
    }

    private static void await(final String what, final java.util.function.BooleanSupplier condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("timed out after 5 minutes waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
