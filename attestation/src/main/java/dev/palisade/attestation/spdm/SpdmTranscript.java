package dev.palisade.attestation.spdm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GET_MEASUREMENTS / MEASUREMENTS exchanges as captured, back to back: zero or more unsigned exchanges followed by
 * one whose request asks for a signature. Together they are the measurement part of the L1/L2 transcript that the
 * last response's signature covers (DSP0274 1.1 and 1.2, "Measurement signature computation": L1/L2 is the
 * concatenation of every GET_MEASUREMENTS request and MEASUREMENTS response since the last reset, the signature field
 * of the last response excluded). NVIDIA's tools capture a single signed exchange.
 * <p>
 * Parsing is bounded by the input (no length field allocates more than the bytes present) and every failure is an
 * {@link SpdmFormatException} with a reason code; nothing here throws anything else.
 */
public final class SpdmTranscript
{
    /** At most this many exchanges are read: a responder has at most 254 indices to ask for singly, plus a count. */
    public static final int MAX_EXCHANGES = 256;

    /** One request and its response. */
    public record Exchange(GetMeasurementsRequest request, MeasurementsResponse response)
    {
    }

    private final byte[] bytes;
    private final List<Exchange> exchanges;

    private SpdmTranscript(final byte[] bytes, final List<Exchange> exchanges)
    {
        this.bytes = bytes;
        this.exchanges = List.copyOf(exchanges);
    }

    /**
     * @param transcript         request || response pairs, the signed one last.
     * @param signatureSizeBytes the signature size the leaf key implies, or 0 when unknown (the signature is then the
     *                           rest of the input).
     */
    public static SpdmTranscript parse(final byte[] transcript, final int signatureSizeBytes)
        throws SpdmFormatException
    {
        final byte[] bytes = transcript.clone();
        final List<Exchange> exchanges = new ArrayList<>(2);
        int position = 0;
        while (true)
        {
            final GetMeasurementsRequest request = GetMeasurementsRequest.parse(bytes, position, bytes.length);
            position += request.length();
            if (position == bytes.length)
            {
                throw new SpdmFormatException(SpdmReasons.TRUNCATED_RESPONSE, "MEASUREMENTS", position,
                    "no response follows the GET_MEASUREMENTS request at byte " + request.offset());
            }
            final MeasurementsResponse response = MeasurementsResponse.parse(bytes, position, bytes.length,
                request.signatureRequested(), signatureSizeBytes);
            position += response.length();
            exchanges.add(new Exchange(request, response));
            if (request.signatureRequested() || position == bytes.length)
            {
                break;
            }
            if (exchanges.size() == MAX_EXCHANGES)
            {
                throw new SpdmFormatException(SpdmReasons.TOO_MANY_EXCHANGES, "GET_MEASUREMENTS", position,
                    MAX_EXCHANGES + " unsigned exchanges and more bytes follow; a transcript holds at most " +
                    MAX_EXCHANGES + " exchanges");
            }
        }
        if (position != bytes.length)
        {
            throw new SpdmFormatException(SpdmReasons.TRAILING_BYTES, "MEASUREMENTS.Signature", position,
                (bytes.length - position) + " bytes follow the " + (position - exchanges.getLast().response()
                .signatureOffset()) + "-byte signature");
        }
        return new SpdmTranscript(bytes, exchanges);
    }

    public List<Exchange> exchanges()
    {
        return exchanges;
    }

    /** The last exchange if its request asked for a signature, else null (nothing in the transcript is signed). */
    public Exchange signedExchange()
    {
        final Exchange last = exchanges.getLast();
        return last.request().signatureRequested() ? last : null;
    }

    /** The request's version of the first exchange, such as 0x12. */
    public int version()
    {
        return exchanges.getFirst().request().version();
    }

    /** The transcript's part of L1/L2: everything up to the last response's signature. */
    public byte[] signedBytes()
    {
        return Arrays.copyOf(bytes, exchanges.getLast().response().signatureOffset());
    }

    /** Every measurement block of every response, in order. */
    public List<SpdmMeasurement> measurements()
    {
        final List<SpdmMeasurement> all = new ArrayList<>();
        for (final Exchange exchange : exchanges)
        {
            all.addAll(exchange.response().blocks());
        }
        return all;
    }
}
