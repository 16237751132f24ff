package dev.palisade.policy.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key files: private keys are written owner-only and never overwritten, loose ones are refused, errors carry no key
 * material, and the files interoperate with OpenSSL both ways (its keys load here; its signatures verify here).
 */
class PolicyKeyFilesTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void privateKeysAreOwnerOnlyAndReadBack(final SignatureAlgorithm algorithm) throws IOException
    {
        final SigningKey key = SigningKey.generate(algorithm, BundleFixture.seeded(11));
        final Path file = dir.resolve("root.key");
        PolicyKeyFiles.writePrivate(file, key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        final SigningKey read = PolicyKeyFiles.readPrivate(file);
        assertEquals(key.publicKey(), read.publicKey());
        assertArrayEquals(key.sign(new byte[] {1, 2, 3}), read.sign(new byte[] {1, 2, 3}));
        assertFalse(key.toString().contains(Files.readString(file).lines().skip(1).findFirst().orElseThrow()),
            "toString shows no key material");

        final FileAlreadyExistsException exists = assertThrows(FileAlreadyExistsException.class,
            () -> PolicyKeyFiles.writePrivate(file, SigningKey.generate(algorithm, BundleFixture.seeded(12))));
        assertTrue(exists.getMessage().contains("never overwritten"), exists.getMessage());
        assertEquals(key.publicKey(), PolicyKeyFiles.readPrivate(file).publicKey(), "the old key is still there");
        try (var listing = Files.list(dir))
        {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void aPrivateKeyOthersCanReadIsRefused() throws IOException
    {
        final Path file = dir.resolve("signing.key");
        PolicyKeyFiles.writePrivate(file, SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(13)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        final IOException e = assertThrows(IOException.class, () -> PolicyKeyFiles.readPrivate(file));
        assertTrue(e.getMessage().contains("is readable by others (rw-r--r--)") &&
            e.getMessage().contains("chmod 600"), e.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        assertThrows(IOException.class, () -> PolicyKeyFiles.readPrivate(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        PolicyKeyFiles.readPrivate(file);
    }

    @Test
    void wrongFilesSayWhatTheyAre() throws IOException
    {
        final SigningKey key = SigningKey.generate(SignatureAlgorithm.ED25519, BundleFixture.seeded(14));
        final Path publicFile = dir.resolve("root.pub");
        PolicyKeyFiles.writePublic(publicFile, key.publicKey());
        Files.setPosixFilePermissions(publicFile, PosixFilePermissions.fromString("rw-------"));
        final IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class,
            () -> PolicyKeyFiles.readPrivate(publicFile));
        assertEquals(publicFile + ": a PEM 'PUBLIC KEY' block, expected 'PRIVATE KEY'", swapped.getMessage());
        assertEquals(key.publicKey(), PolicyKeyFiles.readPublic(publicFile));

        final Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        assertEquals(text + ": no PEM block (expected -----BEGIN PUBLIC KEY-----)",
            assertThrows(IllegalArgumentException.class, () -> PolicyKeyFiles.readPublic(text)).getMessage());
    }

    @Test
    void keysOnOtherCurvesAreRefused() throws Exception
    {
        final Path p384 = dir.resolve("p384.key");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", p384.toString());
        Files.setPosixFilePermissions(p384, PosixFilePermissions.fromString("rw-------"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PolicyKeyFiles.readPrivate(p384));
        assertTrue(e.getMessage().contains("P-256 or Ed25519"), e.getMessage());
        final Path p384Public = dir.resolve("p384.pub");
        openssl("pkey", "-in", p384.toString(), "-pubout", "-out", p384Public.toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PolicyKeyFiles.readPublic(p384Public))
            .getMessage().contains("Ed25519 or ECDSA P-256"));
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void opensslKeysAndSignaturesInteroperate(final SignatureAlgorithm algorithm) throws Exception
    {
        final Path key = dir.resolve("openssl.key");
        if (algorithm == SignatureAlgorithm.ED25519)
        {
            openssl("genpkey", "-algorithm", "ed25519", "-out", key.toString());
        }
        else
        {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt",
                "ec_param_enc:named_curve", "-out", key.toString());
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        final SigningKey ours = PolicyKeyFiles.readPrivate(key);
        assertEquals(algorithm, ours.algorithm());

        // OpenSSL's public key is the one we derive.
        final Path publicFile = dir.resolve("openssl.pub");
        openssl("pkey", "-in", key.toString(), "-pubout", "-out", publicFile.toString());
        assertEquals(ours.publicKey(), PolicyKeyFiles.readPublic(publicFile));

        // OpenSSL's signature verifies with our verifier (for ECDSA: DER turned into r ‖ s).
        final Path message = dir.resolve("message");
        Files.writeString(message, "palisade release v1");
        final Path signature = dir.resolve("message.sig");
        if (algorithm == SignatureAlgorithm.ED25519)
        {
            openssl("pkeyutl", "-sign", "-rawin", "-inkey", key.toString(), "-in", message.toString(), "-out",
                signature.toString());
        }
        else
        {
            openssl("dgst", "-sha256", "-sign", key.toString(), "-out", signature.toString(), message.toString());
        }
        byte[] sig = Files.readAllBytes(signature);
        if (algorithm == SignatureAlgorithm.ECDSA_P256)
        {
            final var sequence = org.bouncycastle.asn1.ASN1Sequence.getInstance(sig);
            sig = new byte[64];
            copyUnsigned(((org.bouncycastle.asn1.ASN1Integer)sequence.getObjectAt(0)).getValue(), sig, 0);
            copyUnsigned(((org.bouncycastle.asn1.ASN1Integer)sequence.getObjectAt(1)).getValue(), sig, 32);
        }
        assertTrue(ours.publicKey().verify(Files.readAllBytes(message), sig));
        sig[5] ^= 1;
        assertFalse(ours.publicKey().verify(Files.readAllBytes(message), sig));

        // And our signature verifies with OpenSSL.
        final byte[] mine = ours.sign(Files.readAllBytes(message));
        if (algorithm == SignatureAlgorithm.ED25519)
        {
            Files.write(signature, mine);
            openssl("pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", publicFile.toString(), "-in",
                message.toString(), "-sigfile", signature.toString());
        }
        else
        {
            final var der = new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(new java.math.BigInteger(1, java.util.Arrays.copyOf(mine, 32))),
                new org.bouncycastle.asn1.ASN1Integer(new java.math.BigInteger(1,
                    java.util.Arrays.copyOfRange(mine, 32, 64)))});
            Files.write(signature, der.getEncoded());
            openssl("dgst", "-sha256", "-verify", publicFile.toString(), "-signature", signature.toString(),
                message.toString());
        }
    }

    private static void copyUnsigned(final java.math.BigInteger value, final byte[] out, final int offset)
    {
        final byte[] raw = value.toByteArray();
        final int length = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - length, out, offset + 32 - length, length);
    }

    private static void openssl(final String... args) throws Exception
    {
        final String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "openssl finished");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
