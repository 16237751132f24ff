package dev.palisade.cli;

import dev.palisade.api.ApiLauncher;
import dev.palisade.api.store.Store;
import dev.palisade.policy.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@code palisade bench api}: requests per second and latency of an authorised GET of the DPU list. */
@Command(
    name = "api",
    description = {
        "Load on the policy API: a fixed number of connections each sends GET /v1/dpus (one page of the fleet, with " +
            "a bearer token that is validated and whose roles are checked on every request) as soon as the answer " +
            "to the last one came back (a closed loop). Reports requests/s and the latency distribution.",
        "",
        "By default the API runs in this process in dev mode on the embedded store, with --dpus registered DPUs; " +
            "the load generator shares the machine's cores with it, as wrk on loopback would. --url and --token aim " +
            "it at an API running elsewhere.",
        "",
        "Example: palisade bench api --connections 32 --duration 20 --json"},
    sortOptions = false)
final class ApiBench implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dpus", paramLabel = "N", defaultValue = "1000",
        description = "DPUs registered before the run (default: ${DEFAULT-VALUE}).")
    int dpus;

    @Option(names = "--page", paramLabel = "N", defaultValue = "50",
        description = "DPUs per page: ?limit= (default: ${DEFAULT-VALUE}).")
    int page;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "32",
        description = "Concurrent connections, one request in flight on each (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "20",
        description = "Measured time (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "10",
        description = "Unmeasured load first, for the JIT (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--postgres", paramLabel = "URI", description = "Run the in-process API on PostgreSQL.")
    String postgres;

    @Option(names = "--url", paramLabel = "URL", description = "An API running elsewhere, e.g. " +
        "http://127.0.0.1:8080 (needs --token).")
    URI url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token for --url (any role may read).")
    String token;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (connections < 1 || duration < 1 || warmup < 0 || page < 1 || page > 500 || dpus < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--connections and --duration must be at " +
                "least 1, --warmup and --dpus at least 0, --page 1..500");
        }
        if ((url == null) != (token == null))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--url and --token go together");
        }
        ApiLauncher.Running running = null;
        Path dataDir = null;
        final String host;
        final int port;
        final String bearer;
        try
        {
            if (url == null)
            {
                dataDir = Files.createTempDirectory("palisade-bench-api");
                running = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dataDir, true, null, null,
                    postgres, 60), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                err.println("bench api: registering " + dpus + " DPUs…");
                err.flush();
                final Store.Actor actor = new Store.Actor("bench", "policy-admin");
                for (int i = 0; i < dpus; i++)
                {
                    running.store().registerDpu(String.format("dpu-%05d", i), "{\"site\":\"site-" + (i % 10) + "\"}",
                        actor).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                }
                host = "127.0.0.1";
                port = running.server().port();
                bearer = new JsonObject(Files.readString(running.devTokens())).getString("auditor");
            }
            else
            {
                host = url.getHost();
                port = url.getPort() < 0 ? 80 : url.getPort();
                bearer = token;
            }
            final Map<String, Object> result = load(host, port, bearer, err);
            result.put("dpus", url == null ? dpus : null);
            result.put("store", url != null ? "remote" : postgres != null ? "postgresql" : "embedded");
            if (json)
            {
                out.println(Json.write(result));
            }
            else
            {
                out.println("GET /v1/dpus?limit=" + page + " with authorisation, " + connections + " connections, " +
                    duration + " s:");
                Output.row(out, "requests/s", result.get("requests_per_s"));
                Output.row(out, "latency p50", result.get("p50_ms") + " ms");
                Output.row(out, "latency p90", result.get("p90_ms") + " ms");
                Output.row(out, "latency p99", result.get("p99_ms") + " ms");
                Output.row(out, "latency max", result.get("max_ms") + " ms");
                Output.row(out, "errors", result.get("errors"));
            }
            return (Long)result.get("errors") == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
        }
        finally
        {
            if (running != null)
            {
                running.close();
            }
            if (dataDir != null)
            {
                try (var files = Files.walk(dataDir))
                {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Latencies of one phase, in nanoseconds. */
    private static final class Recorder
    {
        private long[] latencies = new long[1 << 16];
        private int count;

        synchronized void add(final long nanos)
        {
            if (count == latencies.length)
            {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }

        synchronized long[] sorted()
        {
            final long[] copy = Arrays.copyOf(latencies, count);
            Arrays.sort(copy);
            return copy;
        }
    }

    private Map<String, Object> load(final String host, final int port, final String bearer, final PrintWriter err)
        throws Exception
    {
        final Vertx vertx = Vertx.vertx();
        try
        {
            final HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost(host).setDefaultPort(port), new PoolOptions().setHttp1MaxSize(connections));
            final RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                .setURI("/v1/dpus?limit=" + page).putHeader("Authorization", "Bearer " + bearer);
            final AtomicLong errors = new AtomicLong();
            final List<String> firstErrors = new ArrayList<>();
            final long start = System.nanoTime();
            final long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
            final long end = measureFrom + TimeUnit.SECONDS.toNanos(duration);
            final CountDownLatch done = new CountDownLatch(connections);
            final Recorder measured = new Recorder();
            err.println("bench api: " + warmup + " s warm-up, then " + duration + " s measured, " + connections +
                " connections…");
            err.flush();
            for (int c = 0; c < connections; c++)
            {
                loop(client, request, measured, measureFrom, end, errors, firstErrors, done);
            }
            if (!done.await(warmup + duration + 60, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the load did not finish: requests are hanging");
            }
            final long[] sorted = measured.sorted();
            final double seconds = duration;
            final Map<String, Object> result = new LinkedHashMap<>();
            result.put("requests", (long)sorted.length);
            result.put("requests_per_s", Output.round(sorted.length / seconds, 0));
            result.put("p50_ms", ms(sorted, 0.50));
            result.put("p90_ms", ms(sorted, 0.90));
            result.put("p99_ms", ms(sorted, 0.99));
            result.put("max_ms", sorted.length == 0 ? null : Output.round(sorted[sorted.length - 1] / 1e6, 2));
            result.put("errors", errors.get());
            result.put("first_errors", firstErrors);
            result.put("connections", connections);
            result.put("page", page);
            result.put("duration_s", duration);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            result.put("java", Runtime.version().toString());
            return result;
        }
        finally
        {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static Double ms(final long[] sorted, final double quantile)
    {
        if (sorted.length == 0)
        {
            return null;
        }
        return Output.round(sorted[(int)Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1e6,
            2);
    }

    /** One connection's closed loop: the next request leaves when the last answer is in. */
    private static void loop(final HttpClient client, final RequestOptions request, final Recorder measured,
        final long measureFrom, final long end, final AtomicLong errors, final List<String> firstErrors,
        final CountDownLatch done)
    {
        final long sent = System.nanoTime();
        if (sent >= end)
        {
            done.countDown();
            return;
        }
        client.request(request).compose(r -> r.send().compose(response -> response.body().map(body ->
        {
            if (response.statusCode() != 200)
            {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + body.toString()
                    .substring(0, Math.min(200, body.length())));
            }
            return body;
        }))).onComplete(result ->
        {
            final long received = System.nanoTime();
            if (result.failed())
            {
                errors.incrementAndGet();
                synchronized (firstErrors)
                {
                    if (firstErrors.size() < 5)
                    {
                        firstErrors.add(String.valueOf(result.cause().getMessage()));
                    }
                }
            }
            else if (sent >= measureFrom)
            {
                measured.add(received - sent);
            }
            loop(client, request, measured, measureFrom, end, errors, firstErrors, done);
        });
    }
}
