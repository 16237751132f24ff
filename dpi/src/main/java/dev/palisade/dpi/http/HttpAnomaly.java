package dev.palisade.dpi.http;

/**
 * Something about a connection's HTTP that a well-behaved client or server does not do, or that made the parser give
 * up on part of the stream. Each anomaly has a stable id (the index of its counter in {@link HttpParser}) and a stable
 * snake_case label, in the manner of Aeron's {@code SystemCounterDescriptor}. Never renumber; append.
 * <p>
 * Several of these are what Suricata raises as {@code http-events} (request field too long, invalid chunk length,
 * content-length and transfer-encoding together), which detection rules and evasion reports look for.
 */
public enum HttpAnomaly
{
    /** A start line plus its header block, or a trailer block, exceeded {@link HttpLimits#maxHeaderBytes()}. */
    HEADER_TOO_LONG(0, "header_too_long"),
    /** The client's first bytes cannot start a request line: the flow is not HTTP and is ignored from then on. */
    NOT_HTTP(1, "not_http"),
    /** A later line from the client was not a request line; it was skipped up to its line feed. */
    BAD_REQUEST_LINE(2, "bad_request_line"),
    /** The server's stream did not start with {@code HTTP/} where a status line was due; that direction stops. */
    RESPONSE_NOT_HTTP(3, "response_not_http"),
    /** A status line whose code is not three digits (the response is still parsed). */
    BAD_STATUS_CODE(4, "bad_status_code"),
    /** A header line without a colon: kept with an empty name, as libhtp does, so its bytes are still inspected. */
    INVALID_HEADER_LINE(5, "invalid_header_line"),
    /** Content-Length not a non-negative decimal that fits 63 bits, or several that disagree (RFC 9112 6.3 item 5). */
    BAD_CONTENT_LENGTH(6, "bad_content_length"),
    /** Both Transfer-Encoding and Content-Length: a request-smuggling signature (RFC 9112 6.3 item 3). */
    CONFLICTING_LENGTH(7, "conflicting_length"),
    /** A chunk-size line that is not hex (negative, empty, over 60 bits, too long), or chunk data without CRLF. */
    BAD_CHUNK_SIZE(8, "bad_chunk_size"),
    /** Bytes missing from the client's stream. */
    GAP_IN_REQUEST(9, "gap_in_request"),
    /** Bytes missing from the server's stream. */
    GAP_IN_RESPONSE(10, "gap_in_response"),
    /** A gzip or deflate response body that does not decode; the body keeps what decoded before the error. */
    DECOMPRESSION_ERROR(11, "decompression_error"),
    /** A compressed body whose decoded size outgrew {@link HttpLimits#maxDecompressionRatio()} times its input. */
    DECOMPRESSION_RATIO(12, "decompression_ratio"),
    /** More transactions awaiting responses than {@link HttpLimits#maxPendingTransactions()}: that direction stops. */
    TOO_MANY_PENDING(13, "too_many_pending"),
    /** A response with no request to pair with (libhtp: "unable to match response to request"). */
    UNMATCHED_RESPONSE(14, "unmatched_response"),
    /** A request body longer than {@link HttpLimits#requestBodyLimitBytes()}: the rest was counted, not kept. */
    REQUEST_BODY_TRUNCATED(15, "request_body_truncated"),
    /** A response body (decoded) longer than its limit: the rest was counted, not kept. */
    RESPONSE_BODY_TRUNCATED(16, "response_body_truncated");

    /** Number of anomalies: the size of a counter array indexed by {@link #id()}. */
    public static final int COUNT;

    private static final HttpAnomaly[] BY_ID;

    static
    {
        final HttpAnomaly[] values = values();
        BY_ID = new HttpAnomaly[values.length];
        for (final HttpAnomaly anomaly : values)
        {
            if (BY_ID[anomaly.id] != null)
            {
                throw new IllegalStateException("duplicate HTTP anomaly id " + anomaly.id);
            }
            BY_ID[anomaly.id] = anomaly;
        }
        COUNT = values.length;
    }

    private final int id;
    private final String label;

    HttpAnomaly(final int id, final String label)
    {
        this.id = id;
        this.label = label;
    }

    /** @return the stable id, also the index of this anomaly's counter. */
    public int id()
    {
        return id;
    }

    /** @return the stable snake_case name used in output, e.g. {@code header_too_long}. */
    public String label()
    {
        return label;
    }

    /** @return the anomaly with {@code id}, or null when there is none. */
    public static HttpAnomaly byId(final int id)
    {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
