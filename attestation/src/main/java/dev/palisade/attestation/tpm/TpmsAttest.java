package dev.palisade.attestation.tpm;

import java.util.List;

/**
 * A TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (TPM 2.0 Part 2 section 10.12.12): what the TPM signed for a quote. Parsed
 * strictly: wrong magic, a type other than quote, oversized buffers and trailing bytes are refused, since these bytes
 * come from the attester and are untrusted until their signature has been checked.
 *
 * @param magic           TPM_GENERATED_VALUE (0xff544347) when the TPM made it.
 * @param type            TPM_ST_ATTEST_QUOTE (0x8018).
 * @param qualifiedSigner the signing key's qualified name.
 * @param extraData       the caller's qualifying data: the verifier's nonce (or a digest binding it).
 * @param clock           TPMS_CLOCK_INFO.clock, milliseconds the TPM has been powered.
 * @param resetCount      TPM resets (reboots) since the TPM was cleared.
 * @param restartCount    TPM restarts/resumes since the last reset.
 * @param safe            whether the clock has not gone backwards.
 * @param firmwareVersion the TPM vendor's firmware version.
 * @param pcrSelect       the PCRs quoted.
 * @param pcrDigest       the digest of their values, in selection order.
 */
public record TpmsAttest(
    int magic,
    int type,
    byte[] qualifiedSigner,
    byte[] extraData,
    long clock,
    int resetCount,
    int restartCount,
    boolean safe,
    long firmwareVersion,
    List<PcrSelection> pcrSelect,
    byte[] pcrDigest)
{
    public static final int TPM_GENERATED_VALUE = 0xFF54_4347;
    public static final int TPM_ST_ATTEST_QUOTE = 0x8018;
    /** sizeof(TPMU_NAME): a digest of up to 64 bytes plus its 2-byte algorithm. */
    static final int MAX_NAME = 2 + 64;
    /** sizeof(TPMU_HA). */
    static final int MAX_DIGEST = 64;

    /**
     * Parses a quote's TPMS_ATTEST (the bytes the TPM hashed and signed: tpm2-tools' {@code quote.msg}).
     *
     * @throws TpmFormatException naming the field and offset when the bytes are not a well-formed quote.
     */
    public static TpmsAttest parse(final byte[] bytes) throws TpmFormatException
    {
        final TpmReader in = new TpmReader(bytes);
        final int magic = in.u32("TPMS_ATTEST.magic");
        if (magic != TPM_GENERATED_VALUE)
        {
            throw new TpmFormatException("TPMS_ATTEST.magic", 0, String.format(
                "0x%08x is not TPM_GENERATED_VALUE (0xff544347): not made by a TPM", magic));
        }
        final int type = in.u16("TPMS_ATTEST.type");
        if (type != TPM_ST_ATTEST_QUOTE)
        {
            throw new TpmFormatException("TPMS_ATTEST.type", 4, String.format(
                "0x%04x is not TPM_ST_ATTEST_QUOTE (0x8018)", type));
        }
        final byte[] signer = in.sized("TPMS_ATTEST.qualifiedSigner", MAX_NAME);
        final byte[] extraData = in.sized("TPMS_ATTEST.extraData", MAX_DIGEST);
        final long clock = in.u64("TPMS_ATTEST.clockInfo.clock");
        final int resetCount = in.u32("TPMS_ATTEST.clockInfo.resetCount");
        final int restartCount = in.u32("TPMS_ATTEST.clockInfo.restartCount");
        final int safeAt = in.position();
        final int safe = in.u8("TPMS_ATTEST.clockInfo.safe");
        if (safe > 1)
        {
            throw new TpmFormatException("TPMS_ATTEST.clockInfo.safe", safeAt, "TPMI_YES_NO is " + safe);
        }
        final long firmware = in.u64("TPMS_ATTEST.firmwareVersion");
        final List<PcrSelection> selection = PcrSelection.readList(in, "TPMS_QUOTE_INFO.pcrSelect");
        final byte[] pcrDigest = in.sized("TPMS_QUOTE_INFO.pcrDigest", MAX_DIGEST);
        in.expectEnd("TPMS_ATTEST");
        return new TpmsAttest(magic, type, signer, extraData, clock, resetCount, restartCount, safe == 1, firmware,
            List.copyOf(selection), pcrDigest);
    }
}
