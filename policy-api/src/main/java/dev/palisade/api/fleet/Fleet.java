package dev.palisade.api.fleet;

import dev.palisade.api.ApiException;
import dev.palisade.api.store.Store;
import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.pki.Pki;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.PcrSelection;
import dev.palisade.attestation.tpm.PcrValues;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.TpmsAttest;
import dev.palisade.attestation.tpm.enrol.EkCertificates;
import dev.palisade.attestation.tpm.enrol.Enrolment;
import dev.palisade.attestation.verifier.AttestationLedger;
import dev.palisade.attestation.verifier.NonceService;
import dev.palisade.attestation.verifier.SpdmEvidence;
import dev.palisade.attestation.verifier.SpdmPolicy;
import dev.palisade.attestation.verifier.TpmAttestationVerifier;
import dev.palisade.policy.bundle.TargetSelector;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.buffer.Buffer;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The policy service's side of the agents (RFC 9334: Verifier and Relying Party in one process): enrolment by TPM
 * evidence, the long-lived channel over which releases are pushed and answered (ACK/NACK, xDS style), continuous
 * attestation over that channel, and rollouts (canary, all, halt on NACKs).
 * <p>
 * All of its state is confined to one Vert.x context (the agent listener's): channel handlers run there, and calls
 * from the API's routes hop onto it. Appraisals (ECDSA verifications) run on worker threads.
 */
public final class Fleet
{
    /** Attested PCRs of the SHA-256 bank: firmware and boot (0–7) and what the agent measured itself into (10). */
    public static final int[] QUOTED_PCRS = {0, 1, 2, 3, 4, 5, 6, 7, 10};
    /** WebSocket close codes the agent reacts to. */
    public static final short CLOSE_NOT_ENROLLED = 4401;
    public static final short CLOSE_SUPERSEDED = 4409;
    public static final short CLOSE_PROTOCOL = 4400;

    private static final int MAX_PENDING_ENROLMENTS = 10_000;
    private static final Duration ENROLMENT_LIFETIME = Duration.ofSeconds(60);
    private static final int MAX_AGENT_MESSAGE_BYTES = 64 * 1024;

    /**
     * @param attestationInterval how often connected agents are challenged; results live three intervals.
     * @param allowSoftwareAttesters accept agents without a TPM (their evidence proves nothing; dev mode only).
     * @param trustFirstPcrs      record a DPU's PCR values at its first enrolment as its reference (dev mode);
     *                            otherwise {@code reference} (the fleet's golden values) is required.
     * @param ekCertificates      manufacturer CAs for EK certificates; null: EKs without certificates are accepted
     *                            (swtpm without manufacturing; said at start).
     * @param quarantineOnFailure quarantine a DPU's host when its attestation fails or lapses.
     * @param spdm                how SPDM device evidence is appraised beside quotes; null: agents are not asked for
     *                            any, and evidence sent anyway is refused.
     */
    public record Config(String host, int port, Duration attestationInterval, boolean allowSoftwareAttesters,
        boolean trustFirstPcrs, PcrReference reference, EkCertificates ekCertificates, boolean quarantineOnFailure,
        Path eventsFile, SpdmPolicy spdm)
    {
    }

    private static final Store.Actor AGENT = new Store.Actor("agent-channel", "");
    private static final Store.Actor VERIFIER = new Store.Actor("verifier", "");
    private static final Store.Actor ROLLOUT = new Store.Actor("rollout", "");

    private final Vertx vertx;
    private final Store store;
    private final AgentCa ca;
    private final Config config;
    private final PrintStream log;
    private final TpmAttestationVerifier verifier;
    private final AttestationLedger ledger;
    private final Enrolment.Verifier ekVerifier;
    private final EarSigner earSigner;
    private final Map<String, PendingEnrolment> pending = new ConcurrentHashMap<>();
    private final Map<String, AgentSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, AsymmetricKeyParameter> akCache = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile List<ActiveRollout> rollouts = List.of();
    private Context context;
    private HttpServer server;
    private long sweepTimer = -1;

    private record PendingEnrolment(String id, String dpuId, String attester, String akText, byte[] akName,
        AsymmetricKeyParameter ak, byte[] tlsKeyDer, PublicKey tlsKey, byte[] nonce, String credentialId,
        long expiresAtNs)
    {
    }

    /** A promoted release as the channel sends it. */
    record ActiveRollout(Store.Rollout rollout, TargetSelector target, TargetSelector canary, String digest,
        byte[] bundle)
    {
        boolean includes(final String dpuId, final Map<String, String> labels)
        {
            if (!target.matches(dpuId, labels))
            {
                return false;
            }
            if (rollout.stage().equals("all"))
            {
                return true;
            }
            if (canary != null)
            {
                return canary.matches(dpuId, labels);
            }
            return rollout.percent() != null && canaryBucket(rollout.releaseId(), dpuId) < rollout.percent() * 100;
        }
    }

    public Fleet(final Vertx vertx, final Store store, final AgentCa ca, final Config config, final PrintStream log)
    {
        this.vertx = vertx;
        this.store = store;
        this.ca = ca;
        this.config = config;
        this.log = log;
        this.ledger = new AttestationLedger(() -> System.currentTimeMillis() / 1000);
        this.earSigner = EarSigner.generate("palisade-verifier");
        this.verifier = new TpmAttestationVerifier(new NonceService(), earSigner, ledger,
            config.attestationInterval().toSeconds() * 3, () -> System.currentTimeMillis() / 1000, "palisade",
            config.spdm());
        this.ekVerifier = new Enrolment.Verifier(config.ekCertificates(), config.ekCertificates() == null ?
            Enrolment.EkCertificatePolicy.ACCEPT_EK_WITHOUT_CERTIFICATE : Enrolment.EkCertificatePolicy.REQUIRE_CERTIFICATE,
            Clock.systemUTC(), ENROLMENT_LIFETIME, random);
        ledger.addListener(this::attestationChanged);
    }

    /** The key that signs attestation results (EARs), for relying parties that check them. */
    public EarSigner earSigner()
    {
        return earSigner;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Life cycle

    /** Loads the rollouts and starts the agent listener (mutual TLS; enrolment needs no client certificate). */
    public Future<Integer> start()
    {
        context = vertx.getOrCreateContext();
        final Promise<Integer> started = Promise.promise();
        context.runOnContext(ignored -> reloadRollouts().compose(loaded ->
        {
            final HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setKeyValue(Buffer.buffer(ca.serverKeyPem()))
                    .setCertValue(Buffer.buffer(ca.serverCertificatePem())))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.caCertificatePem())))
                .setClientAuth(ClientAuth.REQUEST)
                .setMaxWebSocketMessageSize(MAX_AGENT_MESSAGE_BYTES)
                .setMaxWebSocketFrameSize(MAX_AGENT_MESSAGE_BYTES)
                .setIdleTimeout((int)Math.max(30, config.attestationInterval().toSeconds() * 4));
            server = vertx.createHttpServer(options);
            server.requestHandler(new AgentRoutes(this)::handle);
            server.webSocketHandshakeHandler(handshake ->
            {
                if (!handshake.path().equals("/v1/agent/channel"))
                {
                    handshake.reject(404);
                }
                else
                {
                    handshake.accept();
                }
            });
            server.webSocketHandler(this::connect);
            sweepTimer = vertx.setPeriodic(1000, t -> ledger.sweep());
            return server.listen(config.port(), config.host()).map(HttpServer::actualPort);
        }).onComplete(started));
        if (config.ekCertificates() == null)
        {
            log.println("policy-api: EKs without a manufacturer certificate are accepted (no --ek-ca given)");
        }
        if (config.allowSoftwareAttesters())
        {
            log.println("policy-api: SOFTWARE ATTESTERS ARE ACCEPTED: their evidence proves nothing (dev mode)");
        }
        if (config.spdm() != null)
        {
            log.println("policy-api: SPDM device evidence is appraised with every quote (" +
                config.spdm().roots().size() + " device root(s), " + (config.spdm().reference() == null ?
                "no reference values: at best a warning" : "reference values") + "; " +
                (config.spdm().required() ? "required of every DPU" : "from DPUs that have SPDM responders") + ")");
        }
        return started.future();
    }

    public int port()
    {
        return server == null ? -1 : server.actualPort();
    }

    public Future<Void> close()
    {
        if (sweepTimer >= 0)
        {
            vertx.cancelTimer(sweepTimer);
        }
        sessions.values().forEach(s -> s.close((short)1001, "the policy service is stopping"));
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** Runs {@code body} on the fleet's context. */
    <T> Future<T> onContext(final Supplier<Future<T>> body)
    {
        if (Vertx.currentContext() == context)
        {
            return body.get();
        }
        final Promise<T> promise = Promise.promise();
        context.runOnContext(ignored -> body.get().onComplete(promise));
        return promise.future();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Enrolment

    /**
     * Step 1: the DPU names itself and presents its keys. A TPM's EK and AK are checked and a credential made for the
     * AK under the EK (only that TPM can activate it); a nonce is issued for the quote that will bind the TLS key.
     */
    Future<JsonObject> beginEnrolment(final JsonObject body)
    {
        final String dpuId = Wire.string(body, "dpu", true);
        final String attester = Wire.string(body, "attester", true);
        final byte[] tlsKeyDer = Wire.base64(body, "tls_key", true);
        Wire.onlyFields(body, "dpu", "attester", "ak", "ek", "ek_certificate", "tls_key");
        final PublicKey tlsKey;
        try
        {
            tlsKey = Pki.publicKeyFromDer(tlsKeyDer);
        }
        catch (final IllegalArgumentException e)
        {
            return Future.failedFuture(ApiException.invalidField("tls_key", e.getMessage()));
        }
        if (pending.size() >= MAX_PENDING_ENROLMENTS)
        {
            expirePending();
            if (pending.size() >= MAX_PENDING_ENROLMENTS)
            {
                return Future.failedFuture(ApiException.unavailable("too many enrolments in progress; retry shortly"));
            }
        }
        return store.getDpu(dpuId).recover(e -> Future.failedFuture(e instanceof ApiException a && a.status() == 404 ?
            ApiException.forbidden("DPU '" + dpuId + "' is not registered: an admin registers it first " +
                "(POST /v1/dpus with its id and labels)") : e)).compose(dpu ->
        {
            final byte[] nonce = verifier.challenge();
            final String id = HexFormat.of().formatHex(randomBytes(16));
            final JsonObject answer = new JsonObject().put("enrolment", id).put("nonce", b64(nonce))
                .put("pcrs", new JsonArray(java.util.Arrays.stream(QUOTED_PCRS).boxed().toList()))
                .put("spdm", config.spdm() != null);
            switch (attester)
            {
                case "software" ->
                {
                    if (!config.allowSoftwareAttesters())
                    {
                        return Future.failedFuture(ApiException.forbidden("DPU '" + dpuId + "' has no TPM (a " +
                            "software attester), whose evidence proves nothing; this service accepts only TPM " +
                            "evidence (software attesters are for dev mode)"));
                    }
                    final String pem = Wire.string(body, "ak", true);
                    final AsymmetricKeyParameter ak;
                    try
                    {
                        ak = KeyFiles.publicKeyFromPem(pem);
                    }
                    catch (final IllegalArgumentException e)
                    {
                        return Future.failedFuture(ApiException.invalidField("ak", e.getMessage()));
                    }
                    pending.put(id, new PendingEnrolment(id, dpuId, attester, pem, sha256(pem.getBytes(
                        StandardCharsets.US_ASCII)), ak, tlsKeyDer, tlsKey, nonce, null, deadline()));
                    return Future.succeededFuture(answer);
                }
                case "tpm" ->
                {
                    final TpmPublic ek;
                    final TpmPublic ak;
                    try
                    {
                        ek = TpmPublic.parse(Wire.base64(body, "ek", true), false);
                    }
                    catch (final TpmFormatException e)
                    {
                        return Future.failedFuture(ApiException.invalidField("ek", "not a TPMT_PUBLIC: " +
                            e.getMessage()));
                    }
                    try
                    {
                        ak = TpmPublic.parse(Wire.base64(body, "ak", true), false);
                    }
                    catch (final TpmFormatException e)
                    {
                        return Future.failedFuture(ApiException.invalidField("ak", "not a TPMT_PUBLIC: " +
                            e.getMessage()));
                    }
                    final byte[] ekCertificate = Wire.base64(body, "ek_certificate", false);
                    final Enrolment.ChallengeResult result = ekVerifier.challenge(ek, ak, ekCertificate);
                    return switch (result)
                    {
                        case Enrolment.Refused refused -> Future.failedFuture(ApiException.forbidden("DPU '" +
                            dpuId + "': its TPM keys are refused: " + reasons(refused.reasons())));
                        case Enrolment.Issued issued ->
                        {
                            final AsymmetricKeyParameter akKey;
                            try
                            {
                                akKey = ak.publicKey();
                            }
                            catch (final TpmFormatException e)
                            {
                                yield Future.failedFuture(ApiException.invalidField("ak", e.getMessage()));
                            }
                            pending.put(id, new PendingEnrolment(id, dpuId, attester, b64(ak.marshal()),
                                ak.name(), akKey, tlsKeyDer, tlsKey, nonce, issued.challenge().id(), deadline()));
                            yield Future.succeededFuture(answer.put("credential", new JsonObject()
                                .put("blob", b64(issued.challenge().credentialBlob()))
                                .put("secret", b64(issued.challenge().encryptedSecret()))));
                        }
                    };
                }
                default ->
                {
                    return Future.failedFuture(ApiException.invalidField("attester", "'" + attester + "' is not " +
                        "tpm or software"));
                }
            }
        });
    }

    /**
     * Step 2: the TPM's answer (the activated secret) and a quote over the nonce bound to the SHA-256 of the TLS key.
     * When the result is affirming, the DPU's client certificate is issued for that key, naming the AK.
     */
    Future<JsonObject> completeEnrolment(final String id, final JsonObject body)
    {
        final PendingEnrolment p = pending.remove(id);
        if (p == null || System.nanoTime() - p.expiresAtNs() > 0)
        {
            return Future.failedFuture(ApiException.notFound("enrolment '" + id + "' (unknown, used or expired " +
                "after " + ENROLMENT_LIFETIME.toSeconds() + " s): start again"));
        }
        Wire.onlyFields(body, "secret", "quote", "signature", "pcrs", "spdm");
        final byte[] quote = Wire.base64(body, "quote", true);
        final byte[] signature = Wire.base64(body, "signature", true);
        final byte[] pcrs = Wire.base64(body, "pcrs", true);
        final List<SpdmEvidence> devices;
        try
        {
            devices = DeviceEvidenceWire.read(body);
        }
        catch (final DeviceEvidenceWire.Invalid e)
        {
            return Future.failedFuture(ApiException.invalidField(e.field(), e.detail()));
        }
        if (!devices.isEmpty() && config.spdm() == null)
        {
            return Future.failedFuture(ApiException.invalidField("spdm", "this service does not appraise SPDM " +
                "device evidence (it was started without --spdm-root); leave it out, or start the service with the " +
                "device manufacturers' roots"));
        }
        if (p.credentialId() != null)
        {
            final Enrolment.Outcome outcome = ekVerifier.complete(p.credentialId(), Wire.base64(body, "secret",
                true));
            if (outcome instanceof Enrolment.Rejected rejected)
            {
                return Future.failedFuture(ApiException.forbidden("DPU '" + p.dpuId() + "': the credential was not " +
                    "activated by the TPM holding that EK and AK: " + reasons(rejected.reasons())));
            }
        }
        return store.enrolment(p.dpuId()).compose(previous ->
        {
            final String stored = previous == null ? null : previous.reference();
            final PcrReference reference;
            final String recorded;
            if (config.reference() != null)
            {
                reference = config.reference();
                recorded = stored;
            }
            else if (stored != null)
            {
                reference = PcrReference.parse(stored);
                recorded = stored;
            }
            else if (config.trustFirstPcrs())
            {
                recorded = referenceFromQuote(quote, pcrs);
                if (recorded == null)
                {
                    return Future.failedFuture(ApiException.invalidField("quote", "the quote or its PCR values do " +
                        "not decode"));
                }
                reference = PcrReference.parse(recorded);
                log.println("policy-api: DPU '" + p.dpuId() + "': its PCR values at first enrolment become its " +
                    "reference (dev mode)");
            }
            else
            {
                return Future.failedFuture(ApiException.forbidden("no PCR reference values for DPU '" + p.dpuId() +
                    "': start the API with --reference"));
            }
            final TpmAttestationVerifier.Attester attester = new TpmAttestationVerifier.Attester(p.dpuId(), p.ak(),
                reference, sha256(p.tlsKeyDer()));
            return vertx.executeBlocking(() -> verifier.appraise(attester, new TpmAttestationVerifier.Evidence(
                p.nonce(), quote, signature, pcrs, QuoteVerifier.PcrFormat.VALUES), devices), false).compose(result ->
            {
                if (result.status() != Status.AFFIRMING)
                {
                    return Future.failedFuture(ApiException.forbidden("DPU '" + p.dpuId() + "': attestation " +
                        result.status().label() + ": " + reasons(result.reasons())));
                }
                final String akName = HexFormat.of().formatHex(p.akName());
                final X509CertificateHolder issued = ca.issueClient(p.dpuId(), akName, p.tlsKey());
                final X509Certificate certificate = Pki.toX509(issued);
                final Store.Enrolment enrolment = new Store.Enrolment(p.dpuId(), p.attester(), p.akText(), akName,
                    Pki.fingerprint(certificate), recorded, java.time.Instant.now().toString());
                akCache.put(p.dpuId(), p.ak());
                return store.enrol(enrolment, VERIFIER)
                    .compose(ignored -> store.recordAttestation(p.dpuId(), result.status().label()))
                    .map(ignored ->
                    {
                        // A newer certificate supersedes the old one: a session on the old one ends.
                        final AgentSession old = sessions.get(p.dpuId());
                        if (old != null && !old.fingerprint().equals(enrolment.certificateFingerprint()))
                        {
                            old.close(CLOSE_SUPERSEDED, "a newer enrolment superseded this certificate");
                        }
                        return new JsonObject().put("status", result.status().label())
                            .put("devices", devices(result))
                            .put("certificate", Pki.certificatePem(issued))
                            .put("ca", ca.caCertificatePem())
                            .put("ear", result.token())
                            .put("attester", p.attester());
                    });
            });
        });
    }

    /** Each device's status, by name: what the EAR's {@code spdm:NAME} submodules say. */
    static JsonObject devices(final TpmAttestationVerifier.Result result)
    {
        final JsonObject devices = new JsonObject();
        result.devices().forEach((name, appraisal) -> devices.put(name, result.ear().submods().get(
            TpmAttestationVerifier.SPDM_SUBMOD + name).status().label()));
        return devices;
    }

    private static String referenceFromQuote(final byte[] quote, final byte[] pcrs)
    {
        try
        {
            final TpmsAttest attest = TpmsAttest.parse(quote);
            final StringBuilder yaml = new StringBuilder("pcrs:\n  sha256:\n");
            int offset = 0;
            for (final PcrSelection selection : attest.pcrSelect())
            {
                if (selection.hashAlg() != TpmAlgorithm.SHA256)
                {
                    return null;
                }
                for (final int pcr : selection.pcrs())
                {
                    if (offset + 32 > pcrs.length)
                    {
                        return null;
                    }
                    yaml.append("    ").append(pcr).append(": ").append(HexFormat.of().formatHex(pcrs, offset,
                        offset + 32)).append('\n');
                    offset += 32;
                }
            }
            return offset == pcrs.length ? yaml.toString() : null;
        }
        catch (final TpmFormatException e)
        {
            return null;
        }
    }

    private void expirePending()
    {
        final long now = System.nanoTime();
        pending.values().removeIf(p -> now - p.expiresAtNs() > 0);
    }

    private static long deadline()
    {
        return System.nanoTime() + ENROLMENT_LIFETIME.toNanos();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The channel

    private void connect(final ServerWebSocket socket)
    {
        final X509Certificate peer;
        try
        {
            final List<java.security.cert.Certificate> chain = socket.peerCertificates();
            peer = chain == null || chain.isEmpty() ? null : (X509Certificate)chain.getFirst();
        }
        catch (final Exception e)
        {
            socket.close(CLOSE_NOT_ENROLLED, "no client certificate: enrol first (POST /v1/agent/enrol)");
            return;
        }
        final String dpuId = peer == null ? null : Pki.uriValue(peer, Pki.DPU_URI_PREFIX);
        if (dpuId == null)
        {
            socket.close(CLOSE_NOT_ENROLLED, "no client certificate naming a DPU: enrol first (POST /v1/agent/enrol)");
            return;
        }
        final String fingerprint = Pki.fingerprint(peer);
        socket.pause();
        store.enrolment(dpuId).compose(enrolment -> store.getDpu(dpuId).map(dpu -> new Object[] {enrolment, dpu}))
            .onComplete(ar ->
            {
                if (ar.failed() || ar.result()[0] == null)
                {
                    socket.close(CLOSE_NOT_ENROLLED, "DPU '" + dpuId + "' is not enrolled (or was removed): enrol " +
                        "again");
                    return;
                }
                final Store.Enrolment enrolment = (Store.Enrolment)ar.result()[0];
                final Store.Dpu dpu = (Store.Dpu)ar.result()[1];
                if (!enrolment.certificateFingerprint().equals(fingerprint))
                {
                    socket.close(CLOSE_SUPERSEDED, "this certificate was superseded by a later enrolment of DPU '" +
                        dpuId + "': enrol again");
                    return;
                }
                final AsymmetricKeyParameter ak;
                try
                {
                    ak = akCache.computeIfAbsent(dpuId, id -> akOf(enrolment));
                }
                catch (final IllegalArgumentException e)
                {
                    socket.close(CLOSE_NOT_ENROLLED, "the enrolled AK of DPU '" + dpuId + "' does not decode: enrol " +
                        "again");
                    return;
                }
                final AgentSession session = new AgentSession(this, socket, dpuId, fingerprint, labels(dpu.labels()),
                    ak, enrolment.reference() == null ? config.reference() : PcrReference.parse(
                    enrolment.reference()));
                final AgentSession previous = sessions.put(dpuId, session);
                if (previous != null)
                {
                    previous.close(CLOSE_SUPERSEDED, "another connection of DPU '" + dpuId + "' replaced this one");
                }
                session.open(config.attestationInterval());
                socket.resume();
            });
    }

    private static AsymmetricKeyParameter akOf(final Store.Enrolment enrolment)
    {
        try
        {
            return enrolment.attester().equals("software") ? KeyFiles.publicKeyFromPem(enrolment.ak()) :
                TpmPublic.parse(Base64.getDecoder().decode(enrolment.ak()), false).publicKey();
        }
        catch (final TpmFormatException e)
        {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    void closed(final AgentSession session)
    {
        sessions.remove(session.dpuId(), session);
    }

    /** @return whether an agent of the DPU is connected now. */
    public boolean connected(final String dpuId)
    {
        return sessions.containsKey(dpuId);
    }

    /** Tells a connected agent that its host was quarantined or released. */
    public void quarantineChanged(final String dpuId, final boolean quarantined, final String reason)
    {
        onContext(() ->
        {
            final AgentSession session = sessions.get(dpuId);
            if (session != null)
            {
                session.send(quarantined ? new JsonObject().put("type", "quarantine").put("reason", reason) :
                    new JsonObject().put("type", "lift-quarantine"));
            }
            return Future.succeededFuture();
        });
    }

    /** @return whether the DPU's latest attestation result is affirming and fresh (it may receive policy). */
    public boolean trusted(final String dpuId)
    {
        return ledger.trusted(dpuId);
    }

    /** @return how many agents are connected now. */
    public int connectedCount()
    {
        return sessions.size();
    }

    TpmAttestationVerifier verifier()
    {
        return verifier;
    }

    AttestationLedger ledger()
    {
        return ledger;
    }

    Vertx vertx()
    {
        return vertx;
    }

    Store store()
    {
        return store;
    }

    PrintStream log()
    {
        return log;
    }

    Store.Actor agentActor()
    {
        return AGENT;
    }

    /** @return the newest promoted release that includes the DPU, or null. */
    ActiveRollout desired(final String dpuId, final Map<String, String> labels)
    {
        final List<ActiveRollout> current = rollouts;
        for (int i = current.size() - 1; i >= 0; i--)
        {
            final ActiveRollout r = current.get(i);
            if (r.includes(dpuId, labels))
            {
                return r;
            }
        }
        return null;
    }

    ActiveRollout rolloutOf(final long releaseId)
    {
        for (final ActiveRollout r : rollouts)
        {
            if (r.rollout().releaseId() == releaseId)
            {
                return r;
            }
        }
        return null;
    }

    /** Called on the fleet's context when an agent NACKed: halts the rollout once NACKs pass its threshold. */
    void nacked(final long releaseId, final long nacks)
    {
        final ActiveRollout r = rolloutOf(releaseId);
        if (r == null || nacks <= r.rollout().maxNacks())
        {
            return;
        }
        final String reason = nacks + " DPUs refused release " + r.rollout().target() + "@" + r.rollout().version() +
            " (more than the " + r.rollout().maxNacks() + " allowed)";
        rollouts = rollouts.stream().filter(x -> x != r).toList();
        store.haltRollout(releaseId, reason, ROLLOUT).onComplete(ar ->
        {
            log.println("policy-api: rollout HALTED: " + reason);
            event(new JsonObject().put("type", "rollout.halted").put("release", releaseId)
                .put("target", r.rollout().target()).put("version", r.rollout().version()).put("nacks", nacks)
                .put("reason", reason));
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rollouts

    /** Promotes a release and pushes it at once to every connected, attested agent it now includes. */
    public Future<Store.Rollout> promote(final long releaseId, final String stage, final Long percent,
        final String selector, final long maxNacks, final Store.Actor actor)
    {
        return store.promote(releaseId, stage, percent, selector, maxNacks, actor)
            .compose(rollout -> onContext(() -> reloadRollouts().map(ignored ->
            {
                sessions.values().forEach(AgentSession::offer);
                return rollout;
            })));
    }

    private Future<Void> reloadRollouts()
    {
        return store.activeRollouts().compose(active ->
        {
            Future<List<ActiveRollout>> chain = Future.succeededFuture(new ArrayList<>());
            for (final Store.Rollout rollout : active)
            {
                final ActiveRollout cached = rolloutOf(rollout.releaseId());
                chain = chain.compose(list -> (cached != null ? Future.succeededFuture(cached.bundle()) :
                    store.releaseBundle(rollout.releaseId())).compose(bundle -> store.getRelease(rollout.releaseId())
                    .map(release ->
                    {
                        list.add(new ActiveRollout(rollout, TargetSelector.parse(release.target()),
                            rollout.selector() == null ? null : TargetSelector.parse(rollout.selector()),
                            release.digest(), bundle));
                        return list;
                    })));
            }
            return chain;
        }).map(list ->
        {
            rollouts = List.copyOf(list);
            return null;
        });
    }

    /** Percent buckets 0..9999, stable per (release, DPU), so raising a percentage only adds DPUs. */
    static int canaryBucket(final long releaseId, final String dpuId)
    {
        final byte[] digest = sha256((releaseId + "/" + dpuId).getBytes(StandardCharsets.UTF_8));
        return (int)(((digest[0] & 0xFFL) << 24 | (digest[1] & 0xFFL) << 16 | (digest[2] & 0xFFL) << 8 |
            (digest[3] & 0xFFL)) % 10_000);
    }

    /** @return the rollout of a release with its counts: DPUs it includes, connected, acked, nacked. */
    public Future<JsonObject> rolloutStatus(final long releaseId)
    {
        return store.rollout(releaseId).compose(rollout -> store.getRelease(releaseId).compose(release ->
            store.deliveryCounts(releaseId).compose(counts -> store.dpuLabels().map(all ->
            {
                final TargetSelector target = TargetSelector.parse(release.target());
                final TargetSelector canary = rollout.selector() == null ? null : TargetSelector.parse(
                    rollout.selector());
                final ActiveRollout view = new ActiveRollout(rollout.stage().equals("canary") ? rollout :
                    new Store.Rollout(rollout.releaseId(), rollout.target(), rollout.version(), "all",
                        rollout.percent(), rollout.selector(), rollout.maxNacks(), rollout.haltedReason(),
                        rollout.sequence(), rollout.promotedAt(), rollout.updatedAt(), rollout.promotedBy()),
                    target, canary, release.digest(), null);
                long included = 0;
                long connected = 0;
                for (final Map.Entry<String, String> dpu : all.entrySet())
                {
                    if (view.includes(dpu.getKey(), labels(dpu.getValue())))
                    {
                        included++;
                        connected += sessions.containsKey(dpu.getKey()) ? 1 : 0;
                    }
                }
                return new JsonObject().put("release", releaseId).put("target", rollout.target())
                    .put("version", rollout.version()).put("stage", rollout.stage())
                    .put("percent", rollout.percent()).put("selector", rollout.selector())
                    .put("max_nacks", rollout.maxNacks()).put("halted_reason", rollout.haltedReason())
                    .put("promoted_at", rollout.promotedAt()).put("promoted_by", rollout.promotedBy())
                    .put("updated_at", rollout.updatedAt())
                    .put("dpus", new JsonObject().put("included", included).put("connected", connected)
                        .put("acked", counts.getOrDefault("acked", 0L))
                        .put("nacked", counts.getOrDefault("nacked", 0L)));
            }))));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Attestation results

    private void attestationChanged(final String dpuId, final Status from, final Status to,
        final List<Reason> reasons)
    {
        final String status = to == Status.CONTRAINDICATED && reasons.stream().anyMatch(r -> r.code().equals(
            "attestation_lapsed")) ? "lapsed" : to.label();
        store.recordAttestation(dpuId, status).onFailure(e -> log.println("policy-api: recording the attestation " +
            "of DPU '" + dpuId + "' failed: " + e.getMessage()));
        if (to == Status.AFFIRMING)
        {
            return;
        }
        final JsonObject event = new JsonObject().put("type", "attestation.failed").put("dpu", dpuId)
            .put("from", from.label()).put("status", status).put("reasons", new JsonArray(reasons.stream()
                .map(r -> new JsonObject().put("code", r.code()).put("detail", r.message())).toList()));
        log.println("policy-api: DPU '" + dpuId + "' attestation " + status + " (was " + from.label() + "): " +
            reasons(reasons) + "; it gets no further policy");
        event(event);
        if (config.quarantineOnFailure())
        {
            final String reason = "attestation " + status + ": " + reasons(reasons);
            store.quarantine(dpuId, reason, VERIFIER).onSuccess(dpu ->
            {
                event(new JsonObject().put("type", "dpu.quarantined").put("dpu", dpuId).put("reason", reason)
                    .put("by", VERIFIER.name()));
                final AgentSession session = sessions.get(dpuId);
                if (session != null)
                {
                    session.send(new JsonObject().put("type", "quarantine").put("reason", reason));
                }
            });
        }
    }

    /** Appends one fleet event to the JSON-lines file (SIEM export reads it). */
    void event(final JsonObject event)
    {
        if (config.eventsFile() == null)
        {
            return;
        }
        final String line = new JsonObject().put("time", java.time.Instant.now().toString()).mergeIn(event)
            .encode() + "\n";
        vertx.executeBlocking(() ->
        {
            synchronized (this)
            {
                Files.writeString(config.eventsFile(), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return null;
        }, true).onFailure(e -> log.println("policy-api: cannot write event to " + config.eventsFile() + ": " +
            e.getMessage()));
    }

    // ---------------------------------------------------------------------------------------------------------------

    static Map<String, String> labels(final String json)
    {
        final Map<String, String> labels = new TreeMap<>();
        try
        {
            new JsonObject(json).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
        }
        catch (final RuntimeException e)
        {
            // Labels are validated when stored; unreadable ones select nothing.
        }
        return labels;
    }

    static String reasons(final List<Reason> reasons)
    {
        return reasons.isEmpty() ? "(no reason given)" : String.join("; ", reasons.stream().map(r -> r.code() +
            ": " + r.message()).toList());
    }

    static String b64(final byte[] bytes)
    {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static byte[] sha256(final byte[] bytes)
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

    private byte[] randomBytes(final int count)
    {
        final byte[] bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }
}
