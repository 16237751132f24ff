package dev.palisade.attestation.spdm;

import java.util.HexFormat;

/**
 * One measurement block of a MEASUREMENTS response (DSP0274 1.2, "Measurement block format" table):
 * <pre>
 *   0  Index                     1   1..0xFE (0xFD manifest, 0xFE device mode in 1.2)
 *   1  MeasurementSpecification  1   bit mask, bit 0 = DMTF
 *   2  MeasurementSize           2   little-endian size of Measurement
 *   4  Measurement               MeasurementSize
 * </pre>
 * and, when the specification is DMTF, the Measurement itself ("DMTF measurement specification format" table):
 * <pre>
 *   0  DMTFSpecMeasurementValueType  1   bit 7: 1 = raw bit stream, 0 = digest; bits 6:0 the type
 *   1  DMTFSpecMeasurementValueSize  2   little-endian
 *   3  DMTFSpecMeasurementValue      DMTFSpecMeasurementValueSize
 * </pre>
 *
 * @param index         the measurement index.
 * @param specification the MeasurementSpecification bit mask.
 * @param valueType     DMTFSpecMeasurementValueType (with the raw bit), or -1 when the block is not in DMTF form.
 * @param value         DMTFSpecMeasurementValue, or the whole Measurement when the block is not in DMTF form.
 */
public record SpdmMeasurement(int index, int specification, int valueType, byte[] value)
{
    /** MeasurementSpecification bit 0: the DMTF format above. */
    public static final int SPECIFICATION_DMTF = 0x01;
    /** DMTFSpecMeasurementValueType bit 7: the value is the raw bit stream, not a digest of it. */
    public static final int RAW_BIT_STREAM = 0x80;

    public SpdmMeasurement
    {
        value = value.clone();
    }

    @Override
    public byte[] value()
    {
        return value.clone();
    }

    /** @return whether the block is in the DMTF measurement format. */
    public boolean isDmtf()
    {
        return valueType >= 0;
    }

    /** @return whether the value is a raw bit stream (type bit 7) rather than a digest. */
    public boolean raw()
    {
        return valueType >= 0 && (valueType & RAW_BIT_STREAM) != 0;
    }

    /** @return the type number without the raw bit (bits 6:0), or -1 when the block is not in DMTF form. */
    public int typeNumber()
    {
        return valueType < 0 ? -1 : valueType & 0x7F;
    }

    /** @return a snake_case name of {@link #typeNumber()}. */
    public String typeName()
    {
        return typeName(typeNumber());
    }

    /**
     * Names of DMTFSpecMeasurementValueType bits 6:0. Types 0..7 are DSP0274 1.2's; 8..0x0A were added by 1.3 and are
     * named so that newer responders still read well. In 1.2, type 5 is the structured representation of debug and
     * device mode (index 0xFE), not a manifest: the structured measurement manifest is 1.3's type 0x0A.
     */
    public static String typeName(final int typeNumber)
    {
        return switch (typeNumber)
        {
            case -1 -> "not_dmtf";
            case 0x00 -> "immutable_rom";
            case 0x01 -> "mutable_firmware";
            case 0x02 -> "hardware_configuration";
            case 0x03 -> "firmware_configuration";
            case 0x04 -> "freeform_measurement_manifest";
            case 0x05 -> "device_mode";
            case 0x06 -> "mutable_firmware_version";
            case 0x07 -> "mutable_firmware_security_version";
            case 0x08 -> "hash_extended_measurement";
            case 0x09 -> "informational";
            case 0x0A -> "structured_measurement_manifest";
            default -> "reserved";
        };
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof SpdmMeasurement m && m.index == index && m.specification == specification &&
            m.valueType == valueType && java.util.Arrays.equals(m.value, value);
    }

    @Override
    public int hashCode()
    {
        return 31 * (31 * (31 * index + specification) + valueType) + java.util.Arrays.hashCode(value);
    }

    @Override
    public String toString()
    {
        return "SpdmMeasurement[index=" + index + ", type=" + typeName() + (raw() ? " (raw)" : "") + ", value=" +
            HexFormat.of().formatHex(value) + "]";
    }
}
