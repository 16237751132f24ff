package dev.palisade.attestation;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

import java.io.IOException;
import java.io.StringReader;
import java.util.HexFormat;

/** Reading keys and hex given by people: PEM public keys and hex strings, with errors that say what is wrong. */
public final class KeyFiles
{
    private KeyFiles()
    {
    }

    /**
     * Reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo: what {@code tpm2_createak -f pem} and openssl write).
     *
     * @throws IllegalArgumentException naming the problem (no PEM block, another block type, a key that does not
     *                                  decode).
     */
    public static AsymmetricKeyParameter publicKeyFromPem(final String pem)
    {
        final PemObject object;
        try (PemReader reader = new PemReader(new StringReader(pem)))
        {
            object = reader.readPemObject();
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException("not PEM: " + e.getMessage());
        }
        if (object == null)
        {
            throw new IllegalArgumentException("no PEM block (expected -----BEGIN PUBLIC KEY-----)");
        }
        if (!object.getType().equals("PUBLIC KEY"))
        {
            throw new IllegalArgumentException("a PEM '" + object.getType() + "' block, expected 'PUBLIC KEY' " +
                "(SubjectPublicKeyInfo)");
        }
        try
        {
            return PublicKeyFactory.createKey(SubjectPublicKeyInfo.getInstance(object.getContent()));
        }
        catch (final IOException | RuntimeException e)
        {
            throw new IllegalArgumentException("the PUBLIC KEY block does not decode: " + e.getMessage());
        }
    }

    /**
     * Decodes hex, ignoring whitespace and an optional 0x prefix.
     *
     * @throws IllegalArgumentException naming the first character that is not hex, and its position.
     */
    public static byte[] hex(final String text)
    {
        String s = text.strip();
        if (s.startsWith("0x") || s.startsWith("0X"))
        {
            s = s.substring(2);
        }
        final StringBuilder digits = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (Character.isWhitespace(c))
            {
                continue;
            }
            if (Character.digit(c, 16) < 0)
            {
                throw new IllegalArgumentException("'" + c + "' at position " + (i + 1) + " is not a hex digit");
            }
            digits.append(c);
        }
        if ((digits.length() & 1) != 0)
        {
            throw new IllegalArgumentException("odd number of hex digits (" + digits.length() + ")");
        }
        return HexFormat.of().parseHex(digits);
    }
}
