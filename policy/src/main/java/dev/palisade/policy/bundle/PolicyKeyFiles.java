package dev.palisade.policy.bundle;

import dev.palisade.policy.AtomicFiles;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Policy key files. Private keys are PKCS#8 PEM ({@code PRIVATE KEY}, as {@code openssl genpkey} writes), created
 * owner-only (0600) from the first byte; a private key file that its group or others can read is refused, as ssh
 * refuses one. Public keys are SubjectPublicKeyInfo PEM ({@code PUBLIC KEY}). Errors name the file and never contain
 * key material.
 */
public final class PolicyKeyFiles
{
    private PolicyKeyFiles()
    {
    }

    /**
     * Writes a private key, owner-only; refuses to overwrite an existing file.
     *
     * @throws FileAlreadyExistsException when {@code file} exists.
     */
    public static void writePrivate(final Path file, final SigningKey key) throws IOException
    {
        if (Files.exists(file))
        {
            throw new FileAlreadyExistsException(file.toString(), null, "a key file is never overwritten");
        }
        final byte[] der = PrivateKeyInfoFactory.createPrivateKeyInfo(key.privateParameters()).getEncoded();
        final byte[] pem = pem("PRIVATE KEY", der);
        Arrays.fill(der, (byte)0);
        try
        {
            // Created 0600, so there is no moment at which the key is readable by others.
            AtomicFiles.write(file, pem, true, false);
        }
        finally
        {
            Arrays.fill(pem, (byte)0);
        }
    }

    /** Writes a public key as SubjectPublicKeyInfo PEM (replacing the file). */
    public static void writePublic(final Path file, final VerificationKey key) throws IOException
    {
        Files.write(file, pem("PUBLIC KEY", key.spki()));
    }

    /** @return the PEM text of a public key. */
    public static String publicPem(final VerificationKey key)
    {
        return new String(pem("PUBLIC KEY", key.spki()), StandardCharsets.US_ASCII);
    }

    /**
     * Reads a private key file.
     *
     * @throws IOException              when it cannot be read, or its group or others may read it.
     * @throws IllegalArgumentException when it is not a PKCS#8 Ed25519 or P-256 key.
     */
    public static SigningKey readPrivate(final Path file) throws IOException
    {
        final PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view != null)
        {
            final Set<PosixFilePermission> permissions = view.readAttributes().permissions();
            final Set<PosixFilePermission> loose = EnumSet.copyOf(permissions);
            loose.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
            if (!loose.isEmpty())
            {
                throw new IOException(file + " is readable by others (" + PosixFilePermissions.toString(permissions) +
                    "): a private key must be owner-only; run chmod 600 " + file + " and consider the key exposed");
            }
        }
        final byte[] pem = Files.readAllBytes(file);
        try
        {
            final byte[] der = block(new String(pem, StandardCharsets.US_ASCII), "PRIVATE KEY", file.toString());
            final AsymmetricKeyParameter key;
            try
            {
                key = PrivateKeyFactory.createKey(PrivateKeyInfo.getInstance(der));
            }
            catch (final IOException | RuntimeException e)
            {
                throw new IllegalArgumentException(file + ": the PRIVATE KEY block does not decode as PKCS#8");
            }
            finally
            {
                Arrays.fill(der, (byte)0);
            }
            return SigningKey.fromPrivate(key);
        }
        finally
        {
            Arrays.fill(pem, (byte)0);
        }
    }

    /**
     * Reads a public key file.
     *
     * @throws IllegalArgumentException when it is not an Ed25519 or P-256 SubjectPublicKeyInfo PEM.
     */
    public static VerificationKey readPublic(final Path file) throws IOException
    {
        return publicFromPem(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
    }

    /** @param source names the text in errors (a file name, say). */
    public static VerificationKey publicFromPem(final String pem, final String source)
    {
        try
        {
            return VerificationKey.fromSpki(block(pem, "PUBLIC KEY", source));
        }
        catch (final IllegalArgumentException e)
        {
            throw e.getMessage().startsWith(source) ? e : new IllegalArgumentException(source + ": " + e.getMessage());
        }
    }

    /** The PEM type of root key statements (certificates and revocations). */
    public static final String STATEMENT_TYPE = "PALISADE KEY STATEMENT";

    /** @return key statements as PEM blocks, one after another. */
    public static String statementsPem(final List<KeyStatement.Signed> statements)
    {
        final StringBuilder out = new StringBuilder();
        for (final KeyStatement.Signed statement : statements)
        {
            out.append(new String(pem(STATEMENT_TYPE, statement.encode()), StandardCharsets.US_ASCII));
        }
        return out.toString();
    }

    /**
     * Reads every key statement in a PEM file (a certificate, or a list of revocations). Signatures are not checked
     * here: the bundle verifier checks them against the pinned root.
     *
     * @throws IllegalArgumentException naming the file and the block that is not a statement.
     */
    public static List<KeyStatement.Signed> readStatements(final Path file) throws IOException
    {
        final List<KeyStatement.Signed> statements = new ArrayList<>();
        try (PemReader reader = new PemReader(Files.newBufferedReader(file, StandardCharsets.US_ASCII)))
        {
            PemObject object;
            while ((object = readPem(reader, file)) != null)
            {
                if (!object.getType().equals(STATEMENT_TYPE))
                {
                    throw new IllegalArgumentException(file + ": block " + (statements.size() + 1) + " is a PEM '" +
                        object.getType() + "' block, expected '" + STATEMENT_TYPE + "'");
                }
                try
                {
                    statements.add(KeyStatement.decode(object.getContent()));
                }
                catch (final BundleFormatException e)
                {
                    throw new IllegalArgumentException(file + ": block " + (statements.size() + 1) + ": " +
                        e.getMessage());
                }
            }
        }
        if (statements.isEmpty())
        {
            throw new IllegalArgumentException(file + ": no PEM block (expected -----BEGIN " + STATEMENT_TYPE +
                "-----)");
        }
        return statements;
    }

    private static PemObject readPem(final PemReader reader, final Path file)
    {
        try
        {
            return reader.readPemObject();
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException(file + ": not PEM");
        }
    }

    private static byte[] block(final String pem, final String type, final String source)
    {
        final PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem)))
        {
            object = reader.readPemObject();
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException(source + ": not PEM");
        }
        if (object == null)
        {
            throw new IllegalArgumentException(source + ": no PEM block (expected -----BEGIN " + type + "-----)");
        }
        if (!object.getType().equals(type))
        {
            throw new IllegalArgumentException(source + ": a PEM '" + object.getType() + "' block, expected '" + type +
                "'");
        }
        return object.getContent();
    }

    private static byte[] pem(final String type, final byte[] der)
    {
        final StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text))
        {
            writer.writeObject(new PemObject(type, der));
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("writing to a string", e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
