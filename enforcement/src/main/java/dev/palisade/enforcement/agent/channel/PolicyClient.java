package dev.palisade.enforcement.agent.channel;

import dev.palisade.attestation.pki.Pki;
import dev.palisade.attestation.verifier.PolicyBinding;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The agent's policy client: enrols with the policy service by TPM evidence (which gets it a client certificate
 * bound to its attested AK), then holds one WebSocket over mutual TLS open, on which it answers attestation
 * challenges and receives releases, answering each with ACK or NACK (xDS style). It reconnects with exponential
 * backoff and jitter; on reconnect its hello says what it runs, so a release it missed is sent again. A certificate
 * the service no longer accepts (re-enrolment elsewhere, removal) makes it enrol again.
 */
public final class PolicyClient implements AutoCloseable
{
    /** Where the service is, whom to trust for it, and who this DPU is. */
    public record Config(String dpuId, String host, int port, String caPem, Duration maxBackoff)
    {
    }

    /** What the client enforces through: the agent. */
    public interface Target
    {
        long activeVersion();

        /** @return the active bundle's digest (hex), or null with none. */
        String activeDigest();

        /** Verifies, applies and persists a pushed bundle. Called on a worker thread, one at a time. */
        Outcome offer(long releaseId, byte[] bundle);

        JsonObject counters();

        /** The service quarantined this DPU's host ({@code reason}), or lifted it (null). */
        void quarantine(String reason);
    }

    /** The answer to a pushed release. */
    public sealed interface Outcome
    {
    }

    public record Ack(long version, String digest) implements Outcome
    {
    }

    public record Nack(long version, String reason, String detail) implements Outcome
    {
    }

    /** What the client knows now, for status pages. */
    public record State(boolean enrolled, boolean connected, String attestation, List<String> attestationReasons,
        long attestationExpiresAtSeconds, long reconnects, String lastError, long acks, long nacks)
    {
    }

    private static final int MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

    private final Vertx vertx;
    private final Config config;
    private final AgentAttester attester;
    private final Target target;
    private final PrintStream log;
    private final HttpClient enrolClient;

    private WebSocketClient channelClient;
    private WebSocket socket;
    private boolean closed;
    private long backoffMs = 500;
    private long reconnectTimer = -1;
    private long reportTimer = -1;

    private volatile boolean enrolled;
    private volatile boolean connected;
    private volatile String attestation = "none";
    private volatile List<String> attestationReasons = List.of();
    private volatile long attestationExpires;
    private volatile long reconnects;
    private volatile String lastError;
    private volatile long acks;
    private volatile long nacks;
    private volatile boolean devicesUnasked;

    public PolicyClient(final Vertx vertx, final Config config, final AgentAttester attester, final Target target,
        final PrintStream log)
    {
        this.vertx = vertx;
        this.config = config;
        this.attester = attester;
        this.target = target;
        this.log = log;
        this.enrolClient = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.caPem())))
            .setConnectTimeout(10_000));
    }

    public State state()
    {
        return new State(enrolled, connected, attestation, attestationReasons, attestationExpires, reconnects,
            lastError, acks, nacks);
    }

    /** Enrols and connects, then keeps connected until closed. @return completes when first connected. */
    public Future<Void> start()
    {
        final Promise<Void> first = Promise.promise();
        vertx.runOnContext(ignored -> attempt(first));
        return first.future();
    }

    private void attempt(final Promise<Void> first)
    {
        if (closed)
        {
            return;
        }
        (channelClient == null ? enrol() : Future.succeededFuture()).compose(ignored -> connect())
            .onSuccess(ws ->
            {
                backoffMs = 500;
                first.tryComplete();
            })
            .onFailure(e ->
            {
                lastError = e.getMessage();
                log.println("agent " + config.dpuId() + ": policy service: " + e.getMessage() + "; retrying in " +
                    backoffMs + " ms");
                retry(first);
            });
    }

    private void retry(final Promise<Void> first)
    {
        if (closed)
        {
            return;
        }
        reconnects++;
        final long delay = backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
        backoffMs = Math.min(backoffMs * 2, config.maxBackoff().toMillis());
        reconnectTimer = vertx.setTimer(delay, t -> attempt(first));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Enrolment

    /** Two steps (see the service's Fleet): keys and a TLS key → credential and nonce → activation and quote → cert. */
    private Future<Void> enrol()
    {
        final KeyPair tls = Pki.newKeyPair();
        final byte[] tlsKeyDer = tls.getPublic().getEncoded();
        final JsonObject begin;
        try
        {
            begin = attester.enrolmentKeys().put("dpu", config.dpuId()).put("attester", attester.kind())
                .put("tls_key", Base64.getEncoder().encodeToString(tlsKeyDer));
        }
        catch (final Exception e)
        {
            return Future.failedFuture(new IllegalStateException("cannot read the attester's keys: " +
                e.getMessage(), e));
        }
        return post("/v1/agent/enrol", begin).compose(challenge -> vertx.executeBlocking(() ->
        {
            final byte[] nonce = Base64.getDecoder().decode(challenge.getString("nonce"));
            final int[] pcrs = pcrs(challenge.getJsonArray("pcrs"));
            final JsonObject answer = new JsonObject();
            final JsonObject credential = challenge.getJsonObject("credential");
            if (credential != null)
            {
                answer.put("secret", Base64.getEncoder().encodeToString(attester.activate(
                    Base64.getDecoder().decode(credential.getString("blob")),
                    Base64.getDecoder().decode(credential.getString("secret")))));
            }
            // The quote binds the nonce to the TLS key, so the certificate goes to the key this TPM vouched for.
            final AgentAttester.Quote quote = attester.quote(PolicyBinding.qualifyingData(nonce, sha256(tlsKeyDer)),
                pcrs);
            devices(challenge, nonce, answer);
            return answer.put("quote", b64(quote.attest())).put("signature", b64(quote.signature()))
                .put("pcrs", b64(quote.pcrValues()));
        }, false).compose(answer -> post("/v1/agent/enrol/" + challenge.getString("enrolment"), answer)))
            .map(enrolledAnswer ->
            {
                final String certificate = enrolledAnswer.getString("certificate");
                if (channelClient != null)
                {
                    channelClient.close();
                }
                channelClient = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
                    .setVerifyHost(true)
                    .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.caPem())))
                    .setKeyCertOptions(new PemKeyCertOptions()
                        .setKeyValue(Buffer.buffer(Pki.privateKeyPem(tls.getPrivate())))
                        .setCertValue(Buffer.buffer(certificate)))
                    .setMaxMessageSize(MAX_MESSAGE_BYTES).setMaxFrameSize(MAX_MESSAGE_BYTES)
                    .setConnectTimeout(10_000));
                enrolled = true;
                attestation = enrolledAnswer.getString("status");
                log.println("agent " + config.dpuId() + ": enrolled (" + attester.kind() + " attester, attestation " +
                    attestation + ")");
                return null;
            });
    }

    private Future<JsonObject> post(final String path, final JsonObject body)
    {
        return enrolClient.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(config.host())
                .setPort(config.port()).setURI(path).putHeader("Content-Type", "application/json"))
            .compose(request -> request.send(body.toBuffer()))
            .compose(response -> response.body().compose(bytes ->
            {
                if (response.statusCode() / 100 == 2)
                {
                    return Future.succeededFuture(bytes.toJsonObject());
                }
                String detail;
                try
                {
                    detail = bytes.toJsonObject().getString("detail");
                }
                catch (final RuntimeException e)
                {
                    detail = bytes.toString();
                }
                return Future.failedFuture(new IllegalStateException("enrolment refused (" + response.statusCode() +
                    "): " + detail));
            }));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The channel

    private Future<WebSocket> connect()
    {
        return channelClient.connect(new WebSocketConnectOptions().setHost(config.host()).setPort(config.port())
            .setURI("/v1/agent/channel")).map(ws ->
        {
            socket = ws;
            connected = true;
            lastError = null;
            ws.textMessageHandler(text -> message(ws, text));
            ws.closeHandler(ignored -> disconnected(ws));
            ws.exceptionHandler(e -> lastError = e.getMessage());
            send(ws, new JsonObject().put("type", "hello").put("version", target.activeVersion())
                .put("digest", target.activeDigest()).put("counters", target.counters()));
            if (reportTimer < 0)
            {
                reportTimer = vertx.setPeriodic(30_000, t ->
                {
                    final WebSocket current = socket;
                    if (current != null)
                    {
                        send(current, new JsonObject().put("type", "report").put("counters", target.counters()));
                    }
                });
            }
            log.println("agent " + config.dpuId() + ": connected to the policy service at " + config.host() + ":" +
                config.port() + " (running version " + target.activeVersion() + ")");
            return ws;
        });
    }

    private void disconnected(final WebSocket ws)
    {
        if (socket != ws)
        {
            return;
        }
        socket = null;
        connected = false;
        final Short code = ws.closeStatusCode();
        final String reason = ws.closeReason();
        if (closed)
        {
            return;
        }
        lastError = "disconnected" + (code == null ? "" : " (" + code + (reason == null ? "" : ": " + reason) + ")");
        log.println("agent " + config.dpuId() + ": " + lastError);
        if (code != null && (code == 4401 || code == 4409))
        {
            // The service no longer accepts this certificate: enrol again.
            channelClient.close();
            channelClient = null;
            enrolled = false;
        }
        retry(Promise.promise());
    }

    private void message(final WebSocket ws, final String text)
    {
        final JsonObject message;
        try
        {
            message = new JsonObject(text);
        }
        catch (final RuntimeException e)
        {
            ws.close((short)4400, "not a JSON object");
            return;
        }
        switch (String.valueOf(message.getValue("type")))
        {
            case "challenge" -> challenge(ws, message);
            case "attestation" ->
            {
                attestation = message.getString("status");
                attestationExpires = message.getLong("expires", 0L);
                final List<String> reasons = new ArrayList<>();
                final JsonArray array = message.getJsonArray("reasons", new JsonArray());
                for (int i = 0; i < array.size(); i++)
                {
                    final JsonObject reason = array.getJsonObject(i);
                    reasons.add(reason.getString("code") + ": " + reason.getString("detail"));
                }
                attestationReasons = List.copyOf(reasons);
                if (!"affirming".equals(attestation))
                {
                    log.println("agent " + config.dpuId() + ": attestation " + attestation + ": " + reasons);
                }
            }
            case "release" -> release(ws, message);
            case "quarantine" -> vertx.executeBlocking(() ->
            {
                target.quarantine(message.getString("reason", "quarantined by the policy service"));
                return null;
            }, true);
            case "lift-quarantine" -> vertx.executeBlocking(() ->
            {
                target.quarantine(null);
                return null;
            }, true);
            default -> log.println("agent " + config.dpuId() + ": ignoring message of type " + message.getValue("type"));
        }
    }

    private void challenge(final WebSocket ws, final JsonObject message)
    {
        final byte[] nonce = Base64.getDecoder().decode(message.getString("nonce"));
        final int[] pcrs = pcrs(message.getJsonArray("pcrs"));
        vertx.executeBlocking(() ->
        {
            // The digest is read once, bound into the quote and sent with it: the service checks both agree.
            final String digest = target.activeDigest();
            final AgentAttester.Quote quote = attester.quote(PolicyBinding.qualifyingData(nonce, digest == null ?
                null : HexFormat.of().parseHex(digest)), pcrs);
            final JsonObject evidence = new JsonObject().put("type", "evidence").put("nonce", b64(nonce))
                .put("digest", digest).put("quote", b64(quote.attest())).put("signature", b64(quote.signature()))
                .put("pcrs", b64(quote.pcrValues()));
            devices(message, nonce, evidence);
            return evidence;
        }, true).onSuccess(evidence -> send(ws, evidence))
            .onFailure(e -> log.println("agent " + config.dpuId() + ": attestation evidence failed: " +
                e.getMessage()));
    }

    /**
     * Adds the devices' SPDM evidence over {@code nonce} when the service asked for it. Devices the service does not
     * ask about are not measured (it could not appraise them), and the log says so once.
     */
    private void devices(final JsonObject challenge, final byte[] nonce, final JsonObject answer) throws IOException
    {
        final List<SpdmDevice> devices = attester.devices();
        if (devices.isEmpty())
        {
            return;
        }
        if (!challenge.getBoolean("spdm", false))
        {
            if (!devicesUnasked)
            {
                devicesUnasked = true;
                log.println("agent " + config.dpuId() + ": the policy service does not ask for SPDM evidence; " +
                    devices.size() + " device(s) configured here are not measured");
            }
            return;
        }
        answer.put("spdm", SpdmDevice.measureAll(devices, nonce));
    }

    private void release(final WebSocket ws, final JsonObject message)
    {
        final long releaseId = message.getLong("release");
        final long version = message.getLong("version");
        final byte[] bundle;
        try
        {
            bundle = Base64.getDecoder().decode(message.getString("bundle"));
        }
        catch (final RuntimeException e)
        {
            send(ws, new JsonObject().put("type", "nack").put("version", version).put("reason", "malformed_bundle")
                .put("detail", "the bundle is not base64"));
            return;
        }
        // Ordered: one bundle is applied at a time, and an ACK is sent before any later quote binds the new digest.
        vertx.executeBlocking(() -> target.offer(releaseId, bundle), true).onComplete(ar ->
        {
            final JsonObject answer;
            if (ar.failed())
            {
                nacks++;
                answer = new JsonObject().put("type", "nack").put("version", version).put("reason", "agent_error")
                    .put("detail", String.valueOf(ar.cause().getMessage()));
            }
            else
            {
                switch (ar.result())
                {
                    case Ack ack ->
                    {
                        acks++;
                        answer = new JsonObject().put("type", "ack").put("version", ack.version())
                            .put("digest", ack.digest());
                    }
                    case Nack nack ->
                    {
                        nacks++;
                        // A bundle that does not verify has no version of its own to name (0): the NACK names
                        // the release the service sent, so that the service records it and can halt the rollout.
                        answer = new JsonObject().put("type", "nack").put("version", nack.version() == 0 ? version :
                            nack.version()).put("reason", nack.reason()).put("detail", nack.detail());
                    }
                }
            }
            send(ws, answer);
        });
    }

    private static void send(final WebSocket ws, final JsonObject message)
    {
        if (!ws.isClosed())
        {
            ws.writeTextMessage(message.encode());
        }
    }

    private static int[] pcrs(final JsonArray array)
    {
        final int[] pcrs = new int[array.size()];
        for (int i = 0; i < pcrs.length; i++)
        {
            pcrs[i] = array.getInteger(i);
        }
        return pcrs;
    }

    private static String b64(final byte[] bytes)
    {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final java.security.NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close()
    {
        closed = true;
        vertx.cancelTimer(reconnectTimer);
        vertx.cancelTimer(reportTimer);
        final WebSocket ws = socket;
        if (ws != null)
        {
            ws.close();
        }
        if (channelClient != null)
        {
            channelClient.close();
        }
        enrolClient.close();
    }
}
