package dev.palisade.api.fleet;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.api.ApiLauncher;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.SoftwareAttester;
import dev.palisade.attestation.verifier.PolicyBinding;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Arbitrary text messages from an enrolled agent, into the real message handling of an {@link AgentSession} of a real
 * {@link Fleet} (dev mode: the SQLite store in a temporary directory, software attesters) that has a promoted release
 * waiting for the DPU. The first byte chooses the framing: even, the rest is one text frame; odd, the rest is split at
 * line feeds into a sequence of frames on one session. Checked for every frame and run:
 * <ul>
 * <li>nothing escapes but the protocol's own {@link AgentSession.ProtocolError}, which has a reason and closes the
 * channel with 4400 and that reason, short enough for a close frame (RFC 6455, 5.5: 123 bytes), so the agent
 * hears why rather than seeing a broken connection (1006);</li>
 * <li>a release goes out only after an affirming attestation result on the same session, one at a time;</li>
 * <li>nothing is sent after the channel closed, and the verifier answers all evidence with a result (it never throws).
 * </li>
 * </ul>
 * The fuzzer cannot forge a quote or guess a nonce, so a frame may name what a real agent would have: {@code $NONCE}
 * (the last challenge's nonce, base64), {@code $DIGEST} (the promoted release's digest), and {@code $EVIDENCE} /
 * {@code $EVIDENCE1} (the {@code nonce}, {@code quote}, {@code signature} and {@code pcrs} members of a valid software
 * quote over the last nonce, bound to no policy / to the release). That is how runs reach a release and its ACK or
 * NACK. In {@code mvn test} only the seeds in {@code AgentMessageFuzzTestInputs/fuzzMessages} run; {@code JAZZER_FUZZ=1}
 * fuzzes.
 * <p>
 * The socket is the one stand-in: a recording {@link ServerWebSocket}, so that each run sees synchronously what the
 * session sent and how it closed; the transport is not what is tested here.
 */
class AgentMessageFuzzTest
{
    /** More frames than a run needs to reach any state; bounds the time one input can take. */
    private static final int MAX_FRAMES = 32;

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"$EVIDENCE", "$EVIDENCE1", "$NONCE", "$DIGEST", "\"type\":", "\"hello\"", "\"evidence\"",
        "\"ack\"", "\"nack\"", "\"report\"", "\"version\":", "\"digest\":", "\"counters\":", "\"nonce\":", "\"quote\":",
        "\"signature\":", "\"pcrs\":", "\"reason\":", "\"detail\":", "null", "1e19", "-1"})
    void fuzzMessages(final byte[] input) throws Exception
    {
        if (input.length == 0)
        {
            return;
        }
        final String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        final String[] frames = (input[0] & 1) == 0 ? new String[] {text} : text.split("\n", MAX_FRAMES + 1);
        try (Run run = Harness.get().open())
        {
            for (int i = 0; i < Math.min(frames.length, MAX_FRAMES); i++)
            {
                if (run.send(frames[i]) != null)
                {
                    break;
                }
            }
            run.finish();
        }
    }

    /**
     * One fleet for the whole JVM (the fuzz target's and the rejection tests'): dev mode, with DPU {@link #DPU}
     * registered and one release promoted to all DPUs, so that an attested session is offered it.
     */
    static final class Harness
    {
        static final String DPU = "dpu-fuzz";
        private static final Duration WAIT = Duration.ofSeconds(30);
        private static final String POLICY = """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: shop}
            inventory:
              workloads:
                - {name: web, labels: {app: web}, addresses: [10.1.0.0/24]}
            tiers:
              application:
                - {name: web-in, from: {any: true}, to: {workload: web}, protocol: tcp, ports: [443], action: allow}
            """;
        private static Harness instance;

        final Fleet fleet;
        final Fleet.ActiveRollout release;
        private final Log log = new Log();
        private final SoftwareAttester attester = new SoftwareAttester();
        private final PcrReference reference;

        private Harness() throws Exception
        {
            final Path dir = Files.createTempDirectory("palisade-agent-message-fuzz");
            final ApiLauncher.Running api = ApiLauncher.start(new ApiLauncher.Config("127.0.0.1", 0, dir, true, null,
                null, null, 60, null, null, List.of(), ApiLauncher.Agents.dev(0, Duration.ofSeconds(60))), log)
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            fleet = api.fleet();
            final String token = new JsonObject(Files.readString(api.devTokens())).getString("policy-admin");
            final String base = "http://127.0.0.1:" + api.server().port();
            post(base + "/v1/dpus", token, new JsonObject().put("id", DPU).put("labels", new JsonObject()));
            post(base + "/v1/policies", token, new JsonObject().put("document", POLICY));
            final long releaseId = post(base + "/v1/releases", token, new JsonObject().put("policy", "shop"))
                .getLong("id");
            // NACKs are part of the protocol; the rollout must not halt on the fuzzer's.
            post(base + "/v1/releases/" + releaseId + "/promote", token, new JsonObject().put("stage", "all")
                .put("max_nacks", 1_000_000));
            release = fleet.desired(DPU, Map.of());
            if (release == null)
            {
                throw new IllegalStateException("the promoted release does not include " + DPU);
            }
            // The software attester's PCRs are never extended: all zero, and that is the reference.
            final StringBuilder yaml = new StringBuilder("pcrs:\n  sha256:\n");
            for (final int pcr : Fleet.QUOTED_PCRS)
            {
                yaml.append("    ").append(pcr).append(": ").append("00".repeat(32)).append('\n');
            }
            reference = PcrReference.parse(yaml.toString());
        }

        static synchronized Harness get() throws Exception
        {
            if (instance == null)
            {
                instance = new Harness();
            }
            return instance;
        }

        private static JsonObject post(final String url, final String token, final JsonObject body) throws Exception
        {
            final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2)
            {
                throw new IllegalStateException("POST " + url + ": " + response.statusCode() + " " +
                    response.body());
            }
            return new JsonObject(response.body());
        }

        /** A new session of {@link #DPU} on a recording socket, as {@code Fleet.connect} makes one. */
        Run open()
        {
            final Channel channel = new Channel();
            final ServerWebSocket socket = (ServerWebSocket)Proxy.newProxyInstance(
                ServerWebSocket.class.getClassLoader(), new Class<?>[] {ServerWebSocket.class}, channel);
            return new Run(this, new AgentSession(fleet, socket, DPU, "fuzz", Map.of(), attester.publicKey(),
                reference), channel);
        }

        /** The members a real agent's evidence has, for a quote over {@code nonce} bound to {@code digest}. */
        String evidenceMembers(final byte[] nonce, final byte[] digest)
        {
            final SoftwareAttester.Quote quote = attester.quote(PolicyBinding.qualifyingData(nonce, digest),
                Fleet.QUOTED_PCRS);
            final Base64.Encoder base64 = Base64.getEncoder();
            return "\"nonce\":\"" + base64.encodeToString(nonce) + "\",\"quote\":\"" +
                base64.encodeToString(quote.attest()) + "\",\"signature\":\"" +
                base64.encodeToString(quote.signature()) + "\",\"pcrs\":\"" +
                base64.encodeToString(quote.pcrValues()) + "\"";
        }

        /** Runs {@code body} on the fleet's context, as the socket's handlers run, and waits for it. */
        <T> T onContext(final Callable<T> body) throws Exception
        {
            final Object[] result = new Object[1];
            final Throwable[] thrown = new Throwable[1];
            fleet.onContext(() ->
            {
                try
                {
                    result[0] = body.call();
                }
                catch (final Throwable t)
                {
                    thrown[0] = t;
                }
                return Future.succeededFuture();
            }).toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (thrown[0] instanceof Exception e)
            {
                throw e;
            }
            if (thrown[0] instanceof Error e)
            {
                throw e;
            }
            @SuppressWarnings("unchecked")
            final T value = (T)result[0];
            return value;
        }

        /**
         * Waits until what the session started on the store's writer (an ACK's or NACK's delivery record) has
         * finished and its continuation (the next offer) has run: the writer is one thread in order, and the
         * fleet's context runs callbacks in order.
         */
        void settleStore() throws Exception
        {
            onContext(() -> fleet.store().recordSeen("no-such-dpu", null, null, "{}"))
                .toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            onContext(() -> null);
        }

        static void await(final String what, final BooleanSupplier condition) throws InterruptedException
        {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (!condition.getAsBoolean())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("timed out waiting for " + what);
                }
                Thread.sleep(0, 100_000);
            }
        }
    }

    /** The fleet's log, counting what the checks need: appraisals that threw instead of giving a result. */
    static final class Log extends PrintStream
    {
        final AtomicInteger appraisalFailures = new AtomicInteger();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());

        Log()
        {
            super(OutputStream.nullOutputStream());
        }

        @Override
        public void println(final String line)
        {
            if (line.startsWith("policy-api: appraising DPU"))
            {
                appraisalFailures.incrementAndGet();
                failures.add(line);
            }
        }
    }

    /**
     * What the session sent and how it closed, checked as it happens (on the fleet's context). The session's use of
     * the socket is writing text and closing; anything else it calls is refused, so a change there is noticed here.
     */
    static final class Channel implements InvocationHandler
    {
        private final List<JsonObject> sent = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();
        private Short closeCode;
        private String closeReason;
        private String lastStatus;
        private String lastNonce;
        private boolean releaseOutstanding;

        @Override
        public Object invoke(final Object proxy, final Method method, final Object[] args)
        {
            final int arity = args == null ? 0 : args.length;
            return switch (method.getName() + "/" + arity)
            {
                case "writeTextMessage/1" ->
                {
                    written((String)args[0]);
                    yield Future.succeededFuture();
                }
                case "close/2" ->
                {
                    closed((Short)args[0], (String)args[1]);
                    yield Future.succeededFuture();
                }
                case "hashCode/0" -> System.identityHashCode(proxy);
                case "equals/1" -> proxy == args[0];
                case "toString/0" -> "recording agent channel";
                default -> throw new UnsupportedOperationException("the session called ServerWebSocket." +
                    method.getName() + ", which the recording socket does not model");
            };
        }

        private synchronized void written(final String text)
        {
            final JsonObject message = new JsonObject(text);
            sent.add(message);
            if (closeCode != null)
            {
                violations.add("sent " + message.getString("type") + " after closing");
            }
            switch (String.valueOf(message.getValue("type")))
            {
                case "challenge" -> lastNonce = message.getString("nonce");
                case "attestation" -> lastStatus = message.getString("status");
                case "release" ->
                {
                    if (!"affirming".equals(lastStatus))
                    {
                        violations.add("a release was sent without an affirming evidence round (last result: " +
                            lastStatus + ")");
                    }
                    if (releaseOutstanding)
                    {
                        violations.add("a second release was sent while one was outstanding");
                    }
                    releaseOutstanding = true;
                }
                default ->
                {
                }
            }
        }

        private synchronized void closed(final short code, final String reason)
        {
            if (closeCode != null)
            {
                violations.add("closed twice (" + closeCode + ", then " + code + ")");
            }
            closeCode = code;
            closeReason = reason;
            final int bytes = reason.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > 123)
            {
                violations.add("close reason of " + bytes + " bytes: a close frame carries at most 123 (RFC 6455, " +
                    "5.5), so the agent would see 1006 and no reason: " + reason);
            }
        }

        synchronized Short closeCode()
        {
            return closeCode;
        }

        synchronized String closeReason()
        {
            return closeReason;
        }

        synchronized String lastNonce()
        {
            return lastNonce;
        }

        synchronized void answered()
        {
            releaseOutstanding = false;
        }

        synchronized long count(final String type)
        {
            return sent.stream().filter(m -> type.equals(m.getValue("type"))).count();
        }

        synchronized List<JsonObject> sent()
        {
            return List.copyOf(sent);
        }

        synchronized void check()
        {
            if (!violations.isEmpty())
            {
                throw new AssertionError(String.join("; ", violations));
            }
        }
    }

    /** One session, fed frame by frame as the socket would feed it. Closing it ends the session without checks. */
    static final class Run implements AutoCloseable
    {
        private final Harness harness;
        private final AgentSession session;
        private final Channel channel;
        private final int appraisalFailuresAtStart;
        private int evidenceAccepted;

        Run(final Harness harness, final AgentSession session, final Channel channel)
        {
            this.harness = harness;
            this.session = session;
            this.channel = channel;
            this.appraisalFailuresAtStart = harness.log.appraisalFailures.get();
        }

        Channel channel()
        {
            return channel;
        }

        /**
         * Hands one text frame to the session, as the socket's text handler does, and waits for what it started that
         * decides what the session sends next (an appraisal, a delivery record).
         *
         * @return null when accepted; else the rejection's reason (the channel is then closed with 4400 and it).
         */
        String send(final String frame) throws Exception
        {
            final String text = substitute(frame);
            final AgentSession.ProtocolError error = harness.onContext(() ->
            {
                try
                {
                    session.handle(text);
                    return null;
                }
                catch (final AgentSession.ProtocolError e)
                {
                    session.reject(e);
                    return e;
                }
            });
            channel.check();
            if (error != null)
            {
                if (error.reason() == null || error.reason().isBlank())
                {
                    throw new AssertionError("a rejection without a reason for " + text);
                }
                if (channel.closeCode() == null || channel.closeCode() != Fleet.CLOSE_PROTOCOL)
                {
                    throw new AssertionError("rejected (" + error.reason() + ") but closed with " +
                        channel.closeCode());
                }
                // The reason as sent may be cut short (to fit a close frame), never changed.
                final String sent = channel.closeReason();
                final String stem = sent.endsWith("…") && !sent.equals(error.reason()) ?
                    sent.substring(0, sent.length() - 1) : sent;
                if (stem.isEmpty() || !error.reason().startsWith(stem))
                {
                    throw new AssertionError("rejected (" + error.reason() + ") but the close reason is " +
                        channel.closeReason());
                }
                return error.reason();
            }
            if (channel.closeCode() != null)
            {
                throw new AssertionError("accepted, yet the channel closed (" + channel.closeCode() + ": " +
                    channel.closeReason() + ") for " + text);
            }
            final Object type = typeOf(text);
            if ("evidence".equals(type))
            {
                evidenceAccepted++;
                Harness.await("the appraisal of evidence " + evidenceAccepted, () -> channel.count("attestation") +
                    harness.log.appraisalFailures.get() - appraisalFailuresAtStart >= evidenceAccepted);
                // The result is sent and the release offered in one callback on the fleet's context: a turn of that
                // context after seeing the result is after the offer too.
                harness.onContext(() -> null);
            }
            else if ("ack".equals(type) || "nack".equals(type))
            {
                channel.answered();
                harness.settleStore();
            }
            channel.check();
            return null;
        }

        /** Ends the session (as a disconnect would) and fails the run if anything was wrong. */
        void finish() throws Exception
        {
            close();
            channel.check();
            if (harness.log.appraisalFailures.get() != appraisalFailuresAtStart)
            {
                throw new AssertionError("the verifier threw instead of giving a result: " + harness.log.failures);
            }
        }

        @Override
        public void close() throws Exception
        {
            harness.onContext(() ->
            {
                session.close((short)1000, "the run is over");
                return null;
            });
        }

        private String substitute(final String frame)
        {
            if (frame.indexOf('$') < 0)
            {
                return frame;
            }
            final String last = channel.lastNonce();
            final byte[] nonce = last == null ? new byte[32] : Base64.getDecoder().decode(last);
            String text = frame.replace("$NONCE", Base64.getEncoder().encodeToString(nonce))
                .replace("$DIGEST", harness.release.digest());
            if (text.contains("$EVIDENCE1"))
            {
                text = text.replace("$EVIDENCE1", harness.evidenceMembers(nonce, HexFormat.of().parseHex(
                    harness.release.digest())));
            }
            if (text.contains("$EVIDENCE"))
            {
                text = text.replace("$EVIDENCE", harness.evidenceMembers(nonce, null));
            }
            return text;
        }

        private static Object typeOf(final String text)
        {
            return new JsonObject(text).getValue("type");
        }
    }
}
