package dev.palisade.dpi.http;

/**
 * Bounds on what one {@link HttpParser} keeps and does for one connection. Everything a parser holds is bounded by
 * these, whatever the peer sends: at most {@link #maxPendingTransactions()} transactions, each with at most
 * {@link #maxHeaderBytes()} of start line and headers per direction (about twice that with the normalised copy) and
 * bodies capped at the two body limits.
 *
 * @param maxHeaderBytes          bytes of a request or status line plus its header block (counting line ends), and
 *                                separately of a chunked trailer block. Past it the message is cut short (see
 *                                {@link HttpParser}) and {@link HttpAnomaly#HEADER_TOO_LONG} counted. Also bounds a
 *                                chunk-size line.
 * @param requestBodyLimitBytes   de-chunked request body bytes kept for {@code http.client_body}; the rest are counted.
 * @param responseBodyLimitBytes  response body bytes kept for {@code file_data} (after decompression); the rest are
 *                                counted.
 * @param maxPendingTransactions  transactions alive at once (pipelined requests waiting for their responses); past it
 *                                the direction that needed one more stops.
 * @param maxDecompressedBytes    decoded bytes of one gzip or deflate body; the body buffer holds the smaller of this
 *                                and {@code responseBodyLimitBytes}.
 * @param maxDecompressionRatio   decoded bytes per compressed byte beyond which decoding stops (libhtp's compression
 *                                bomb ratio, 2048), judged once 4 KiB have decoded. A single deflate layer cannot
 *                                exceed about 1032:1, so with the defaults this only trips on lower settings; decoding
 *                                is already capped by {@code maxDecompressedBytes}, which bounds memory and time on its
 *                                own. Where it trips can depend on how the body was cut into pieces.
 */
public record HttpLimits(
    int maxHeaderBytes,
    int requestBodyLimitBytes,
    int responseBodyLimitBytes,
    int maxPendingTransactions,
    int maxDecompressedBytes,
    int maxDecompressionRatio)
{
    /** Suricata's defaults: 100 KiB bodies, libhtp-like 16 KiB header budget, 32 pipelined requests. */
    public static final HttpLimits DEFAULTS = new HttpLimits(16 * 1024, 100 * 1024, 100 * 1024, 32, 100 * 1024, 2048);

    /** Validates: every bound must be at least 1 (a zero body limit would make every body "truncated"). */
    public HttpLimits
    {
        if (maxHeaderBytes < 64)
        {
            throw new IllegalArgumentException("maxHeaderBytes must be at least 64: " + maxHeaderBytes);
        }
        if (requestBodyLimitBytes < 1 || responseBodyLimitBytes < 1 || maxDecompressedBytes < 1)
        {
            throw new IllegalArgumentException("body limits must be at least 1 byte");
        }
        if (maxPendingTransactions < 1 || maxPendingTransactions > 4096)
        {
            throw new IllegalArgumentException("maxPendingTransactions must be in 1..4096: " + maxPendingTransactions);
        }
        if (maxDecompressionRatio < 1)
        {
            throw new IllegalArgumentException("maxDecompressionRatio must be at least 1: " + maxDecompressionRatio);
        }
    }

    /** @return these limits with another header budget. */
    public HttpLimits withMaxHeaderBytes(final int bytes)
    {
        return new HttpLimits(bytes, requestBodyLimitBytes, responseBodyLimitBytes, maxPendingTransactions,
            maxDecompressedBytes, maxDecompressionRatio);
    }

    /** @return these limits with other body limits (the decompressed limit follows the response one). */
    public HttpLimits withBodyLimits(final int requestBytes, final int responseBytes)
    {
        return new HttpLimits(maxHeaderBytes, requestBytes, responseBytes, maxPendingTransactions, responseBytes,
            maxDecompressionRatio);
    }

    /** @return these limits with another pipelining depth. */
    public HttpLimits withMaxPendingTransactions(final int transactions)
    {
        return new HttpLimits(maxHeaderBytes, requestBodyLimitBytes, responseBodyLimitBytes, transactions,
            maxDecompressedBytes, maxDecompressionRatio);
    }

    /** @return these limits with another decompression ratio guard. */
    public HttpLimits withMaxDecompressionRatio(final int ratio)
    {
        return new HttpLimits(maxHeaderBytes, requestBodyLimitBytes, responseBodyLimitBytes, maxPendingTransactions,
            maxDecompressedBytes, ratio);
    }

    /** @return bytes of decoded response body kept: the smaller of the response body and decompression limits. */
    public int decodedBodyLimitBytes()
    {
        return Math.min(responseBodyLimitBytes, maxDecompressedBytes);
    }
}
