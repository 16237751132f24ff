package dev.palisade.attestation.tpm;

/**
 * TPM bytes that do not decode: evidence (a quote, a signature, a PCR file) or a TPM's response. The message names the
 * structure field and the byte offset, so that a bad file can be told apart from a bad TPM.
 */
public final class TpmFormatException extends Exception
{
    private final String field;
    private final int offset;

    public TpmFormatException(final String field, final int offset, final String problem)
    {
        super(field + " at byte " + offset + ": " + problem);
        this.field = field;
        this.offset = offset;
    }

    /** The structure field being read, such as {@code TPMS_ATTEST.magic}. */
    public String field()
    {
        return field;
    }

    public int offset()
    {
        return offset;
    }
}
