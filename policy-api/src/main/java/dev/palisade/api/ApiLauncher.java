package dev.palisade.api;

import dev.palisade.api.auth.Authenticator;
import dev.palisade.api.auth.DevAuth;
import dev.palisade.api.fleet.AgentCa;
import dev.palisade.api.fleet.Fleet;
import dev.palisade.attestation.spdm.SpdmFormatException;
import dev.palisade.attestation.spdm.SpdmReferenceValues;
import dev.palisade.attestation.spdm.SpdmVerifier;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.enrol.EkCertificates;
import dev.palisade.attestation.verifier.SpdmPolicy;
import dev.palisade.api.store.PgSql;
import dev.palisade.api.store.Sql;
import dev.palisade.api.store.SqliteSql;
import dev.palisade.api.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.providers.KeycloakAuth;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Starts the policy API from its configuration: the store (embedded in the data directory, or PostgreSQL), the token
 * validation (Keycloak by OIDC discovery, or dev mode's local key), and the HTTP server. Fails fast and says why when
 * a dependency cannot be reached.
 */
public final class ApiLauncher
{
    /**
     * @param issuer      the Keycloak realm URL ({@code https://keycloak.example/realms/palisade}); null in dev mode.
     * @param clientId    the API's client id: tokens must carry it as audience; its client roles count.
     * @param postgresUri null for the embedded store in {@code dataDir}.
     * @param signingKey  the policy-signing key (with {@code certificate}, the root's certificate for it, and
     *                    {@code revocations} to carry); null: releases are refused. Dev mode makes its own keys.
     */
    public record Config(String host, int port, Path dataDir, boolean dev, String issuer, String clientId,
        String postgresUri, int devTokenMinutes, Path signingKey, Path certificate, List<Path> revocations,
        Agents agents)
    {
        public Config
        {
            revocations = revocations == null ? List.of() : List.copyOf(revocations);
        }

        /** Without the agent channel. */
        public Config(final String host, final int port, final Path dataDir, final boolean dev, final String issuer,
            final String clientId, final String postgresUri, final int devTokenMinutes, final Path signingKey,
            final Path certificate, final List<Path> revocations)
        {
            this(host, port, dataDir, dev, issuer, clientId, postgresUri, devTokenMinutes, signingKey, certificate,
                revocations, null);
        }

        /** Without a signing key. */
        public Config(final String host, final int port, final Path dataDir, final boolean dev, final String issuer,
            final String clientId, final String postgresUri, final int devTokenMinutes)
        {
            this(host, port, dataDir, dev, issuer, clientId, postgresUri, devTokenMinutes, null, null, List.of(), null);
        }
    }

    /**
     * The agent channel (a second listener, mutual TLS): where DPUs enrol and connect.
     *
     * @param port                -1: no agent channel (rollouts answer 503).
     * @param reference           the fleet's PCR reference values (YAML); null in dev mode records each DPU's first.
     * @param ekCas               EK certificate roots; empty: EKs without certificates are accepted.
     * @param caKey               the agent CA (with {@code caCertificate}, {@code tlsKey}, {@code tlsCertificate});
     *                            null in dev mode: made in the data directory.
     * @param allowSoftware       accept agents with no TPM (dev mode only; their evidence proves nothing).
     * @param quarantineOnFailure quarantine a DPU's host when its attestation fails or lapses.
     * @param spdmRoots           device manufacturers' root certificates (PEM): SPDM device evidence is appraised
     *                            beside quotes; empty: agents are not asked for any.
     * @param spdmReference       the devices' reference values (YAML: measurements, DICE tcb); null: a warning at best.
     * @param spdmRequired        every DPU must present device evidence.
     */
    public record Agents(String host, int port, java.time.Duration attestationInterval, Path reference,
        List<Path> ekCas, Path caKey, Path caCertificate, Path tlsKey, Path tlsCertificate, boolean allowSoftware,
        boolean quarantineOnFailure, List<Path> spdmRoots, Path spdmReference, boolean spdmRequired)
    {
        public Agents
        {
            ekCas = ekCas == null ? List.of() : List.copyOf(ekCas);
            spdmRoots = spdmRoots == null ? List.of() : List.copyOf(spdmRoots);
        }

        /** Dev mode's: loopback, software attesters allowed, first PCRs trusted, the CA in the data directory. */
        public static Agents dev(final int port, final java.time.Duration attestationInterval)
        {
            return new Agents("127.0.0.1", port, attestationInterval, null, List.of(), null, null, null, null, true,
                false, List.of(), null, false);
        }
    }

    /** A running API: close it to stop. */
    public record Running(Vertx vertx, ApiServer server, Store store, Path devTokens, Fleet fleet)
    {
        /**
         * Stops taking requests, closes the store, then Vert.x. Blocks; call it from outside Vert.x (a listener on an
         * event loop would never hear that Vert.x closed, since the loop is gone by then).
         */
        public void close() throws Exception
        {
            try
            {
                if (fleet != null)
                {
                    fleet.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                }
                server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            finally
            {
                store.close();
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private ApiLauncher()
    {
    }

    public static Future<Running> start(final Config config, final PrintStream log)
    {
        final Vertx vertx = Vertx.vertx();
        final Future<Running> started = startOn(vertx, config, log);
        return started.recover(e -> vertx.close().transform(ignored -> Future.failedFuture(e)));
    }

    private static Future<Running> startOn(final Vertx vertx, final Config config, final PrintStream log)
    {
        final ReleaseSigner signer;
        try
        {
            Files.createDirectories(config.dataDir());
            signer = config.dev() && config.signingKey() == null ? ReleaseSigner.devKeys(config.dataDir()) :
                config.signingKey() == null ? null : ReleaseSigner.read(config.signingKey(), config.certificate(),
                config.revocations());
        }
        catch (final Exception e)
        {
            return Future.failedFuture(new IllegalStateException("cannot read the policy-signing key: " +
                e.getMessage(), e));
        }
        final Sql sql;
        try
        {
            sql = config.postgresUri() != null ? PgSql.connect(vertx, config.postgresUri(), 16) :
                SqliteSql.open(vertx, config.dataDir().resolve("palisade-api.db"));
        }
        catch (final Exception e)
        {
            return Future.failedFuture(new IllegalStateException("cannot open the store: " + e.getMessage(), e));
        }
        final Future<Store> store = Store.open(sql, Clock.systemUTC()).recover(e -> Future.failedFuture(
            new IllegalStateException("cannot open the store" + (config.postgresUri() != null ? " (PostgreSQL at " +
                redact(config.postgresUri()) + ")" : "") + ": " + e.getMessage(), e)));
        final Future<Authenticator> authenticator;
        final DevAuth dev;
        if (config.dev())
        {
            dev = DevAuth.create(vertx, config.devTokenMinutes());
            authenticator = Future.succeededFuture(new Authenticator(dev.provider(), null));
        }
        else
        {
            dev = null;
            if (config.issuer() == null || config.clientId() == null)
            {
                return Future.failedFuture(new IllegalArgumentException("without --dev, give the Keycloak issuer " +
                    "(realm URL) and the API's client id"));
            }
            authenticator = KeycloakAuth.discover(vertx, new OAuth2Options().setSite(config.issuer())
                    .setClientId(config.clientId())
                    .setJWTOptions(new JWTOptions().setAudience(List.of(config.clientId()))))
                .map(oauth2 ->
                {
                    // Keycloak rotates its signing keys: a token signed by a key we do not know yet reloads the
                    // realm's keys, at most once every 10 s (a flood of made-up key ids cannot hammer Keycloak).
                    final java.util.concurrent.atomic.AtomicLong lastReload = new java.util.concurrent.atomic
                        .AtomicLong();
                    oauth2.missingKeyHandler(kid ->
                    {
                        final long now = System.nanoTime();
                        final long last = lastReload.get();
                        if (now - last > TimeUnit.SECONDS.toNanos(10) && lastReload.compareAndSet(last, now))
                        {
                            oauth2.jWKSet().onFailure(e -> log.println("policy-api: reloading Keycloak's keys " +
                                "failed: " + e.getMessage()));
                        }
                    });
                    return new Authenticator(oauth2, config.clientId());
                })
                .recover(e -> Future.failedFuture(new IllegalStateException("cannot reach Keycloak at " +
                    config.issuer() + " (OIDC discovery failed: " + e.getMessage() + "); check the issuer URL and " +
                    "that Keycloak is up", e)));
        }
        return Future.all(store, authenticator).compose(both ->
        {
            final Fleet fleet;
            try
            {
                fleet = fleet(vertx, config, store.result(), log);
            }
            catch (final Exception e)
            {
                return Future.failedFuture(new IllegalStateException("cannot set up the agent channel: " +
                    e.getMessage(), e));
            }
            final ApiServer server = new ApiServer(vertx, authenticator.result(), store.result(), signer, fleet);
            return (fleet == null ? Future.succeededFuture(-1) : fleet.start().recover(e -> Future.failedFuture(
                new IllegalStateException("cannot listen for agents on " + config.agents().host() + ":" +
                    config.agents().port() + ": " + e.getMessage(), e))))
                .compose(agentPort -> server.listen(config.host(), config.port()).map(agentPort))
                .compose(agentPort ->
            {
                Path tokens = null;
                if (dev != null)
                {
                    try
                    {
                        final Map<String, String> perRole = dev.tokenPerRole();
                        tokens = DevAuth.writeTokens(config.dataDir(), perRole);
                    }
                    catch (final Exception e)
                    {
                        return Future.failedFuture(e);
                    }
                    log.println("policy-api: DEV MODE, NOT FOR PRODUCTION: tokens are signed by a key made at " +
                        "start-up; anyone who can read " + tokens + " has every role");
                }
                log.println("policy-api: listening on http://" + config.host() + ":" + server.port() + " (store: " +
                    (config.postgresUri() != null ? "PostgreSQL " + redact(config.postgresUri()) :
                    config.dataDir().resolve("palisade-api.db")) + ")");
                log.println(signer == null ? "policy-api: releases are disabled: no policy-signing key " +
                    "(--signing-key, --certificate)" : "policy-api: releases are signed by key " + HexFormat.of()
                    .formatHex(signer.key().publicKey().keyId()).substring(0, 16) + (config.dev() &&
                    config.signingKey() == null ? " (dev mode: DPUs pin " + config.dataDir().resolve("dev-root.pub") +
                    ")" : ""));
                if (fleet != null)
                {
                    log.println("policy-api: agents enrol and connect on https://" + config.agents().host() + ":" +
                        agentPort + " (mutual TLS; the agent CA is " + (config.agents().caCertificate() != null ?
                        config.agents().caCertificate() : config.dataDir().resolve(
                        AgentCa.CA_CERT_FILE)) + ")");
                }
                return Future.succeededFuture(new Running(vertx, server, store.result(), tokens, fleet));
            });
        }).recover(e ->
        {
            if (store.succeeded())
            {
                store.result().close();
            }
            return Future.failedFuture(e);
        });
    }

    private static Fleet fleet(final Vertx vertx, final Config config, final Store store,
        final PrintStream log) throws Exception
    {
        final Agents agents = config.agents();
        if (agents == null || agents.port() < 0)
        {
            return null;
        }
        if (!config.dev() && agents.allowSoftware())
        {
            throw new IllegalArgumentException("software attesters prove nothing and are accepted only in dev mode");
        }
        final AgentCa ca = agents.caKey() != null ?
            AgentCa.read(agents.caKey(), agents.caCertificate(), agents.tlsKey(),
                agents.tlsCertificate()) :
            config.dev() ? AgentCa.dev(config.dataDir(), agents.host()) : null;
        if (ca == null)
        {
            throw new IllegalArgumentException("the agent channel needs its CA and TLS identity (--agent-ca-key, " +
                "--agent-ca-cert, --agent-tls-key, --agent-tls-cert), or --dev");
        }
        final PcrReference reference = agents.reference() == null ? null :
            PcrReference.parse(Files.readString(agents.reference()));
        if (reference == null && !config.dev())
        {
            throw new IllegalArgumentException("the agent channel needs PCR reference values (--reference FILE)");
        }
        final EkCertificates ekCas = agents.ekCas().isEmpty() ? null :
            EkCertificates.fromPemFiles(agents.ekCas(), List.of());
        return new Fleet(vertx, store, ca, new Fleet.Config(
            agents.host(), agents.port(), agents.attestationInterval(), agents.allowSoftware(), config.dev(),
            reference, ekCas, agents.quarantineOnFailure(), config.dataDir().resolve("events.jsonl"),
            spdmPolicy(agents)), log);
    }

    /** The device roots and reference values, each file's problem named; null when no root is given. */
    private static SpdmPolicy spdmPolicy(final Agents agents) throws IOException
    {
        if (agents.spdmRoots().isEmpty())
        {
            if (agents.spdmReference() != null || agents.spdmRequired())
            {
                throw new IllegalArgumentException("SPDM reference values and the SPDM requirement need the device " +
                    "manufacturers' roots (--spdm-root FILE)");
            }
            return null;
        }
        final List<X509CertificateHolder> roots = new ArrayList<>();
        for (final Path file : agents.spdmRoots())
        {
            try
            {
                roots.addAll(SpdmVerifier.readPem(file));
            }
            catch (final SpdmFormatException e)
            {
                throw new IllegalArgumentException(file + ": not a PEM certificate file: " + e.getMessage(), e);
            }
        }
        SpdmReferenceValues reference = null;
        if (agents.spdmReference() != null)
        {
            try
            {
                reference = SpdmReferenceValues.load(agents.spdmReference());
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException(agents.spdmReference() + ": " + e.getMessage(), e);
            }
        }
        return new SpdmPolicy(roots, reference, Set.of(), agents.spdmRequired());
    }

    /** A connection URI without its password, for messages. */
    static String redact(final String uri)
    {
        return uri.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
    }
}
