package dev.palisade.attestation.spdm;

/**
 * A GET_MEASUREMENTS request (DSP0274 1.1 and 1.2, "GET_MEASUREMENTS request message" table):
 * <pre>
 *   0  SPDMVersion          1   0x11 or 0x12
 *   1  RequestResponseCode  1   0xE0
 *   2  Param1 (attributes)  1   bit 0 SignatureRequested; bit 1 RawBitStreamRequested (1.2)
 *   3  Param2 (operation)   1   0 = number of indices, 0xFF = all, else one index
 *   4  Nonce                32  only when SignatureRequested
 *  36  SlotIDParam          1   only when SignatureRequested (added in 1.1); bits 3:0 slot
 * </pre>
 * SPDM 1.3 appends an 8-byte RequesterContext, which is why other versions are refused rather than guessed at.
 *
 * @param offset where the request starts in the transcript; {@code length} its size in bytes.
 */
public record GetMeasurementsRequest(int version, int attributes, int operation, byte[] nonce, int slotId, int offset,
    int length)
{
    public static final int CODE = 0xE0;
    public static final int SIGNATURE_REQUESTED = 0x01;
    public static final int OPERATION_COUNT = 0x00;
    public static final int OPERATION_ALL = 0xFF;
    /** Size of the request without a signature (header only). */
    public static final int UNSIGNED_LENGTH = 4;
    /** Size of a 1.1 / 1.2 request that asks for a signature. */
    public static final int SIGNED_LENGTH = 4 + 32 + 1;

    public GetMeasurementsRequest
    {
        nonce = nonce == null ? null : nonce.clone();
    }

    /** The requester's nonce, or null when no signature was requested. */
    @Override
    public byte[] nonce()
    {
        return nonce == null ? null : nonce.clone();
    }

    public boolean signatureRequested()
    {
        return (attributes & SIGNATURE_REQUESTED) != 0;
    }

    /** The version as text, such as {@code "1.2"}. */
    public static String versionText(final int version)
    {
        return (version >>> 4) + "." + (version & 0x0F);
    }

    static GetMeasurementsRequest parse(final byte[] bytes, final int offset, final int end)
        throws SpdmFormatException
    {
        final SpdmReader reader = new SpdmReader(bytes, offset, end, SpdmReasons.TRUNCATED_REQUEST);
        final int version = reader.u8("GET_MEASUREMENTS.SPDMVersion");
        final int code = reader.u8("GET_MEASUREMENTS.RequestResponseCode");
        if (code != CODE)
        {
            throw new SpdmFormatException(SpdmReasons.BAD_REQUEST_CODE, "GET_MEASUREMENTS.RequestResponseCode",
                offset + 1, String.format("0x%02X, expected 0xE0 (GET_MEASUREMENTS)", code));
        }
        if (version != 0x11 && version != 0x12)
        {
            throw new SpdmFormatException(SpdmReasons.UNSUPPORTED_VERSION, "GET_MEASUREMENTS.SPDMVersion", offset,
                String.format("0x%02X; only SPDM 1.1 (0x11) and 1.2 (0x12) layouts are implemented", version));
        }
        final int attributes = reader.u8("GET_MEASUREMENTS.Param1");
        final int operation = reader.u8("GET_MEASUREMENTS.Param2");
        byte[] nonce = null;
        int slotId = -1;
        if ((attributes & SIGNATURE_REQUESTED) != 0)
        {
            nonce = reader.bytes("GET_MEASUREMENTS.Nonce", 32);
            slotId = reader.u8("GET_MEASUREMENTS.SlotIDParam") & 0x0F;
        }
        return new GetMeasurementsRequest(version, attributes, operation, nonce, slotId, offset,
            reader.position() - offset);
    }
}
