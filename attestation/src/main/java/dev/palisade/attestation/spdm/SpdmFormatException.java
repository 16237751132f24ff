package dev.palisade.attestation.spdm;

/**
 * SPDM bytes that do not decode: a GET_MEASUREMENTS request, a MEASUREMENTS response, a VCA message or hex text. The
 * message names the field and the byte offset (counted from the start of the input given), so that a bad capture can
 * be told apart from a bad responder; {@link #code()} is the stable reason code the verifier reports for it.
 */
public final class SpdmFormatException extends Exception
{
    private final String code;
    private final String field;
    private final int offset;

    public SpdmFormatException(final String code, final String field, final int offset, final String problem)
    {
        super(field + " at byte " + offset + ": " + problem);
        this.code = code;
        this.field = field;
        this.offset = offset;
    }

    /** The stable snake_case reason code, one of {@link SpdmReasons}. */
    public String code()
    {
        return code;
    }

    /** The message field being read, such as {@code MEASUREMENTS.OpaqueDataLength}. */
    public String field()
    {
        return field;
    }

    /** Byte offset of the field in the input. */
    public int offset()
    {
        return offset;
    }
}
