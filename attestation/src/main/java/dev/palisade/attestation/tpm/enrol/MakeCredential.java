package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmFormatException;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.TpmReader;
import dev.palisade.attestation.tpm.TpmWriter;
import org.bouncycastle.crypto.AsymmetricBlockCipher;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.RuntimeCryptoException;
import org.bouncycastle.crypto.StreamCipher;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.CFBBlockCipher;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * TPM2_MakeCredential in software: what a verifier does to send a secret that only the TPM holding a given EK can
 * recover, and only for an object with a given Name loaded next to it (TPM 2.0 Library Part 1 section 24 "Credential
 * Protection", Part 3 section 12.6). The TPM undoes it in TPM2_ActivateCredential.
 * <pre>
 *   seed            RSA EK: random, nameAlg-sized, sent as RSA-OAEP(nameAlg, label "IDENTITY\0")      (Part 1 B.10)
 *                   ECC EK: KDFe(nameAlg, Z = (d_e·Q_EK).x, "IDENTITY", Q_e.x, Q_EK.x), sent as Q_e    (Part 1 C.6)
 *   symKey          KDFa(nameAlg, seed, "STORAGE", Name(AK), "", EK symmetric keyBits)              (Part 1 24.4)
 *   encIdentity     AES-CFB(symKey, IV = 0, TPM2B_DIGEST(credential))
 *   hmacKey         KDFa(nameAlg, seed, "INTEGRITY", "", "", digest bits)                          (Part 1 24.5)
 *   outerHMAC       HMAC(nameAlg, hmacKey, encIdentity ‖ Name(AK))
 *   credentialBlob  TPM2B_ID_OBJECT = size ‖ TPM2B_DIGEST(outerHMAC) ‖ encIdentity
 *   secret          TPM2B_ENCRYPTED_SECRET = size ‖ (OAEP ciphertext | TPMS_ECC_POINT of Q_e)
 * </pre>
 * The Name in the HMAC is what ties the credential to the AK: the TPM recomputes the HMAC with the Name of the object
 * it is asked to activate for, and refuses with TPM_RC_INTEGRITY when they differ.
 */
public final class MakeCredential
{
    /** The file tpm2_makecredential writes and tpm2_activatecredential reads: magic, version 1, then the two TPM2Bs. */
    public static final int TPM2_TOOLS_MAGIC = 0xBADC_C0DE;
    public static final int TPM2_TOOLS_VERSION = 1;

    private MakeCredential()
    {
    }

    /**
     * The two inputs of TPM2_ActivateCredential, each marshalled with its 16-bit size.
     *
     * @param credentialBlob  TPM2B_ID_OBJECT.
     * @param encryptedSecret TPM2B_ENCRYPTED_SECRET.
     */
    public record Credential(byte[] credentialBlob, byte[] encryptedSecret)
    {
        /** The tpm2-tools credential file ({@code tpm2_makecredential -o}, {@code tpm2_activatecredential -i}). */
        public byte[] toTpm2ToolsFile()
        {
            return new TpmWriter().u32(TPM2_TOOLS_MAGIC).u32(TPM2_TOOLS_VERSION).bytes(credentialBlob)
                .bytes(encryptedSecret).toByteArray();
        }

        /** Reads a tpm2-tools credential file. */
        public static Credential fromTpm2ToolsFile(final byte[] file) throws TpmFormatException
        {
            final TpmReader in = new TpmReader(file);
            final int magic = in.u32("header.magic");
            if (magic != TPM2_TOOLS_MAGIC)
            {
                throw new TpmFormatException("header.magic", 0, String.format("0x%08x is not 0xbadcc0de", magic));
            }
            final int version = in.u32("header.version");
            if (version != TPM2_TOOLS_VERSION)
            {
                throw new TpmFormatException("header.version", 4, version + " is not 1");
            }
            final byte[] blob = in.sized("credentialBlob", 0xFFFF);
            final byte[] secret = in.sized("secret", 0xFFFF);
            in.expectEnd("credential file");
            return new Credential(new TpmWriter().sized(blob).toByteArray(),
                new TpmWriter().sized(secret).toByteArray());
        }
    }

    /**
     * Makes a credential for the object named {@code objectName} on the TPM that holds {@code ek}.
     *
     * @param ek         the EK's public area: a restricted decryption key with an AES symmetric definition (the TCG
     *                   templates' AES-128-CFB, or AES-256 for the P-384 "high range" ones).
     * @param objectName the AK's Name (nameAlg ‖ digest), computed by the verifier from the AK's public area.
     * @param credential the secret, at most one digest of the EK's nameAlg (Part 3 section 12.6: TPM_RC_SIZE).
     * @throws IllegalArgumentException when the EK cannot protect a credential or the credential is too long.
     */
    public static Credential make(final TpmPublic ek, final byte[] objectName, final byte[] credential,
        final SecureRandom random)
    {
        final int nameAlg = ek.nameAlg();
        final int digestSize = TpmAlgorithm.digestSize(nameAlg);
        if (credential.length > digestSize)
        {
            throw new IllegalArgumentException("a credential is at most " + digestSize + " bytes (a " +
                TpmAlgorithm.hashName(nameAlg) + " digest), not " + credential.length);
        }
        final TpmPublic.Symmetric symmetric = ek.parameters().symmetric();
        if (!ek.isRestrictedDecryptionKey() || symmetric.algorithm() != TpmAlgorithm.AES ||
            symmetric.mode() != TpmAlgorithm.CFB)
        {
            throw new IllegalArgumentException("the EK must be a restricted decryption key with AES-CFB " +
                "(TPMT_SYM_DEF_OBJECT), got " + ek);
        }
        final byte[] seed;
        final byte[] secret;
        switch (ek.parameters())
        {
            case TpmPublic.Rsa rsa ->
            {
                seed = new byte[digestSize];
                random.nextBytes(seed);
                secret = oaep(ek, nameAlg, seed, random);
            }
            case TpmPublic.Ecc ecc ->
            {
                final byte[][] seedAndPoint = ecdh(ek, ecc, nameAlg, random);
                seed = seedAndPoint[0];
                secret = seedAndPoint[1];
            }
        }
        try
        {
            return protect(nameAlg, symmetric.keyBits(), seed, objectName, credential, secret);
        }
        finally
        {
            Arrays.fill(seed, (byte)0);
        }
    }

    /**
     * The symmetric half (Part 1 sections 24.4 and 24.5), given the seed: exposed for tests that fix the seed.
     *
     * @param secret the seed as encrypted to the EK (the contents of TPM2B_ENCRYPTED_SECRET).
     */
    static Credential protect(final int nameAlg, final int symmetricKeyBits, final byte[] seed,
        final byte[] objectName, final byte[] credential, final byte[] secret)
    {
        final byte[] symKey = Kdf.kdfa(nameAlg, seed, "STORAGE", objectName, new byte[0], symmetricKeyBits);
        final byte[] plain = new TpmWriter().sized(credential).toByteArray();
        final byte[] encIdentity = new byte[plain.length];
        final StreamCipher cfb = CFBBlockCipher.newInstance(AESEngine.newInstance(), 128);
        cfb.init(true, new ParametersWithIV(new KeyParameter(symKey), new byte[16]));
        cfb.processBytes(plain, 0, plain.length, encIdentity, 0);

        final byte[] hmacKey = Kdf.kdfa(nameAlg, seed, "INTEGRITY", new byte[0], new byte[0],
            TpmAlgorithm.digestSize(nameAlg) * 8);
        final HMac hmac = new HMac(TpmAlgorithm.digest(nameAlg));
        hmac.init(new KeyParameter(hmacKey));
        hmac.update(encIdentity, 0, encIdentity.length);
        hmac.update(objectName, 0, objectName.length);
        final byte[] outerHmac = new byte[hmac.getMacSize()];
        hmac.doFinal(outerHmac, 0);
        Arrays.fill(symKey, (byte)0);
        Arrays.fill(hmacKey, (byte)0);

        final byte[] idObject = new TpmWriter().sized(outerHmac).bytes(encIdentity).toByteArray();
        return new Credential(new TpmWriter().sized(idObject).toByteArray(), new TpmWriter().sized(secret)
            .toByteArray());
    }

    /** RSA-OAEP with the EK's nameAlg for hash and MGF1, and the label "IDENTITY\0" (Part 1 Annex B.10). */
    private static byte[] oaep(final TpmPublic ek, final int nameAlg, final byte[] seed, final SecureRandom random)
    {
        try
        {
            final RSAKeyParameters key = (RSAKeyParameters)ek.publicKey();
            final AsymmetricBlockCipher cipher = new OAEPEncoding(new RSABlindedEngine(), TpmAlgorithm.digest(nameAlg),
                TpmAlgorithm.digest(nameAlg), Kdf.terminated("IDENTITY"));
            cipher.init(true, new ParametersWithRandom(key, random));
            return cipher.processBlock(seed, 0, seed.length);
        }
        catch (final TpmFormatException | InvalidCipherTextException | RuntimeCryptoException e)
        {
            // RuntimeCryptoException: DataLengthException when the modulus is too short for OAEP of a seed this
            // long (RFC 8017 section 7.1.1: k >= 2·hLen + 2 + seed), e.g. RSA-1024 with a SHA-384 nameAlg.
            throw new IllegalArgumentException("the EK's RSA key cannot encrypt the seed: " + e.getMessage(), e);
        }
    }

    /**
     * One-pass ECDH with an ephemeral key (Part 1 Annex C.6, secret sharing): Z is the x coordinate of d_e·Q_EK,
     * padded to the curve's size as the TPM pads it; the seed is KDFe over Z with both x coordinates.
     *
     * @return the seed and the marshalled TPMS_ECC_POINT of the ephemeral public key.
     */
    private static byte[][] ecdh(final TpmPublic ek, final TpmPublic.Ecc ecc, final int nameAlg,
        final SecureRandom random)
    {
        final ECPublicKeyParameters ekKey;
        try
        {
            ekKey = (ECPublicKeyParameters)ek.publicKey();
        }
        catch (final TpmFormatException e)
        {
            throw new IllegalArgumentException("the EK's ECC key is not a point on its curve: " + e.getMessage(), e);
        }
        final ECDomainParameters domain = ekKey.getParameters();
        final int size = TpmPublic.coordinateBytes(ecc.curveId());
        final BigInteger n = domain.getN();
        BigInteger d;
        do
        {
            d = BigIntegers.createRandomBigInteger(n.bitLength(), random);
        }
        while (d.signum() == 0 || d.compareTo(n) >= 0);
        final ECPoint ephemeral = domain.getG().multiply(d).normalize();
        final ECPoint shared = ekKey.getQ().multiply(d).normalize();
        if (shared.isInfinity())
        {
            throw new IllegalArgumentException("ECDH with the EK gave the point at infinity");
        }
        final byte[] z = BigIntegers.asUnsignedByteArray(size, shared.getAffineXCoord().toBigInteger());
        final byte[] ephemeralX = BigIntegers.asUnsignedByteArray(size, ephemeral.getAffineXCoord().toBigInteger());
        final byte[] ephemeralY = BigIntegers.asUnsignedByteArray(size, ephemeral.getAffineYCoord().toBigInteger());
        final byte[] seed = Kdf.kdfe(nameAlg, z, "IDENTITY", ephemeralX, ecc.x(),
            TpmAlgorithm.digestSize(nameAlg) * 8);
        Arrays.fill(z, (byte)0);
        return new byte[][] {seed, new TpmWriter().sized(ephemeralX).sized(ephemeralY).toByteArray()};
    }
}
