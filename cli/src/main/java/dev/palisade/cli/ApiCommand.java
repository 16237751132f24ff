package dev.palisade.cli;

import dev.palisade.api.ApiLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code palisade api}: the central policy API. */
@Command(
    name = "api",
    description = {
        "Run the central policy API: policies with history and diffs, the fleet inventory, DPI rule sets, dry-run " +
            "compiles, signed releases, the DPU fleet with quarantine, and the audit log. OpenAPI document at " +
            "/openapi.yaml; health at /healthz and /readyz.",
        "",
        "With --dev: no Keycloak. A key made at start-up signs short-lived tokens, one per role, written to " +
            "DATA-DIR/dev-tokens.json (owner-only). Not for production.",
        "Without: tokens come from Keycloak (--issuer, the realm URL; --client-id, the API's client, which tokens " +
            "must name as audience); start-up fails if Keycloak cannot be reached.",
        "",
        "Releases are signed with --signing-key and --certificate (from 'palisade policy keygen' and " +
            "'certify-key'); without them releases are refused. Dev mode makes a root and a signing key in " +
            "--data-dir (DPUs pin dev-root.pub).",
        "",
        "Storage: an embedded SQLite database in --data-dir, or PostgreSQL for several replicas (--postgres, or " +
            "PALISADE_POSTGRES_URI to keep the password off the command line).",
        "",
        "Example: palisade api --dev --port 8080 --data-dir /tmp/palisade-api",
        "         curl -H \"Authorization: Bearer $(jq -r '.\"policy-admin\"' /tmp/palisade-api/dev-tokens.json)\" " +
            "http://127.0.0.1:8080/v1/policies"},
    sortOptions = false)
final class ApiCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dev", description = "Dev mode: local tokens instead of Keycloak.")
    boolean dev;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
        description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "palisade-api-data",
        description = "Where the embedded store and dev tokens live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--issuer", paramLabel = "URL", description = "Keycloak realm URL, e.g. " +
        "https://keycloak.example/realms/palisade.")
    String issuer;

    @Option(names = "--client-id", paramLabel = "ID", defaultValue = "palisade-api",
        description = "The API's client id in Keycloak (default: ${DEFAULT-VALUE}).")
    String clientId;

    @Option(names = "--postgres", paramLabel = "URI",
        description = "postgresql://user:password@host:port/database (default: the embedded store).")
    String postgres;

    @Option(names = "--dev-token-minutes", paramLabel = "N", defaultValue = "480",
        description = "Lifetime of dev tokens (default: ${DEFAULT-VALUE}).")
    int devTokenMinutes;

    @Option(names = "--signing-key", paramLabel = "FILE",
        description = "The policy-signing private key (owner-only) that signs releases.")
    Path signingKey;

    @Option(names = "--certificate", paramLabel = "FILE",
        description = "The root's certificate for --signing-key (from certify-key).")
    Path certificate;

    @Option(names = "--revocations", paramLabel = "FILE",
        description = "Root-signed revocations to carry in every release (from revoke-key); repeatable.")
    List<Path> revocations = new ArrayList<>();

    @Option(names = "--agent-port", paramLabel = "PORT", defaultValue = "8443",
        description = "Where DPU agents enrol and connect (mutual TLS); -1 turns the agent channel off " +
            "(default: ${DEFAULT-VALUE}).")
    int agentPort;

    @Option(names = "--agent-host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "The agent listener's address, on the DPUs' management network (default: ${DEFAULT-VALUE}).")
    String agentHost;

    @Option(names = "--attestation-interval", paramLabel = "SECONDS", defaultValue = "60",
        description = "How often connected agents are challenged for fresh evidence; a result lives three " +
            "intervals, after which the DPU lapses and gets no policy (default: ${DEFAULT-VALUE}).")
    int attestationIntervalSeconds;

    @Option(names = "--reference", paramLabel = "FILE",
        description = "The fleet's PCR reference values (YAML: pcrs: {sha256: {0: HEX, …}}). Required without " +
            "--dev; in dev mode each DPU's values at its first enrolment become its reference.")
    Path reference;

    @Option(names = "--ek-ca", paramLabel = "FILE",
        description = "A TPM manufacturer's CA certificate (PEM) for EK certificates; repeatable. Without any, EKs " +
            "without certificates are accepted.")
    List<Path> ekCas = new ArrayList<>();

    @Option(names = "--spdm-root", paramLabel = "FILE",
        description = "A device manufacturer's root certificate(s) (PEM) for SPDM device evidence; repeatable. With " +
            "any, agents are asked for SPDM measurements with every quote and each device is appraised beside the " +
            "TPM. Without, agents are not asked.")
    List<Path> spdmRoots = new ArrayList<>();

    @Option(names = "--spdm-reference", paramLabel = "FILE",
        description = "The devices' reference values (YAML: measurements: {INDEX: HEX}, tcb: [{vendor, model, " +
            "svn_min, fwid}]). Without it, device evidence is at best a warning, which gets no policy.")
    Path spdmReference;

    @Option(names = "--require-spdm",
        description = "Every DPU must present SPDM device evidence with each quote (needs --spdm-root).")
    boolean spdmRequired;

    @Option(names = "--agent-ca-key", paramLabel = "FILE", description = "The agent CA's private key (PKCS#8 PEM).")
    Path agentCaKey;

    @Option(names = "--agent-ca-cert", paramLabel = "FILE", description = "The agent CA's certificate (PEM).")
    Path agentCaCert;

    @Option(names = "--agent-tls-key", paramLabel = "FILE", description = "The agent listener's TLS key (PEM).")
    Path agentTlsKey;

    @Option(names = "--agent-tls-cert", paramLabel = "FILE",
        description = "The agent listener's TLS certificate chain (PEM), issued for --agent-host.")
    Path agentTlsCert;

    @Option(names = "--quarantine-on-attestation-failure",
        description = "Quarantine a DPU's host as soon as its attestation fails or lapses.")
    boolean quarantineOnFailure;

    @Override
    public Integer call() throws Exception
    {
        if (agentPort < -1 || agentPort > 65535)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agent-port must be 0..65535, or -1 " +
                "for no agent channel");
        }
        if (attestationIntervalSeconds < 1 || attestationIntervalSeconds > 86_400)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attestation-interval must be 1..86400 " +
                "seconds");
        }
        final boolean anyCa = agentCaKey != null || agentCaCert != null || agentTlsKey != null || agentTlsCert != null;
        if (anyCa && (agentCaKey == null || agentCaCert == null || agentTlsKey == null || agentTlsCert == null))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agent-ca-key, --agent-ca-cert, " +
                "--agent-tls-key and --agent-tls-cert go together");
        }
        if (!dev && agentPort >= 0 && (!anyCa || reference == null))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "the agent channel needs its CA and TLS " +
                "identity (--agent-ca-key, --agent-ca-cert, --agent-tls-key, --agent-tls-cert) and --reference; " +
                "or --agent-port -1 to run without it");
        }
        if (spdmRoots.isEmpty() && (spdmReference != null || spdmRequired))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--spdm-reference and --require-spdm need " +
                "the device manufacturers' roots (--spdm-root FILE)");
        }
        if (port < 0 || port > 65535)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 0..65535");
        }
        if (!dev && issuer == null)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --issuer (the Keycloak realm URL), " +
                "or --dev to try it without Keycloak");
        }
        if (dev && issuer != null)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dev and --issuer exclude each other");
        }
        if ((signingKey == null) != (certificate == null))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--signing-key and --certificate go " +
                "together");
        }
        final String postgresUri = postgres != null ? postgres : System.getenv("PALISADE_POSTGRES_URI");
        final ApiLauncher.Running running;
        try
        {
            running = ApiLauncher.start(new ApiLauncher.Config(host, port, dataDir, dev, issuer, clientId,
                postgresUri, devTokenMinutes, signingKey, certificate, revocations, agentPort < 0 ? null :
                new ApiLauncher.Agents(agentHost, agentPort, java.time.Duration.ofSeconds(attestationIntervalSeconds),
                    reference, ekCas, agentCaKey, agentCaCert, agentTlsKey, agentTlsCert, dev, quarantineOnFailure,
                    spdmRoots, spdmReference, spdmRequired)),
                System.err).toCompletionStage().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.ExecutionException e)
        {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                running.close();
            }
            catch (final Exception e)
            {
                System.err.println("policy-api: stopping: " + e.getMessage());
            }
            stopped.countDown();
        }));
        stopped.await();
        return Main.EXIT_OK;
    }
}
