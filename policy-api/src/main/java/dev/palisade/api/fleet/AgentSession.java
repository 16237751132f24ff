package dev.palisade.api.fleet;

import dev.palisade.api.store.Store;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.verifier.SpdmEvidence;
import dev.palisade.attestation.verifier.TpmAttestationVerifier;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One connected agent, on the fleet's context. The protocol (JSON text messages, docs/agent-protocol.md):
 * <pre>
 * agent → service: hello {version, digest, counters}     what it enforces now (0 and null: nothing yet)
 * service → agent: challenge {nonce, pcrs, spdm}           on hello, then every attestation interval
 * agent → service: evidence {nonce, digest, quote, signature, pcrs, spdm}   quote bound to nonce and active digest;
 *                                                          spdm: device evidence over the same nonce, when asked
 * service → agent: attestation {status, expires, ear, reasons, devices}
 * service → agent: release {release, target, version, digest, bundle}  only while attestation is affirming
 * agent → service: ack {version, digest} | nack {version, reason, detail}
 * agent → service: report {counters}
 * service → agent: quarantine {reason}
 * </pre>
 * One release is outstanding at a time; a NACKed release is not sent to that agent again (a newer one is).
 */
final class AgentSession
{
    /** The longest reason a close frame carries (RFC 6455, 5.5), in bytes of UTF-8. */
    static final int MAX_CLOSE_REASON_BYTES = 123;
    private static final int ELLIPSIS_BYTES = "…".getBytes(StandardCharsets.UTF_8).length;

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
            socket.close(code, closeReason(reason));
            closed();
        }
    }

    /**
     * {@code reason} cut to fit a close frame: at most 123 bytes of UTF-8 (RFC 6455, 5.5: control frames carry 125
     * bytes, 2 of them the code). A longer reason does not get there cut short: the peer refuses the frame, and the
     * agent sees 1006 without a reason. Reasons quote the agent's input, so counting characters is not enough.
     */
    private static String closeReason(final String reason)
    {
        if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_CLOSE_REASON_BYTES)
        {
            return reason;
        }
        final int room = MAX_CLOSE_REASON_BYTES - ELLIPSIS_BYTES;
        int bytes = 0;
        int end = 0;
        while (end < reason.length())
        {
            final int codePoint = reason.codePointAt(end);
            final int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > room)
            {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return reason.substring(0, end) + "…";
    }

    void send(final JsonObject message)
    {
        if (!closed)
        {
            socket.writeTextMessage(message.encode());
        }
    }

    /**
     * A message the protocol refuses (docs/agent-protocol.md): the channel closes with 4400 and {@link #reason()},
     * which says which message and field. An expected outcome of untrusted input, not a fault, so it carries no stack
     * trace: an agent sending bad messages costs no stack walks.
     */
    static final class ProtocolError extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ProtocolError(final String reason)
        {
            super(reason, null, false, false);
        }

        String reason()
        {
            return getMessage();
        }
    }

    private void message(final String text)
    {
        try
        {
            handle(text);
        }
        catch (final ProtocolError e)
        {
            reject(e);
        }
        catch (final RuntimeException e)
        {
            // A bug of ours, not the agent's: the channel still closes as for a bad message (the agent reconnects and
            // says hello again), and the log, not the close reason, gets the details.
            fleet.log().println("policy-api: handling a message of DPU '" + dpuId + "' failed: " + e);
            close(Fleet.CLOSE_PROTOCOL, "the policy service could not handle this message");
        }
    }

    /**
     * Handles one text message of the agent: parses it, checks its fields and acts on it (replies and store updates may
     * follow asynchronously, on the fleet's context). Separate from the socket's handler so that tests and the fuzz
     * target drive exactly what the socket drives.
     *
     * @throws ProtocolError when the message breaks the protocol; {@link #reject} then closes the channel.
     */
    void handle(final String text)
    {
        final JsonObject message;
        try
        {
            message = new JsonObject(text);
        }
        catch (final DecodeException e)
        {
            throw new ProtocolError("not a JSON object");
        }
        final Object type = message.getValue("type");
        switch (String.valueOf(type))
        {
            case "hello" -> hello(message);
            case "evidence" -> evidence(message);
            case "ack" -> answer(message, true);
            case "nack" -> answer(message, false);
            case "report" -> report(message);
            default -> throw new ProtocolError("unknown message type '" + type + "'");
        }
    }

    /** Ends the channel for a message the protocol refuses: close code 4400, with the reason. */
    void reject(final ProtocolError error)
    {
        close(Fleet.CLOSE_PROTOCOL, error.reason());
    }

    private void hello(final JsonObject message)
    {
        if (hello)
        {
            // Each hello issues a nonce from the fleet's shared pool: one per connection, or one agent could drain it.
            throw new ProtocolError("hello was already sent on this connection");
        }
        activeVersion = wholeNumber(message, "version");
        activeDigest = digest(message);
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
            outstandingNonce)).put("pcrs", new JsonArray(Arrays.stream(Fleet.QUOTED_PCRS).boxed().toList()))
            .put("spdm", fleet.verifier().spdm() != null));
    }

    private void evidence(final JsonObject message)
    {
        final byte[] nonce = base64(message, "nonce");
        if (outstandingNonce == null || !Arrays.equals(nonce, outstandingNonce))
        {
            // Not ours to judge here: the verifier's nonce service says unknown or replayed, and the result says so.
            fleet.log().println("policy-api: DPU '" + dpuId + "' answered a nonce it was not given last");
        }
        outstandingNonce = null;
        final String bound = digest(message);
        final byte[] policyDigest = bound == null ? null : HexFormat.of().parseHex(bound);
        final TpmAttestationVerifier.Evidence evidence = new TpmAttestationVerifier.Evidence(nonce,
            base64(message, "quote"), base64(message, "signature"), base64(message, "pcrs"),
            QuoteVerifier.PcrFormat.VALUES);
        final List<SpdmEvidence> devices;
        try
        {
            devices = DeviceEvidenceWire.read(message);
        }
        catch (final DeviceEvidenceWire.Invalid e)
        {
            throw malformed(message, e.getMessage());
        }
        if (!devices.isEmpty() && fleet.verifier().spdm() == null)
        {
            throw malformed(message, "spdm: this service does not appraise device evidence (the challenge said so)");
        }
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
        fleet.vertx().executeBlocking(() -> fleet.verifier().appraise(attester, evidence, devices), false)
            .onSuccess(result ->
            {
                send(new JsonObject().put("type", "attestation").put("status", result.status().label())
                    .put("expires", result.ear().expiresAtSeconds()).put("ear", result.token())
                    .put("reasons", new JsonArray(result.reasons().stream().map(r -> new JsonObject()
                        .put("code", r.code()).put("detail", r.message())).toList()))
                    .put("devices", Fleet.devices(result)));
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
            throw new ProtocolError((ack ? "ack" : "nack") + " of version " + version + ", which was not sent");
        }
        final long releaseId = sent.rollout().releaseId();
        final Store.Report report;
        if (ack)
        {
            final String digest = digest(message);
            if (!sent.digest().equals(digest))
            {
                throw new ProtocolError("ack of version " + version + " with digest " + digest + ", not the " +
                    "release's " + sent.digest());
            }
            activeVersion = version;
            activeDigest = digest;
            report = new Store.Report(true, version, digest, null, counters);
        }
        else
        {
            refusedRelease = releaseId;
            // Absent and null are the same: the agent's NACK carries the exception message of a failed check, which
            // may be null, and getString(field, default) returns a null that is present.
            final String reason = Objects.requireNonNullElse(message.getString("reason"), "unspecified");
            final String detail = Objects.requireNonNullElse(message.getString("detail"), "");
            report = new Store.Report(false, version, sent.digest(), reason + (detail.isEmpty() ? "" : ": " +
                truncate(detail, 500)), counters);
            fleet.log().println("policy-api: DPU '" + dpuId + "' refused release " + sent.rollout().target() + "@" +
                version + ": " + report.reason());
        }
        // Only an answer that passed every check settles the release; a refused one leaves it outstanding.
        pending = null;
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
            throw malformed(message, field + " must be a whole number ≥ 0");
        }
        return n.longValue();
    }

    private static String digest(final JsonObject message)
    {
        final String hex = message.getString("digest");
        if (hex == null)
        {
            return null;
        }
        if (!hex.matches("[0-9a-f]{64}"))
        {
            throw malformed(message, "a digest is 64 lower-case hex digits");
        }
        return hex;
    }

    private static byte[] base64(final JsonObject message, final String field)
    {
        final String text = message.getString(field);
        if (text == null)
        {
            throw malformed(message, field + " is required");
        }
        try
        {
            return Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw malformed(message, field + " is not base64: " + e.getMessage());
        }
    }

    private static String counters(final JsonObject message)
    {
        final Object value = message.getValue("counters");
        final String text;
        if (value == null)
        {
            text = "{}";
        }
        else if (value instanceof JsonObject counters)
        {
            text = counters.encode();
        }
        else
        {
            throw malformed(message, "counters must be an object");
        }
        if (text.length() > 16 * 1024)
        {
            throw malformed(message, "counters longer than 16 KiB");
        }
        return text;
    }

    /** A field of a known message type is wrong: the agent speaks something else; it reconnects and says hello. */
    private static ProtocolError malformed(final JsonObject message, final String detail)
    {
        return new ProtocolError("malformed " + message.getValue("type") + ": " + detail);
    }

    private static String truncate(final String text, final int max)
    {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
