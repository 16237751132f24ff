package dev.palisade.api.fleet;

import dev.palisade.attestation.pki.Pki;
import dev.palisade.policy.AtomicFiles;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The agent channel's PKI: the CA that issues each DPU's client certificate at enrolment (bound to its attested AK by
 * a subjectAltName URI), and the TLS identity of the agent listener. DPUs trust the CA's certificate for the server
 * and the server trusts it for clients, so the CA file is what an agent is given besides the policy root.
 *
 * @param serverKeyPem         the agent listener's TLS key (PKCS#8 PEM).
 * @param serverCertificatePem its certificate chain (PEM).
 */
public record AgentCa(Pki.Authority authority, String serverKeyPem, String serverCertificatePem)
{
    /** How long a DPU's client certificate is valid; re-enrolment (on every agent start) renews it. */
    public static final Duration CLIENT_VALIDITY = Duration.ofDays(30);

    public static final String CA_KEY_FILE = "agent-ca.key";
    public static final String CA_CERT_FILE = "agent-ca.pem";

    /**
     * Dev mode: the CA in {@code dataDir} (made on first start, kept after) and a server certificate for loopback and
     * {@code host}, issued afresh at each start.
     */
    public static AgentCa dev(final Path dataDir, final String host) throws IOException
    {
        final Path keyFile = dataDir.resolve(CA_KEY_FILE);
        final Path certFile = dataDir.resolve(CA_CERT_FILE);
        final Pki.Authority authority;
        if (Files.exists(keyFile) && Files.exists(certFile))
        {
            authority = Pki.Authority.fromPem(Files.readString(keyFile), Files.readString(certFile));
        }
        else
        {
            authority = Pki.Authority.create("Palisade dev agent CA", Duration.ofDays(3650));
            AtomicFiles.write(keyFile, authority.keyPem().getBytes(StandardCharsets.US_ASCII), true, false);
            AtomicFiles.write(certFile, authority.certificatePem().getBytes(StandardCharsets.US_ASCII), false, false);
        }
        final KeyPair server = Pki.newKeyPair();
        final List<String> hosts = host == null || host.equals("127.0.0.1") || host.equals("localhost") ||
            host.equals("0.0.0.0") || host.equals("::") ? List.of("127.0.0.1", "localhost") :
            List.of("127.0.0.1", "localhost", host);
        final X509CertificateHolder certificate = authority.issue(server.getPublic(), "palisade policy API",
            Pki.Usage.SERVER, List.of(), hosts, Instant.now(), Duration.ofDays(365));
        return new AgentCa(authority, Pki.privateKeyPem(server.getPrivate()), Pki.certificatePem(certificate));
    }

    /** Production: the CA's key and certificate, and the listener's key and certificate chain, from files. */
    public static AgentCa read(final Path caKey, final Path caCertificate, final Path serverKey,
        final Path serverCertificate) throws IOException
    {
        return new AgentCa(Pki.Authority.fromPem(Files.readString(caKey), Files.readString(caCertificate)),
            Files.readString(serverKey), Files.readString(serverCertificate));
    }

    /** Issues a DPU's client certificate for its TLS key, naming the DPU and the AK its TPM proved. */
    public X509CertificateHolder issueClient(final String dpuId, final String akNameHex, final PublicKey tlsKey)
    {
        return authority.issue(tlsKey, "dpu " + dpuId, Pki.Usage.CLIENT, List.of(Pki.DPU_URI_PREFIX + dpuId,
            Pki.AK_URI_PREFIX + akNameHex), List.of(), Instant.now(), CLIENT_VALIDITY);
    }

    public String caCertificatePem()
    {
        return authority.certificatePem();
    }
}
