package dev.palisade.attestation.spdm;

import java.util.ArrayList;
import java.util.List;

/**
 * A MEASUREMENTS response (DSP0274 1.1 and 1.2, "Successful MEASUREMENTS response message" table):
 * <pre>
 *   0      SPDMVersion              1
 *   1      RequestResponseCode      1   0x60
 *   2      Param1                   1   total number of indices when the operation was 0, else reserved
 *   3      Param2                   1   bits 3:0 SlotID (when signed); bits 5:4 content changed (1.2)
 *   4      NumberOfBlocks           1
 *   5      MeasurementRecordLength  3   little-endian
 *   8      MeasurementRecord        L   NumberOfBlocks measurement blocks ({@link SpdmMeasurement})
 *   8+L    Nonce                    32  the responder's nonce
 *   40+L   OpaqueDataLength         2   little-endian, at most 1024
 *   42+L   OpaqueData               O
 *   42+L+O Signature                S   only when the request asked for one; S depends on the algorithm
 * </pre>
 * 1.1 and 1.2 have the same layout (1.2 only defines the content-changed bits); 1.3 inserts an 8-byte
 * RequesterContext before the signature. The response carries no signature size, so the caller passes the one the
 * leaf key implies; without it the signature is taken to be the rest of the input.
 *
 * @param offset          where the response starts in the transcript.
 * @param length          its size, signature included.
 * @param signatureOffset where the signature starts (the signed transcript ends there), or the end when unsigned.
 */
public record MeasurementsResponse(int version, int param1, int param2, int numberOfBlocks, int recordLength,
    List<SpdmMeasurement> blocks, byte[] nonce, byte[] opaqueData, byte[] signature, int offset, int length,
    int signatureOffset)
{
    public static final int CODE = 0x60;
    public static final int ERROR_CODE = 0x7F;
    /** DSP0274 1.1 and 1.2 cap OpaqueDataLength at 1024 bytes. */
    public static final int MAX_OPAQUE_LENGTH = 1024;
    /** Param2 bits 5:4 (1.2): 01b = a change was detected while the transcript was built. */
    public static final int CONTENT_CHANGE_MASK = 0x30;
    public static final int CONTENT_CHANGE_DETECTED = 0x10;

    public MeasurementsResponse
    {
        blocks = List.copyOf(blocks);
        nonce = nonce.clone();
        opaqueData = opaqueData.clone();
        signature = signature == null ? null : signature.clone();
    }

    @Override
    public byte[] nonce()
    {
        return nonce.clone();
    }

    @Override
    public byte[] opaqueData()
    {
        return opaqueData.clone();
    }

    /** The signature, or null when the request did not ask for one. */
    @Override
    public byte[] signature()
    {
        return signature == null ? null : signature.clone();
    }

    public int slotId()
    {
        return param2 & 0x0F;
    }

    /**
     * @param signed              whether the request asked for a signature.
     * @param signatureSizeBytes  the size the leaf key's algorithm implies, or 0 when unknown (take the rest).
     */
    static MeasurementsResponse parse(final byte[] bytes, final int offset, final int end, final boolean signed,
        final int signatureSizeBytes) throws SpdmFormatException
    {
        final SpdmReader reader = new SpdmReader(bytes, offset, end, SpdmReasons.TRUNCATED_RESPONSE);
        final int version = reader.u8("MEASUREMENTS.SPDMVersion");
        final int code = reader.u8("MEASUREMENTS.RequestResponseCode");
        if (code == ERROR_CODE)
        {
            final int errorCode = reader.remaining() > 0 ? bytes[reader.position()] & 0xFF : -1;
            throw new SpdmFormatException(SpdmReasons.ERROR_RESPONSE, "MEASUREMENTS.RequestResponseCode", offset + 1,
                "the responder sent ERROR" + (errorCode < 0 ? "" : String.format(" with ErrorCode 0x%02X (%s)",
                errorCode, errorName(errorCode))));
        }
        if (code != CODE)
        {
            throw new SpdmFormatException(SpdmReasons.BAD_RESPONSE_CODE, "MEASUREMENTS.RequestResponseCode",
                offset + 1, String.format("0x%02X, expected 0x60 (MEASUREMENTS)", code));
        }
        final int param1 = reader.u8("MEASUREMENTS.Param1");
        final int param2 = reader.u8("MEASUREMENTS.Param2");
        final int numberOfBlocks = reader.u8("MEASUREMENTS.NumberOfBlocks");
        final int recordLength = reader.u24("MEASUREMENTS.MeasurementRecordLength");
        final int recordStart = reader.position();
        // The blocks are read by NumberOfBlocks and then checked against MeasurementRecordLength, so that a tampered
        // count or length is reported as such rather than as whatever the misframed bytes after it look like.
        final List<SpdmMeasurement> blocks = new ArrayList<>(Math.min(numberOfBlocks, 16));
        for (int i = 0; i < numberOfBlocks; i++)
        {
            blocks.add(readBlock(reader, i));
        }
        final int consumed = reader.position() - recordStart;
        if (consumed != recordLength)
        {
            throw new SpdmFormatException(SpdmReasons.RECORD_LENGTH_MISMATCH, "MEASUREMENTS.MeasurementRecordLength",
                offset + 5, "says " + recordLength + " bytes but its " + numberOfBlocks + " blocks take " + consumed);
        }
        final byte[] nonce = reader.bytes("MEASUREMENTS.Nonce", 32);
        final int opaqueLengthOffset = reader.position();
        final int opaqueLength = reader.u16("MEASUREMENTS.OpaqueDataLength");
        if (opaqueLength > MAX_OPAQUE_LENGTH)
        {
            throw new SpdmFormatException(SpdmReasons.OPAQUE_LENGTH, "MEASUREMENTS.OpaqueDataLength",
                opaqueLengthOffset, opaqueLength + " bytes, DSP0274 allows at most " + MAX_OPAQUE_LENGTH);
        }
        final byte[] opaque = reader.bytes("MEASUREMENTS.OpaqueData", opaqueLength);
        final int signatureOffset = reader.position();
        byte[] signature = null;
        if (signed)
        {
            final int available = reader.remaining();
            final int size = signatureSizeBytes > 0 ? signatureSizeBytes : available;
            if (size == 0 || available < size)
            {
                throw new SpdmFormatException(SpdmReasons.SIGNATURE_LENGTH, "MEASUREMENTS.Signature",
                    signatureOffset, (signatureSizeBytes > 0 ? "needs " + signatureSizeBytes + " bytes for the leaf " +
                    "key's algorithm, " : "no signature: ") + available + " left");
            }
            signature = reader.bytes("MEASUREMENTS.Signature", size);
        }
        return new MeasurementsResponse(version, param1, param2, numberOfBlocks, recordLength, blocks, nonce, opaque,
            signature, offset, reader.position() - offset, signatureOffset);
    }

    private static SpdmMeasurement readBlock(final SpdmReader reader, final int number) throws SpdmFormatException
    {
        final String field = "MEASUREMENTS.MeasurementRecord[" + number + "]";
        final int index = reader.u8(field + ".Index");
        final int specification = reader.u8(field + ".MeasurementSpecification");
        final int sizeOffset = reader.position();
        final int size = reader.u16(field + ".MeasurementSize");
        if (specification != SpdmMeasurement.SPECIFICATION_DMTF)
        {
            return new SpdmMeasurement(index, specification, -1, reader.bytes(field + ".Measurement", size));
        }
        if (size < 3)
        {
            throw new SpdmFormatException(SpdmReasons.MEASUREMENT_BLOCK_MALFORMED, field + ".MeasurementSize",
                sizeOffset, size + " bytes cannot hold the 3-byte DMTF measurement header");
        }
        final int valueType = reader.u8(field + ".DMTFSpecMeasurementValueType");
        final int valueSize = reader.u16(field + ".DMTFSpecMeasurementValueSize");
        if (valueSize + 3 != size)
        {
            throw new SpdmFormatException(SpdmReasons.MEASUREMENT_BLOCK_MALFORMED, field + ".MeasurementSize",
                sizeOffset, "MeasurementSize " + size + " but DMTFSpecMeasurementValueSize " + valueSize + " + 3");
        }
        return new SpdmMeasurement(index, specification, valueType,
            reader.bytes(field + ".DMTFSpecMeasurementValue", valueSize));
    }

    /** Names of SPDM ERROR codes (DSP0274 1.2, "ERROR response message" error code table). */
    static String errorName(final int errorCode)
    {
        return switch (errorCode)
        {
            case 0x01 -> "InvalidRequest";
            case 0x03 -> "Busy";
            case 0x04 -> "UnexpectedRequest";
            case 0x05 -> "Unspecified";
            case 0x06 -> "DecryptError";
            case 0x07 -> "UnsupportedRequest";
            case 0x08 -> "RequestInFlight";
            case 0x09 -> "InvalidResponseCode";
            case 0x0A -> "SessionLimitExceeded";
            case 0x0B -> "SessionRequired";
            case 0x0C -> "ResetRequired";
            case 0x0D -> "ResponseTooLarge";
            case 0x0E -> "RequestTooLarge";
            case 0x0F -> "LargeResponse";
            case 0x10 -> "MessageLost";
            case 0x41 -> "VersionMismatch";
            case 0x42 -> "ResponseNotReady";
            case 0x43 -> "RequestResynch";
            case 0xFF -> "VendorDefined";
            default -> "reserved";
        };
    }
}
