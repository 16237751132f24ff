package dev.palisade.api.fleet;

import dev.palisade.api.store.Store;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.verifier.TpmAttestationVerifier;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One connected agent, on the fleet's context. The protocol (JSON text messages, docs/agent-protocol.md):
 * <pre>
 * agent → service: hello {version, digest, counters}     what it enforces now (0 and null: nothing yet)
 * service → agent: challenge {nonce, pcrs}                 on hello, then every attestation interval
 * agent → service: evidence {nonce, digest, quote, signature, pcrs}   quote bound to nonce and active digest
 * service → agent: attestation {status, expires, ear, reasons}
 * service → agent: release {release, target, version, digest, bundle}  only while attestation is affirming
 * agent → service: ack {version, digest} | nack {version, reason, detail}
 * agent → service: report {counters}
 * service → agent: quarantine {reason}
 * </pre>
 * One release is outstanding at a time; a NACKed release is not sent to that agent again (a newer one is).
 */
final class AgentSession
{
    private final Fleet fleet;
    private final ServerWebSocket socket;
    private final String dpuId;
    private final String fingerprint;
    private final Map<String, String> labels;
    private final AsymmetricKeyParameter ak;
    private final PcrReference reference;

    private boolean hello;
    private long activeVersion;
    private String activeDigest;
    private String counters = "{}";
    private byte[] outstandingNonce;
    private Fleet.ActiveRollout pending;
    private long refusedRelease = -1;
    private long timer = -1;
    private boolean closed;

    AgentSession(final Fleet fleet, final ServerWebSocket socket, final String dpuId, final String fingerprint,
        final Map<String, String> labels, final AsymmetricKeyParameter ak, final PcrReference reference)
    {
        this.fleet = fleet;
        this.socket = socket;
        this.dpuId = dpuId;
        this.fingerprint = fingerprint;
        this.labels = labels;
        this.ak = ak;
        this.reference = reference;
    }

    String dpuId()
    {
        return dpuId;
    }

    String fingerprint()
    {
        return fingerprint;
    }

    void open(final java.time.Duration attestationInterval)
    {
        socket.textMessageHandler(this::message);
        socket.binaryMessageHandler(ignored -> close(Fleet.CLOSE_PROTOCOL, "binary messages are not part of the " +
            "protocol"));
        socket.closeHandler(ignored -> closed());
        socket.exceptionHandler(ignored -> closed());
        // Spread the rounds of many agents over the interval rather than challenging them all at once.
        final long intervalMs = attestationInterval.toMillis();
        final long firstMs = intervalMs / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, intervalMs / 2));
        timer = fleet.vertx().setPeriodic(firstMs, intervalMs, t -> challenge());
    }

    private void closed()
    {
        if (!closed)
        {
            closed = true;
            fleet.vertx().cancelTimer(timer);
            fleet.closed(this);
        }
    }

    void close(final short code, final String reason)
    {
        if (!closed)
        {
            socket.close(code, reason.length() > 120 ? reason.substring(0, 120) : reason);
            closed();
        }
    }

    void send(final JsonObject message)
    {
        if (!closed)
        {
            socket.writeTextMessage(message.encode());
        }
    }

    private void message(final String text)
    {
        final JsonObject message;
        try
        {
            message = new JsonObject(text);
        }
        catch (final RuntimeException e)
        {
            close(Fleet.CLOSE_PROTOCOL, "not a JSON object");
            return;
        }
        try
        {
            switch (String.valueOf(message.getValue("type")))
            {
                case "hello" -> hello(message);
                case "evidence" -> evidence(message);
                case "ack" -> answer(message, true);
                case "nack" -> answer(message, false);
                case "report" -> report(message);
                default -> close(Fleet.CLOSE_PROTOCOL, "unknown message type '" + message.getValue("type") + "'");
            }
        }
        catch (final RuntimeException e)
        {
            // Bad field types, bad base64: the agent speaks something else; it reconnects and says hello again.
            close(Fleet.CLOSE_PROTOCOL, "malformed " + message.getValue("type") + ": " + e.getMessage());
        }
    }

    private void hello(final JsonObject message)
    {
        activeVersion = wholeNumber(message, "version");
        activeDigest = digest(message.getString("digest"));
        counters = counters(message);
        hello = true;
        fleet.store().recordSeen(dpuId, activeVersion == 0 ? null : activeVersion, activeDigest, counters)
            .compose(ignored -> fleet.store().getDpu(dpuId))
            .onSuccess(dpu ->
            {
                if (dpu.quarantined())
                {
                    send(new JsonObject().put("type", "quarantine").put("reason", dpu.quarantineReason()));
                }
            });
        challenge();
    }

    private void challenge()
    {
        if (!hello || closed)
        {
            return;
        }
        outstandingNonce = fleet.verifier().challenge();
        send(new JsonObject().put("type", "challenge").put("nonce", Base64.getEncoder().encodeToString(
            outstandingNonce)).put("pcrs", new JsonArray(Arrays.stream(Fleet.QUOTED_PCRS).boxed().toList())));
    }

    private void evidence(final JsonObject message)
    {
        final byte[] nonce = Base64.getDecoder().decode(message.getString("nonce"));
        if (outstandingNonce == null || !Arrays.equals(nonce, outstandingNonce))
        {
            // Not ours to judge here: the verifier's nonce service says unknown or replayed, and the result says so.
            fleet.log().println("policy-api: DPU '" + dpuId + "' answered a nonce it was not given last");
        }
        outstandingNonce = null;
        final String bound = digest(message.getString("digest"));
        final byte[] policyDigest = bound == null ? null : HexFormat.of().parseHex(bound);
        final TpmAttestationVerifier.Evidence evidence = new TpmAttestationVerifier.Evidence(nonce,
            Base64.getDecoder().decode(message.getString("quote")),
            Base64.getDecoder().decode(message.getString("signature")),
            Base64.getDecoder().decode(message.getString("pcrs")), QuoteVerifier.PcrFormat.VALUES);
        // The quote must be bound to the policy the agent last said it enforces; another digest fails the policy
        // binding (configuration), and the result is contraindicated.
        final byte[] expected = activeDigest == null ? null : HexFormat.of().parseHex(activeDigest);
        final TpmAttestationVerifier.Attester attester = new TpmAttestationVerifier.Attester(dpuId, ak, reference,
            expected);
        if (bound != null && !bound.equals(activeDigest) || bound == null && activeDigest != null)
        {
            fleet.log().println("policy-api: DPU '" + dpuId + "' quoted policy " + bound + " but reported " +
                activeDigest);
        }
        fleet.vertx().executeBlocking(() -> fleet.verifier().appraise(attester, evidence), false)
            .onSuccess(result ->
            {
                final List<Reason> reasons = new ArrayList<>(result.freshness());
                reasons.addAll(result.appraisal().reasons());
                send(new JsonObject().put("type", "attestation").put("status", result.status().label())
                    .put("expires", result.ear().expiresAtSeconds()).put("ear", result.token())
                    .put("reasons", new JsonArray(reasons.stream().map(r -> new JsonObject().put("code", r.code())
                        .put("detail", r.message())).toList())));
                if (result.status() == Status.AFFIRMING)
                {
                    offer();
                }
            })
            .onFailure(e -> fleet.log().println("policy-api: appraising DPU '" + dpuId + "' failed: " + e));
    }

    /** Sends the release the DPU should run, when it is attested, has none outstanding and runs an older one. */
    void offer()
    {
        if (!hello || closed || pending != null || !fleet.ledger().trusted(dpuId))
        {
            return;
        }
        final Fleet.ActiveRollout desired = fleet.desired(dpuId, labels);
        if (desired == null || desired.rollout().version() <= activeVersion ||
            desired.rollout().releaseId() == refusedRelease)
        {
            return;
        }
        pending = desired;
        send(new JsonObject().put("type", "release").put("release", desired.rollout().releaseId())
            .put("target", desired.rollout().target()).put("version", desired.rollout().version())
            .put("digest", desired.digest()).put("bundle", Base64.getEncoder().encodeToString(desired.bundle())));
    }

    private void answer(final JsonObject message, final boolean ack)
    {
        final long version = wholeNumber(message, "version");
        final Fleet.ActiveRollout sent = pending;
        if (sent == null || sent.rollout().version() != version)
        {
            close(Fleet.CLOSE_PROTOCOL, (ack ? "ack" : "nack") + " of version " + version + ", which was not sent");
            return;
        }
        pending = null;
        final long releaseId = sent.rollout().releaseId();
        final Store.Report report;
        if (ack)
        {
            final String digest = digest(message.getString("digest"));
            if (!sent.digest().equals(digest))
            {
                close(Fleet.CLOSE_PROTOCOL, "ack of version " + version + " with digest " + digest + ", not the " +
                    "release's " + sent.digest());
                return;
            }
            activeVersion = version;
            activeDigest = digest;
            report = new Store.Report(true, version, digest, null, counters);
        }
        else
        {
            refusedRelease = releaseId;
            final String reason = message.getString("reason", "unspecified");
            final String detail = message.getString("detail", "");
            report = new Store.Report(false, version, sent.digest(), reason + (detail.isEmpty() ? "" : ": " +
                truncate(detail, 500)), counters);
            fleet.log().println("policy-api: DPU '" + dpuId + "' refused release " + sent.rollout().target() + "@" +
                version + ": " + report.reason());
        }
        fleet.store().recordDelivery(dpuId, releaseId, report).onComplete(ar ->
        {
            if (ar.failed())
            {
                fleet.log().println("policy-api: recording DPU '" + dpuId + "''s answer failed: " + ar.cause());
            }
            else if (!ack)
            {
                fleet.nacked(releaseId, ar.result());
            }
            offer();
        });
    }

    private void report(final JsonObject message)
    {
        counters = counters(message);
        fleet.store().recordSeen(dpuId, activeVersion == 0 ? null : activeVersion, activeDigest, counters);
    }

    private static long wholeNumber(final JsonObject message, final String field)
    {
        final Object value = message.getValue(field);
        if (!(value instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0)
        {
            throw new IllegalArgumentException(field + " must be a whole number ≥ 0");
        }
        return n.longValue();
    }

    private static String digest(final String hex)
    {
        if (hex == null)
        {
            return null;
        }
        if (!hex.matches("[0-9a-f]{64}"))
        {
            throw new IllegalArgumentException("a digest is 64 lower-case hex digits");
        }
        return hex;
    }

    private static String counters(final JsonObject message)
    {
        final JsonObject counters = message.getJsonObject("counters");
        final String text = counters == null ? "{}" : counters.encode();
        if (text.length() > 16 * 1024)
        {
            throw new IllegalArgumentException("counters longer than 16 KiB");
        }
        return text;
    }

    private static String truncate(final String text, final int max)
    {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
