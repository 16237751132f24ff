package dev.palisade.api;

import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.SignatureAlgorithm;
import dev.palisade.policy.bundle.SigningKey;
import dev.palisade.policy.bundle.VerificationKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the API signs releases with: the policy-signing key, the offline root's certificate for it, and the root's
 * revocations to carry to DPUs. The private key stays in memory and is never logged.
 */
public record ReleaseSigner(SigningKey key, KeyStatement.Signed certificate, List<KeyStatement.Signed> revocations)
{
    public ReleaseSigner
    {
        if (!(certificate.statement() instanceof KeyStatement.Certificate c) ||
            !java.util.Arrays.equals(c.subjectKeyId(), key.publicKey().keyId()))
        {
            throw new IllegalArgumentException("the certificate is not the root's certificate for this signing key " +
                "(from 'palisade policy certify-key')");
        }
        revocations = List.copyOf(revocations);
    }

    /** Reads the signing key (owner-only file), its certificate and any revocations. */
    public static ReleaseSigner read(final Path signingKey, final Path certificate, final List<Path> revocations)
        throws IOException
    {
        final List<KeyStatement.Signed> certificates = PolicyKeyFiles.readStatements(certificate);
        if (certificates.size() != 1)
        {
            throw new IllegalArgumentException(certificate + " must hold one certificate (from certify-key), not " +
                certificates.size() + " statements");
        }
        final List<KeyStatement.Signed> carried = new ArrayList<>();
        for (final Path file : revocations)
        {
            for (final KeyStatement.Signed statement : PolicyKeyFiles.readStatements(file))
            {
                if (!(statement.statement() instanceof KeyStatement.Revocation))
                {
                    throw new IllegalArgumentException(file + " holds a certificate, not a revocation");
                }
                carried.add(statement);
            }
        }
        return new ReleaseSigner(PolicyKeyFiles.readPrivate(signingKey), certificates.getFirst(), carried);
    }

    /**
     * Dev mode: a root and a signing key in the data directory, made on first start and kept (DPUs pin
     * {@code dev-root.pub}). Not for production: the root's private key sits beside the service.
     */
    public static ReleaseSigner devKeys(final Path dataDir) throws IOException
    {
        final Path rootKey = dataDir.resolve("dev-root.key");
        final Path rootPub = dataDir.resolve("dev-root.pub");
        final Path signingKey = dataDir.resolve("dev-signing.key");
        final Path certificate = dataDir.resolve("dev-signing.cert");
        if (!Files.exists(signingKey) || !Files.exists(certificate))
        {
            final SecureRandom random = new SecureRandom();
            final SigningKey root = Files.exists(rootKey) ? PolicyKeyFiles.readPrivate(rootKey) :
                SigningKey.generate(SignatureAlgorithm.ED25519, random);
            if (!Files.exists(rootKey))
            {
                PolicyKeyFiles.writePrivate(rootKey, root);
            }
            PolicyKeyFiles.writePublic(rootPub, root.publicKey());
            final SigningKey signing = SigningKey.generate(SignatureAlgorithm.ED25519, random);
            final Instant now = Instant.now();
            final KeyStatement.Signed cert = KeyStatement.certify(root, signing.publicKey(),
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(365)), now.toEpochMilli(),
                "dev-mode signing key");
            Files.deleteIfExists(signingKey);
            PolicyKeyFiles.writePrivate(signingKey, signing);
            dev.palisade.policy.AtomicFiles.write(certificate, PolicyKeyFiles.statementsPem(List.of(cert))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), false, true);
        }
        return read(signingKey, certificate, List.of());
    }

    /** @return the root public key that verifies this signer's releases, for tests and dev mode. */
    public static VerificationKey devRoot(final Path dataDir) throws IOException
    {
        return PolicyKeyFiles.readPublic(dataDir.resolve("dev-root.pub"));
    }
}
