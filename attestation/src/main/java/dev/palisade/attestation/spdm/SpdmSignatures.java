package dev.palisade.attestation.spdm;

import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.Ed448Signer;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SPDM signature verification with Bouncy Castle's lightweight API (no JCE provider to register).
 * <p>
 * SPDM 1.1 ("SPDMsign" in the 1.1 "Signature generation" rules): RSA and ECDSA sign L1/L2 with the negotiated hash
 * (the ECDSA input is Hash(L1/L2)); EdDSA signs L1/L2 itself. SPDM 1.2 ("Signature generation", the signing context):
 * the signed message is
 * <pre>
 *   combined_spdm_prefix = "dmtf-spdm-v1.2.*" x 4            64 bytes
 *                       || zero_pad                          36 - len(spdm_context) bytes of 0x00
 *                       || spdm_context                      "responder-measurements signing" (30 bytes)
 *   message_to_sign      = combined_spdm_prefix || Hash(L1/L2)
 * </pre>
 * and RSA / ECDSA sign {@code message_to_sign} with the negotiated hash (so the ECDSA input is
 * Hash(message_to_sign)), Ed25519 signs it as is, Ed448 signs it with the spdm_context as its context. This matches
 * libspdm's {@code libspdm_asym_verify} and {@code libspdm_create_signing_context}. ECDSA signatures are r || s,
 * big-endian, each as long as the curve's field; RSASSA-PSS uses a salt as long as the hash.
 */
final class SpdmSignatures
{
    static final String MEASUREMENTS_CONTEXT = "responder-measurements signing";
    private static final int PREFIX_SIZE = 16;
    private static final int CONTEXT_FIELD_SIZE = 36;
    /** Size of combined_spdm_prefix: 4 version prefixes and the padded context. */
    static final int SIGNING_CONTEXT_SIZE = 4 * PREFIX_SIZE + CONTEXT_FIELD_SIZE;

    private SpdmSignatures()
    {
    }

    /** combined_spdm_prefix for a version of 1.2 or later, such as {@code 0x12}. */
    static byte[] signingContext(final int version)
    {
        final byte[] prefix = ("dmtf-spdm-v" + (version >>> 4) + "." + (version & 0x0F) + ".*")
            .getBytes(StandardCharsets.US_ASCII);
        final byte[] context = MEASUREMENTS_CONTEXT.getBytes(StandardCharsets.US_ASCII);
        final byte[] out = new byte[SIGNING_CONTEXT_SIZE];
        for (int i = 0; i < 4; i++)
        {
            System.arraycopy(prefix, 0, out, i * PREFIX_SIZE, PREFIX_SIZE);
        }
        System.arraycopy(context, 0, out, SIGNING_CONTEXT_SIZE - context.length, context.length);
        return out;
    }

    /** What the asymmetric algorithm is given: L1/L2 (1.1) or combined_spdm_prefix || Hash(L1/L2) (1.2). */
    static byte[] messageToSign(final int version, final SpdmHashAlgorithm hash, final byte[] l1l2)
    {
        if (version < 0x12)
        {
            return l1l2;
        }
        final byte[] context = signingContext(version);
        final byte[] digest = hash.digest(l1l2);
        final byte[] message = Arrays.copyOf(context, context.length + digest.length);
        System.arraycopy(digest, 0, message, context.length, digest.length);
        return message;
    }

    /**
     * @return whether {@code signature} verifies; false, never an exception, for a key of another kind or a signature
     * of the wrong size.
     */
    static boolean verify(final SpdmAsymAlgorithm algorithm, final SpdmHashAlgorithm hash,
        final AsymmetricKeyParameter key, final int version, final byte[] l1l2, final byte[] signature)
    {
        if (signature.length != algorithm.signatureSizeBytes() || !algorithm.fits(key))
        {
            return false;
        }
        final byte[] message = messageToSign(version, hash, l1l2);
        try
        {
            return switch (algorithm.family())
            {
                case ECDSA ->
                {
                    final int half = signature.length / 2;
                    final BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, half));
                    final BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length));
                    final ECDSASigner signer = new ECDSASigner();
                    signer.init(false, key);
                    yield signer.verifySignature(hash.digest(message), r, s);
                }
                case RSASSA -> verifyWith(new RSADigestSigner(hash.newDigest()), key, message, signature);
                case RSAPSS -> verifyWith(new PSSSigner(new RSABlindedEngine(), hash.newDigest(),
                    hash.digestSizeBytes()), key, message, signature);
                case ED25519 -> verifyWith(new Ed25519Signer(), key, message, signature);
                case ED448 -> verifyWith(new Ed448Signer(version < 0x12 ? new byte[0] :
                    MEASUREMENTS_CONTEXT.getBytes(StandardCharsets.US_ASCII)), key, message, signature);
            };
        }
        catch (final RuntimeException e)
        {
            // Bouncy Castle reports a key or signature it cannot use this way (e.g. a malformed RSA block).
            return false;
        }
    }

    private static boolean verifyWith(final Signer signer, final AsymmetricKeyParameter key, final byte[] message,
        final byte[] signature)
    {
        signer.init(false, key);
        signer.update(message, 0, message.length);
        return signer.verifySignature(signature);
    }
}
