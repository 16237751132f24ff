package dev.palisade.attestation.tpm;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.util.BigIntegers;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makes quotes in software, in exactly the TPM's formats (TPMS_ATTEST, TPMT_SIGNATURE with ECDSA P-256/SHA-256),
 * over PCRs it keeps in memory. It PROVES NOTHING: its key is not in a TPM, so whoever runs it can quote any value.
 * It exists for machines without a TPM (the demo says so loudly when it falls back to it), for load tests of the
 * verifier, and for tests that need quotes over nonces of their choosing.
 */
public final class SoftwareAttester
{
    private static final X9ECParameters P256 = ECNamedCurveTable.getByName("P-256");
    private static final ECDomainParameters DOMAIN =
        new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());

    private final ECPrivateKeyParameters key;
    private final ECPublicKeyParameters publicKey;
    private final Map<Integer, byte[]> sha256Pcrs = new TreeMap<>();
    private long clock = 1000;

    public SoftwareAttester()
    {
        final ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(DOMAIN, new SecureRandom()));
        final AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        key = (ECPrivateKeyParameters)pair.getPrivate();
        publicKey = (ECPublicKeyParameters)pair.getPublic();
    }

    /** The attestation key's public half. */
    public ECPublicKeyParameters publicKey()
    {
        return publicKey;
    }

    /** PCR_Extend in the SHA-256 bank: value = SHA-256(value ‖ digest). */
    public void extend(final int pcr, final byte[] digest)
    {
        sha256Pcrs.put(pcr, TpmAlgorithm.hash(TpmAlgorithm.SHA256, pcr(pcr), digest));
    }

    public byte[] pcr(final int pcr)
    {
        return sha256Pcrs.getOrDefault(pcr, new byte[32]).clone();
    }

    /** A quote of SHA-256 PCRs {@code pcrs} (ascending) with {@code qualifyingData}. */
    public Quote quote(final byte[] qualifyingData, final int... pcrs)
    {
        final PcrSelection selection = new PcrSelection(TpmAlgorithm.SHA256, pcrs);
        final java.io.ByteArrayOutputStream values = new java.io.ByteArrayOutputStream();
        for (final int pcr : pcrs)
        {
            values.writeBytes(pcr(pcr));
        }
        final TpmWriter attest = new TpmWriter()
            .u32(TpmsAttest.TPM_GENERATED_VALUE)
            .u16(TpmsAttest.TPM_ST_ATTEST_QUOTE)
            .sized(name())
            .sized(qualifyingData)
            .u64(clock += 17).u32(1).u32(0).u8(1)
            .u64(0x2025_0101_0000_0001L)
            .u32(1);
        selection.write(attest);
        attest.sized(TpmAlgorithm.hash(TpmAlgorithm.SHA256, values.toByteArray()));
        final byte[] message = attest.toByteArray();
        final ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, key);
        final BigInteger[] rs = signer.generateSignature(TpmAlgorithm.hash(TpmAlgorithm.SHA256, message));
        final byte[] signature = new TpmWriter().u16(TpmAlgorithm.ECDSA).u16(TpmAlgorithm.SHA256)
            .sized(BigIntegers.asUnsignedByteArray(32, rs[0])).sized(BigIntegers.asUnsignedByteArray(32, rs[1]))
            .toByteArray();
        return new Quote(message, signature, values.toByteArray(), List.of(selection));
    }

    /** A stand-in for the key's qualified name (SHA-256 of its public point). */
    private byte[] name()
    {
        return new TpmWriter().u16(TpmAlgorithm.SHA256)
            .bytes(TpmAlgorithm.hash(TpmAlgorithm.SHA256, publicKey.getQ().getEncoded(false))).toByteArray();
    }

    /**
     * @param attest    TPMS_ATTEST bytes.
     * @param signature TPMT_SIGNATURE bytes.
     * @param pcrValues the quoted values, concatenated (tpm2-tools' values form).
     * @param selection what was quoted.
     */
    public record Quote(byte[] attest, byte[] signature, byte[] pcrValues, List<PcrSelection> selection)
    {
    }
}
