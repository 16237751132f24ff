package dev.palisade.cli;

import dev.palisade.enforcement.agent.ReleaseKeeper;
import dev.palisade.enforcement.agent.channel.AgentAttester;
import dev.palisade.enforcement.agent.channel.PolicyClient;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.VerificationKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Simulated DPU agents for {@code palisade bench agents}: in one JVM, {@code count} agents, each with its own identity
 * (a software attester's key, its own TLS key and enrolled client certificate, its own connection), that verify every
 * pushed bundle as a DPU does (root-pinned chain, digests, expiry, target, version) and ACK it. Prints
 * {@code ready N} once all are connected, and runs until its standard input closes.
 * <p>
 * Arguments: HOST PORT CA_FILE ROOT_FILE FIRST COUNT (DPU ids are {@code dpu-%05d} from FIRST).
 */
public final class AgentSwarm
{
    private AgentSwarm()
    {
    }

    /** A DPU that verifies and keeps the version; no data plane. */
    public static void main(final String[] args) throws Exception
    {
        final String host = args[0];
        final int port = Integer.parseInt(args[1]);
        final String ca = Files.readString(Path.of(args[2]));
        final VerificationKey root = PolicyKeyFiles.readPublic(Path.of(args[3]));
        final int first = Integer.parseInt(args[4]);
        final int count = Integer.parseInt(args[5]);
        final Vertx vertx = Vertx.vertx();
        final PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        final List<PolicyClient> clients = new ArrayList<>();
        // Enrol in waves: the point is the push, not a thundering herd of enrolments.
        for (int wave = 0; wave < count; wave += 25)
        {
            final List<Future<Void>> started = new ArrayList<>();
            for (int i = wave; i < Math.min(count, wave + 25); i++)
            {
                final String id = String.format("dpu-%05d", first + i);
                final PolicyClient client = new PolicyClient(vertx, new PolicyClient.Config(id, host, port, ca,
                    Duration.ofSeconds(5)), AgentAttester.software(), ReleaseKeeper.verifyOnly(id, Map.of(), root), quiet);
                clients.add(client);
                started.add(client.start());
            }
            Future.all(started).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        }
        System.out.println("ready " + count);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // until the bench closes our standard input
        }
        clients.forEach(PolicyClient::close);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
