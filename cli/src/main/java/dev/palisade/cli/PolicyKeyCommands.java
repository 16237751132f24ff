package dev.palisade.cli;

import dev.palisade.policy.Json;
import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.SignatureAlgorithm;
import dev.palisade.policy.bundle.SigningKey;
import dev.palisade.policy.bundle.VerificationKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade policy keygen | certify-key | revoke-key}: the offline root and the policy-signing keys. */
final class PolicyKeyCommands
{
    private PolicyKeyCommands()
    {
    }

    @Command(
        name = "keygen",
        description = {
            "Make a policy key pair: the offline root key (its public half is pinned on every DPU) or a " +
                "policy-signing key (certified by the root with certify-key).",
            "",
            "Writes the private key to FILE, owner-only (0600), and never overwrites one; the public key goes to " +
                "FILE.pub. Keep the root's private key offline.",
            "",
            "Example: palisade policy keygen --out root.key && palisade policy keygen --out signing.key"},
        sortOptions = false)
    static final class Keygen implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the private key.")
        Path out;

        @Option(names = "--algorithm", paramLabel = "ed25519|ecdsa-p256", defaultValue = "ed25519",
            description = "Signature algorithm (default: ${DEFAULT-VALUE}).")
        String algorithm;

        @Option(names = "--json", description = "Print one JSON object: private_key, public_key, key_id, algorithm.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final SignatureAlgorithm chosen;
            try
            {
                chosen = SignatureAlgorithm.ofLabel(algorithm);
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--algorithm: " + e.getMessage());
            }
            final Path publicFile = out.resolveSibling(out.getFileName() + ".pub");
            if (Files.exists(out) || Files.exists(publicFile))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--out: " +
                    (Files.exists(out) ? out : publicFile) + " exists; key files are never overwritten");
            }
            final SigningKey key = SigningKey.generate(chosen, new SecureRandom());
            PolicyKeyFiles.writePrivate(out, key);
            PolicyKeyFiles.writePublic(publicFile, key.publicKey());
            final PrintWriter console = spec.commandLine().getOut();
            if (json)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("private_key", out.toString());
                m.put("public_key", publicFile.toString());
                m.put("key_id", key.publicKey().keyIdHex());
                m.put("algorithm", chosen.label());
                console.println(Json.write(m));
            }
            else
            {
                console.println("wrote " + chosen.label() + " key " + key.publicKey().keyIdHex() + ": private " + out +
                    " (owner-only), public " + publicFile);
            }
            console.flush();
            return Main.EXIT_OK;
        }
    }

    @Command(
        name = "certify-key",
        description = {
            "With the root key, certify a policy-signing key: releases it signs while the certificate is valid " +
                "verify on DPUs that pin this root. Rotating the signing key is certifying a new one (and, once no " +
                "release needs the old one, revoking it).",
            "",
            "Example: palisade policy certify-key --root-key root.key --key signing.key.pub --out signing.cert"},
        sortOptions = false)
    static final class CertifyKey implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--root-key", required = true, paramLabel = "FILE", description = "The root's private key.")
        Path rootKey;

        @Option(names = "--key", required = true, paramLabel = "PEM", description = "The signing key's public key.")
        Path key;

        @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write the certificate (PEM 'PALISADE KEY STATEMENT').")
        Path out;

        @Option(names = "--valid-from", paramLabel = "TIME",
            description = "Start of validity, ISO-8601 (default: now).")
        String validFrom;

        @Option(names = "--valid-days", paramLabel = "DAYS", defaultValue = "365",
            description = "Length of validity in days (default: ${DEFAULT-VALUE}).")
        int validDays;

        @Option(names = "--serial", paramLabel = "N",
            description = "The root's statement number; unique per root (default: the current time in ms).")
        Long serial;

        @Option(names = "--label", paramLabel = "TEXT", defaultValue = "",
            description = "A note shown with the certificate, e.g. 'policy signing 2027'.")
        String label;

        @Override
        public Integer call() throws Exception
        {
            if (validDays < 1)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--valid-days must be at least 1");
            }
            final Instant from = validFrom == null ? Instant.now() : instant(spec, "--valid-from", validFrom);
            final SigningKey root = readPrivate(spec, "--root-key", rootKey);
            final VerificationKey subject = readPublic(spec, "--key", key);
            final KeyStatement.Signed certificate = KeyStatement.certify(root, subject, from,
                from.plus(Duration.ofDays(validDays)), serial == null ? System.currentTimeMillis() : serial, label);
            writeNew(spec, out, PolicyKeyFiles.statementsPem(List.of(certificate)));
            spec.commandLine().getOut().println("wrote " + out + ": " + certificate.describe());
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }

    @Command(
        name = "revoke-key",
        description = {
            "With the root key, revoke a policy-signing key: DPUs refuse releases it signed at or after --from. " +
                "Revocations travel in later releases (palisade policy release --revocations) and are remembered.",
            "",
            "Example: palisade policy revoke-key --root-key root.key --key old-signing.key.pub --reason 'key leaked' " +
                "--out revoked.pem"},
        sortOptions = false)
    static final class RevokeKey implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--root-key", required = true, paramLabel = "FILE", description = "The root's private key.")
        Path rootKey;

        @CommandLine.ArgGroup(multiplicity = "1")
        Subject subject;

        static final class Subject
        {
            @Option(names = "--key", paramLabel = "PEM", description = "The signing key's public key.")
            Path key;

            @Option(names = "--key-id", paramLabel = "HEX", description = "Or its key id (SHA-256, 64 hex digits).")
            String keyId;
        }

        @Option(names = "--from", paramLabel = "TIME", description = "Revoked from, ISO-8601 (default: now).")
        String from;

        @Option(names = "--serial", paramLabel = "N",
            description = "The root's statement number (default: the current time in ms).")
        Long serial;

        @Option(names = "--reason", paramLabel = "TEXT", defaultValue = "", description = "Why, for the audit trail.")
        String reason;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the revocation.")
        Path out;

        @Override
        public Integer call() throws Exception
        {
            final byte[] id;
            if (subject.key != null)
            {
                id = readPublic(spec, "--key", subject.key).keyId();
            }
            else
            {
                try
                {
                    id = HexFormat.of().parseHex(subject.keyId);
                }
                catch (final IllegalArgumentException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--key-id is not hex");
                }
                if (id.length != 32)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--key-id is " + id.length +
                        " bytes; a key id is 32 (64 hex digits, as keygen prints)");
                }
            }
            final SigningKey root = readPrivate(spec, "--root-key", rootKey);
            final KeyStatement.Signed revocation = KeyStatement.revoke(root, id,
                from == null ? Instant.now() : instant(spec, "--from", from),
                serial == null ? System.currentTimeMillis() : serial, reason);
            writeNew(spec, out, PolicyKeyFiles.statementsPem(List.of(revocation)));
            spec.commandLine().getOut().println("wrote " + out + ": " + revocation.describe());
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }

    static Instant instant(final CommandLine.Model.CommandSpec spec, final String option, final String text)
    {
        try
        {
            return Instant.parse(text);
        }
        catch (final DateTimeParseException e)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " '" + text + "' is not an " +
                "ISO-8601 instant such as 2026-11-21T12:00:00Z");
        }
    }

    /** A file read that can fail on its contents: such a failure is a usage error that names the option. */
    private interface FileRead<T>
    {
        T read() throws java.io.IOException;
    }

    private static <T> T forOption(final CommandLine.Model.CommandSpec spec, final String option,
        final FileRead<T> read) throws java.io.IOException
    {
        try
        {
            return read.read();
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + e.getMessage());
        }
    }

    static SigningKey readPrivate(final CommandLine.Model.CommandSpec spec, final String option, final Path file)
        throws java.io.IOException
    {
        return forOption(spec, option, () -> PolicyKeyFiles.readPrivate(file));
    }

    static VerificationKey readPublic(final CommandLine.Model.CommandSpec spec, final String option, final Path file)
        throws java.io.IOException
    {
        return forOption(spec, option, () -> PolicyKeyFiles.readPublic(file));
    }

    static List<KeyStatement.Signed> readStatements(final CommandLine.Model.CommandSpec spec, final String option,
        final Path file) throws java.io.IOException
    {
        return forOption(spec, option, () -> PolicyKeyFiles.readStatements(file));
    }

    private static void writeNew(final CommandLine.Model.CommandSpec spec, final Path file, final String text)
        throws java.io.IOException
    {
        if (Files.exists(file))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out: " + file + " exists; statements " +
                "are never overwritten");
        }
        Files.writeString(file, text);
    }
}
