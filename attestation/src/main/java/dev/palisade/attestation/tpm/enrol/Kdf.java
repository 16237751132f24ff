package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmWriter;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The TPM's key derivation functions (TPM 2.0 Library Part 1 section 11.4.10): KDFa, SP 800-108 counter mode with
 * HMAC, which turns a seed into the keys that protect a credential or a duplicated object; and KDFe, the SP 800-56A
 * concatenation KDF, which turns an ECDH shared secret into such a seed. Labels are NUL-terminated on the wire
 * ("STORAGE\0"): the specification counts the terminator as part of the label.
 */
public final class Kdf
{
    private Kdf()
    {
    }

    /**
     * KDFa(hashAlg, key, label, contextU, contextV, bits) = the first {@code bits} of HMAC(key, [i]32 ‖ label ‖ 0x00
     * ‖ contextU ‖ contextV ‖ [bits]32) for i = 1, 2, … (Part 1 section 11.4.10.2).
     */
    public static byte[] kdfa(final int hashAlg, final byte[] key, final String label, final byte[] contextU,
        final byte[] contextV, final int bits)
    {
        final HMac hmac = new HMac(TpmAlgorithm.digest(hashAlg));
        final byte[] labelBytes = terminated(label);
        final byte[] out = new byte[(bits + 7) / 8];
        final byte[] block = new byte[hmac.getMacSize()];
        int filled = 0;
        for (int counter = 1; filled < out.length; counter++)
        {
            hmac.init(new KeyParameter(key));
            update(hmac, new TpmWriter().u32(counter).toByteArray());
            update(hmac, labelBytes);
            update(hmac, contextU);
            update(hmac, contextV);
            update(hmac, new TpmWriter().u32(bits).toByteArray());
            hmac.doFinal(block, 0);
            final int take = Math.min(block.length, out.length - filled);
            System.arraycopy(block, 0, out, filled, take);
            filled += take;
        }
        Arrays.fill(block, (byte)0);
        return maskTopBits(out, bits);
    }

    /**
     * KDFe(hashAlg, Z, label, partyUInfo, partyVInfo, bits) = the first {@code bits} of H([i]32 ‖ Z ‖ label ‖ 0x00 ‖
     * partyUInfo ‖ partyVInfo) for i = 1, 2, … (Part 1 section 11.4.10.3). For a credential made to an ECC EK,
     * partyUInfo is the x coordinate of the ephemeral key and partyVInfo that of the EK.
     */
    public static byte[] kdfe(final int hashAlg, final byte[] z, final String label, final byte[] partyUInfo,
        final byte[] partyVInfo, final int bits)
    {
        final Digest digest = TpmAlgorithm.digest(hashAlg);
        final byte[] labelBytes = terminated(label);
        final byte[] out = new byte[(bits + 7) / 8];
        final byte[] block = new byte[digest.getDigestSize()];
        int filled = 0;
        for (int counter = 1; filled < out.length; counter++)
        {
            final byte[] count = new TpmWriter().u32(counter).toByteArray();
            digest.update(count, 0, count.length);
            digest.update(z, 0, z.length);
            digest.update(labelBytes, 0, labelBytes.length);
            digest.update(partyUInfo, 0, partyUInfo.length);
            digest.update(partyVInfo, 0, partyVInfo.length);
            digest.doFinal(block, 0);
            final int take = Math.min(block.length, out.length - filled);
            System.arraycopy(block, 0, out, filled, take);
            filled += take;
        }
        Arrays.fill(block, (byte)0);
        return maskTopBits(out, bits);
    }

    /** The label's bytes with the NUL terminator the specification requires (added once, if missing). */
    static byte[] terminated(final String label)
    {
        final byte[] ascii = label.getBytes(StandardCharsets.US_ASCII);
        if (ascii.length > 0 && ascii[ascii.length - 1] == 0)
        {
            return ascii;
        }
        return Arrays.copyOf(ascii, ascii.length + 1);
    }

    private static void update(final HMac hmac, final byte[] bytes)
    {
        hmac.update(bytes, 0, bytes.length);
    }

    /** When bits is not a multiple of 8, the excess high-order bits of the first byte are cleared (11.4.10.2). */
    private static byte[] maskTopBits(final byte[] out, final int bits)
    {
        if ((bits & 7) != 0)
        {
            out[0] &= (byte)((1 << (bits & 7)) - 1);
        }
        return out;
    }
}
