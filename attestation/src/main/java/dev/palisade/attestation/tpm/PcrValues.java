package dev.palisade.attestation.tpm;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PCR values by bank and index, as an attester reports them next to a quote. They prove nothing on their own: a quote
 * whose pcrDigest equals their digest vouches for them ({@link QuoteVerifier}).
 * <p>
 * Reads both forms {@code tpm2_quote -o} writes: "serialized" (the TSS C structures TPML_PCR_SELECTION and TPML_DIGEST
 * dumped in host byte order, which is little-endian on the x86 and Arm machines tpm2-tools runs on) and "values" (the
 * digests concatenated in selection order, which needs the quote's selection to be split).
 */
public final class PcrValues
{
    /** sizeof(TPMS_PCR_SELECTION) with its padding byte, in the TSS headers. */
    private static final int SELECTION_STRUCT = 8;
    /** sizeof(TPML_PCR_SELECTION): count + 16 entries. */
    private static final int SELECTION_LIST_STRUCT = 4 + PcrSelection.MAX_BANKS * SELECTION_STRUCT;
    /** sizeof(TPM2B_DIGEST): size + 64-byte buffer. */
    private static final int DIGEST_STRUCT = 2 + 64;
    /** Digests per TPML_DIGEST. */
    private static final int DIGESTS_PER_LIST = 8;
    private static final int DIGEST_LIST_STRUCT = 4 + DIGESTS_PER_LIST * DIGEST_STRUCT;
    /** More digest lists than PCRs could need is a malformed file. */
    private static final int MAX_DIGEST_LISTS = 64;

    private final Map<Integer, Map<Integer, byte[]>> banks;

    public PcrValues(final Map<Integer, Map<Integer, byte[]>> banks)
    {
        final Map<Integer, Map<Integer, byte[]>> copy = new TreeMap<>();
        banks.forEach((bank, values) -> copy.put(bank, Collections.unmodifiableMap(new TreeMap<>(values))));
        this.banks = Collections.unmodifiableMap(copy);
    }

    /** Bank (hash algorithm) → PCR index → value. */
    public Map<Integer, Map<Integer, byte[]>> banks()
    {
        return banks;
    }

    /** @return the value of {@code pcr} in {@code bank}, or null. */
    public byte[] value(final int bank, final int pcr)
    {
        final Map<Integer, byte[]> values = banks.get(bank);
        return values == null ? null : values.get(pcr);
    }

    /**
     * Reads tpm2-tools' serialized PCR file.
     *
     * @throws TpmFormatException when the file is not that structure dump or its digests do not fit the selection.
     */
    public static PcrValues parseSerialized(final byte[] bytes) throws TpmFormatException
    {
        if (bytes.length < SELECTION_LIST_STRUCT + 4)
        {
            throw new TpmFormatException("pcrs", 0, bytes.length + " bytes is too short for tpm2-tools' serialized " +
                "form (" + (SELECTION_LIST_STRUCT + 4) + " at least)");
        }
        final int count = leU32(bytes, 0);
        if (count < 0 || count > PcrSelection.MAX_BANKS)
        {
            throw new TpmFormatException("TPML_PCR_SELECTION.count", 0, Integer.toUnsignedString(count) +
                " banks; at most " + PcrSelection.MAX_BANKS);
        }
        final List<PcrSelection> selections = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int at = 4 + i * SELECTION_STRUCT;
            final int hash = leU16(bytes, at);
            final int size = bytes[at + 2] & 0xFF;
            if (size > PcrSelection.MAX_SELECT_BYTES)
            {
                throw new TpmFormatException("TPMS_PCR_SELECTION.sizeofSelect", at + 2, size + " bytes; at most " +
                    PcrSelection.MAX_SELECT_BYTES);
            }
            if (TpmAlgorithm.digestSize(hash) < 0)
            {
                throw new TpmFormatException("TPMS_PCR_SELECTION.hash", at, "unsupported bank " +
                    TpmAlgorithm.hashName(hash));
            }
            selections.add(new PcrSelection(hash, PcrSelection.fromBitmap(java.util.Arrays.copyOfRange(bytes, at + 3,
                at + 3 + size))));
        }
        final int lists = leU32(bytes, SELECTION_LIST_STRUCT);
        if (lists < 0 || lists > MAX_DIGEST_LISTS ||
            bytes.length != SELECTION_LIST_STRUCT + 4 + lists * DIGEST_LIST_STRUCT)
        {
            throw new TpmFormatException("pcrs.digestLists", SELECTION_LIST_STRUCT, Integer.toUnsignedString(lists) +
                " digest lists do not fit a file of " + bytes.length + " bytes");
        }
        final java.io.ByteArrayOutputStream digests = new java.io.ByteArrayOutputStream();
        for (int l = 0; l < lists; l++)
        {
            final int list = SELECTION_LIST_STRUCT + 4 + l * DIGEST_LIST_STRUCT;
            final int n = leU32(bytes, list);
            if (n < 0 || n > DIGESTS_PER_LIST)
            {
                throw new TpmFormatException("TPML_DIGEST.count", list, Integer.toUnsignedString(n) +
                    " digests; at most " + DIGESTS_PER_LIST);
            }
            for (int d = 0; d < n; d++)
            {
                final int at = list + 4 + d * DIGEST_STRUCT;
                final int size = leU16(bytes, at);
                if (size > 64)
                {
                    throw new TpmFormatException("TPM2B_DIGEST.size", at, size + " bytes; at most 64");
                }
                digests.write(bytes, at + 2, size);
            }
        }
        return fromConcatenated(selections, digests.toByteArray(), "pcrs (serialized)");
    }

    /** Reads the "values" form: the digests of {@code selections} concatenated in selection order. */
    public static PcrValues parseValues(final byte[] bytes, final List<PcrSelection> selections)
        throws TpmFormatException
    {
        return fromConcatenated(selections, bytes, "pcrs (values)");
    }

    private static PcrValues fromConcatenated(final List<PcrSelection> selections, final byte[] digests,
        final String field) throws TpmFormatException
    {
        final Map<Integer, Map<Integer, byte[]>> banks = new TreeMap<>();
        int at = 0;
        for (final PcrSelection selection : selections)
        {
            final int size = TpmAlgorithm.digestSize(selection.hashAlg());
            if (size < 0)
            {
                throw new TpmFormatException(field, at, "unsupported bank " +
                    TpmAlgorithm.hashName(selection.hashAlg()));
            }
            final Map<Integer, byte[]> values = banks.computeIfAbsent(selection.hashAlg(), k -> new TreeMap<>());
            for (final int pcr : selection.pcrs())
            {
                if (at + size > digests.length)
                {
                    throw new TpmFormatException(field, at, "ends before the value of " +
                        TpmAlgorithm.hashName(selection.hashAlg()) + " PCR " + pcr + " (" + size + " bytes)");
                }
                values.put(pcr, java.util.Arrays.copyOfRange(digests, at, at + size));
                at += size;
            }
        }
        if (at != digests.length)
        {
            throw new TpmFormatException(field, at, (digests.length - at) + " bytes more than the selection " +
                selections + " holds");
        }
        return new PcrValues(banks);
    }

    /** The digest a quote of {@code selections} over these values carries, with hash {@code hashAlg}. */
    public byte[] digest(final List<PcrSelection> selections, final int hashAlg)
    {
        final org.bouncycastle.crypto.Digest digest = TpmAlgorithm.digest(hashAlg);
        for (final PcrSelection selection : selections)
        {
            for (final int pcr : selection.pcrs())
            {
                final byte[] value = value(selection.hashAlg(), pcr);
                if (value == null)
                {
                    return null;
                }
                digest.update(value, 0, value.length);
            }
        }
        final byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    private static int leU32(final byte[] b, final int at)
    {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) | ((b[at + 2] & 0xFF) << 16) | ((b[at + 3] & 0xFF) << 24);
    }

    private static int leU16(final byte[] b, final int at)
    {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8);
    }
}
