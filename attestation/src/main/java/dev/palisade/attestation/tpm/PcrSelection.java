package dev.palisade.attestation.tpm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One bank's part of a TPML_PCR_SELECTION (TPM 2.0 Part 2 section 10.6.2): a hash algorithm and the PCRs selected in
 * it, in ascending order, which is the order the TPM hashes their values in for a quote's pcrDigest.
 *
 * @param hashAlg the bank's hash algorithm ({@link TpmAlgorithm}).
 * @param pcrs    the selected PCR indices, ascending.
 */
public record PcrSelection(int hashAlg, int[] pcrs)
{
    /** TPM_PCR_SELECT_MAX: a TPM has at most 32 PCRs per bank in practice (3 bytes for 24 is the PC Client norm). */
    public static final int MAX_SELECT_BYTES = 4;
    /** Banks in one selection (TPM2_NUM_PCR_BANKS in the TSS headers). */
    public static final int MAX_BANKS = 16;

    public PcrSelection
    {
        pcrs = pcrs.clone();
    }

    @Override
    public int[] pcrs()
    {
        return pcrs.clone();
    }

    public boolean contains(final int pcr)
    {
        return Arrays.binarySearch(pcrs, pcr) >= 0;
    }

    /** Reads a TPML_PCR_SELECTION (count, then TPMS_PCR_SELECTION each: hash, sizeofSelect, pcrSelect bitmap). */
    public static List<PcrSelection> readList(final TpmReader in, final String field) throws TpmFormatException
    {
        final int at = in.position();
        final int count = in.u32(field + ".count");
        if (count < 0 || count > MAX_BANKS)
        {
            throw new TpmFormatException(field + ".count", at, "selects " + Integer.toUnsignedString(count) +
                " banks; at most " + MAX_BANKS);
        }
        final List<PcrSelection> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final String entry = field + ".pcrSelections[" + i + "]";
            final int hash = in.u16(entry + ".hash");
            final int sizeAt = in.position();
            final int size = in.u8(entry + ".sizeofSelect");
            if (size > MAX_SELECT_BYTES)
            {
                throw new TpmFormatException(entry + ".sizeofSelect", sizeAt, size + " bytes; at most " +
                    MAX_SELECT_BYTES);
            }
            final byte[] bitmap = in.bytes(entry + ".pcrSelect", size);
            out.add(new PcrSelection(hash, fromBitmap(bitmap)));
        }
        return out;
    }

    static int[] fromBitmap(final byte[] bitmap)
    {
        final List<Integer> pcrs = new ArrayList<>();
        for (int i = 0; i < bitmap.length * 8; i++)
        {
            if ((bitmap[i >>> 3] & (1 << (i & 7))) != 0)
            {
                pcrs.add(i);
            }
        }
        return pcrs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Marshals this bank's TPMS_PCR_SELECTION with a 3-byte bitmap (4 when a PCR above 23 is selected). */
    public void write(final TpmWriter out)
    {
        final int size = pcrs.length > 0 && pcrs[pcrs.length - 1] >= 24 ? 4 : 3;
        final byte[] bitmap = new byte[size];
        for (final int pcr : pcrs)
        {
            bitmap[pcr >>> 3] |= (byte)(1 << (pcr & 7));
        }
        out.u16(hashAlg).u8(size).bytes(bitmap);
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof PcrSelection s && s.hashAlg == hashAlg && Arrays.equals(s.pcrs, pcrs);
    }

    @Override
    public int hashCode()
    {
        return 31 * hashAlg + Arrays.hashCode(pcrs);
    }

    @Override
    public String toString()
    {
        return TpmAlgorithm.hashName(hashAlg) + ":" + Arrays.toString(pcrs).replaceAll("[\\[\\] ]", "");
    }
}
