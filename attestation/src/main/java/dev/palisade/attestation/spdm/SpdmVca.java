package dev.palisade.attestation.spdm;

/**
 * The VCA messages that open an SPDM connection: GET_VERSION, VERSION, GET_CAPABILITIES, CAPABILITIES,
 * NEGOTIATE_ALGORITHMS and ALGORITHMS, back to back. SPDM 1.2 puts them at the start of L1/L2 ("Measurement
 * signature computation": L1/L2 = Concatenate(VCA, GET_MEASUREMENTS requests and MEASUREMENTS responses)), so a 1.2
 * signature only verifies with them; 1.1's L1/L2 has no VCA. They also say what was negotiated, so with them nothing
 * has to be inferred from the leaf key. Message sizes (DSP0274 1.2, the request and response tables of each message):
 * <pre>
 *   GET_VERSION           0x84  4
 *   VERSION               0x04  6 + 2 * VersionNumberEntryCount (byte 5)
 *   GET_CAPABILITIES      0xE1  4 (1.0), 12 (1.1), 20 (1.2: + DataTransferSize, MaxSPDMmsgSize)
 *   CAPABILITIES          0x61  12 (1.0, 1.1), 20 (1.2)
 *   NEGOTIATE_ALGORITHMS  0xE3  Length (bytes 4..5, little-endian), at least 32
 *   ALGORITHMS            0x63  Length (bytes 4..5), at least 36:
 *      6 MeasurementSpecificationSel(1)  7 OtherParamsSelection(1)  8 MeasurementHashAlgo(4)
 *     12 BaseAsymSel(4)  16 BaseHashSel(4)  ...
 * </pre>
 */
public final class SpdmVca
{
    private static final int[] CODES = {0x84, 0x04, 0xE1, 0x61, 0xE3, 0x63};
    private static final String[] NAMES =
        {"GET_VERSION", "VERSION", "GET_CAPABILITIES", "CAPABILITIES", "NEGOTIATE_ALGORITHMS", "ALGORITHMS"};

    private final byte[] bytes;
    private final int version;
    private final SpdmAsymAlgorithm asymAlgorithm;
    private final SpdmHashAlgorithm hashAlgorithm;
    private final int measurementHashAlgo;

    private SpdmVca(final byte[] bytes, final int version, final SpdmAsymAlgorithm asymAlgorithm,
        final SpdmHashAlgorithm hashAlgorithm, final int measurementHashAlgo)
    {
        this.bytes = bytes;
        this.version = version;
        this.asymAlgorithm = asymAlgorithm;
        this.hashAlgorithm = hashAlgorithm;
        this.measurementHashAlgo = measurementHashAlgo;
    }

    /** Parses the six VCA messages in order; anything else is {@link SpdmReasons#VCA_MALFORMED}. */
    public static SpdmVca parse(final byte[] vca) throws SpdmFormatException
    {
        final byte[] bytes = vca.clone();
        int position = 0;
        int version = -1;
        int asymSel = 0;
        int hashSel = 0;
        int measurementHashAlgo = 0;
        int algorithmsOffset = 0;
        for (int m = 0; m < CODES.length; m++)
        {
            final String name = NAMES[m];
            final SpdmReader reader = new SpdmReader(bytes, position, bytes.length, SpdmReasons.VCA_MALFORMED);
            final int messageVersion = reader.u8(name + ".SPDMVersion");
            final int code = reader.u8(name + ".RequestResponseCode");
            if (code != CODES[m])
            {
                throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, name + ".RequestResponseCode",
                    position + 1, String.format("0x%02X, expected 0x%02X (%s)", code, CODES[m], name));
            }
            reader.skip(name + ".Param1", 2);
            final int length = switch (code)
            {
                case 0x84 -> 4;
                case 0x04 ->
                {
                    reader.skip("VERSION.Reserved", 1);
                    yield 6 + 2 * reader.u8("VERSION.VersionNumberEntryCount");
                }
                case 0xE1 -> messageVersion <= 0x10 ? 4 : messageVersion == 0x11 ? 12 : 20;
                case 0x61 -> messageVersion <= 0x11 ? 12 : 20;
                default ->
                {
                    final int declared = reader.u16(name + ".Length");
                    final int minimum = code == 0xE3 ? 32 : 36;
                    if (declared < minimum)
                    {
                        throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, name + ".Length", position + 4,
                            declared + " bytes, at least " + minimum + " expected");
                    }
                    yield declared;
                }
            };
            if (length > bytes.length - position)
            {
                throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, name, position,
                    "needs " + length + " bytes, " + (bytes.length - position) + " left");
            }
            if (code == 0x63)
            {
                final SpdmReader algorithms = new SpdmReader(bytes, position + 8, position + length,
                    SpdmReasons.VCA_MALFORMED);
                measurementHashAlgo = algorithms.u32("ALGORITHMS.MeasurementHashAlgo");
                asymSel = algorithms.u32("ALGORITHMS.BaseAsymSel");
                hashSel = algorithms.u32("ALGORITHMS.BaseHashSel");
                version = messageVersion;
                algorithmsOffset = position;
            }
            position += length;
        }
        if (position != bytes.length)
        {
            throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, "ALGORITHMS", position,
                (bytes.length - position) + " bytes follow ALGORITHMS");
        }
        final SpdmAsymAlgorithm asym = SpdmAsymAlgorithm.fromBaseAsymSel(asymSel);
        if (asym == null)
        {
            throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, "ALGORITHMS.BaseAsymSel", algorithmsOffset + 12,
                String.format("0x%08X is not exactly one supported algorithm", asymSel));
        }
        final SpdmHashAlgorithm hash = SpdmHashAlgorithm.fromBaseHashSel(hashSel);
        if (hash == null)
        {
            throw new SpdmFormatException(SpdmReasons.VCA_MALFORMED, "ALGORITHMS.BaseHashSel", algorithmsOffset + 16,
                String.format("0x%08X is not exactly one supported hash", hashSel));
        }
        return new SpdmVca(bytes, version, asym, hash, measurementHashAlgo);
    }

    /** The VCA bytes, the start of a 1.2 L1/L2. */
    public byte[] bytes()
    {
        return bytes.clone();
    }

    /** SPDMVersion of ALGORITHMS: the negotiated version. */
    public int version()
    {
        return version;
    }

    /** BaseAsymSel. */
    public SpdmAsymAlgorithm asymAlgorithm()
    {
        return asymAlgorithm;
    }

    /** BaseHashSel. */
    public SpdmHashAlgorithm hashAlgorithm()
    {
        return hashAlgorithm;
    }

    /** The MeasurementHashAlgo field, whose digest size DMTF digest measurements must have (0 or bit 0: raw only). */
    public int measurementHashAlgo()
    {
        return measurementHashAlgo;
    }
}
