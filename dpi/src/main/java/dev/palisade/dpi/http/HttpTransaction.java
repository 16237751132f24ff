package dev.palisade.dpi.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One request and its response: the inspection buffers Suricata's HTTP sticky buffers name, filled by
 * {@link HttpParser}. Transactions are numbered from 0 in the order requests start on the connection, and pipelined
 * responses pair with them in that order.
 * <p>
 * Objects are reused: a parser hands the same instance out again for a later index once both halves of this one are
 * complete, so a listener must copy what it wants to keep beyond its callbacks. Buffers not filled yet (the response
 * buffers during {@link HttpListener#requestHeaders}) are empty.
 *
 * <pre>
 * buffer                 Suricata keyword        contents
 * method                 http.method             GET
 * rawUri                 http.uri.raw            the target exactly as on the request line
 * uri                    http.uri                normalised (see UriNormalizer): path + query, decoded
 * protocol               http.protocol           HTTP/1.1 (empty for HTTP/0.9)
 * requestLine            http.request_line       the line without CRLF
 * requestHeaders         http.header             "Name: value\r\n" per field, values trimmed, folds joined
 * rawRequestHeaders      http.header.raw         the header bytes as sent, CRLFs and final empty line included
 * requestCookie          http.cookie             Cookie value(s)
 * userAgent              http.user_agent         User-Agent value
 * host / rawHost         http.host / .raw        lowercase without port / the Host value as sent
 * requestBody            http.client_body        de-chunked, capped
 * statusCode, statusMessage, responseLine, responseProtocol, responseHeaders, rawResponseHeaders
 * responseCookie         http.cookie             Set-Cookie value(s)
 * responseBody           file_data               de-chunked, gunzipped/inflated, capped
 * </pre>
 */
public final class HttpTransaction
{
    private static final int HTTP09 = 1;
    private static final int NO_REQUEST = 1 << 1;
    private static final int REQUEST_HEADERS_TRUNCATED = 1 << 2;
    private static final int REQUEST_BODY_INCOMPLETE = 1 << 3;
    private static final int REQUEST_BODY_TRUNCATED = 1 << 4;
    private static final int RESPONSE_HEADERS_TRUNCATED = 1 << 5;
    private static final int RESPONSE_BODY_INCOMPLETE = 1 << 6;
    private static final int RESPONSE_BODY_TRUNCATED = 1 << 7;
    private static final int RESPONSE_BODY_DECODED = 1 << 8;
    private static final int RESPONSE_DECODING_FAILED = 1 << 9;

    /** Buffers larger than this are freed by {@link HttpParser#reset()}; smaller ones are kept for the next flow. */
    static final int RETAIN_BYTES = 2048;

    private final HttpBuffer method = new HttpBuffer();
    private final HttpBuffer rawUri = new HttpBuffer();
    private final HttpBuffer uri = new HttpBuffer();
    private final HttpBuffer protocol = new HttpBuffer();
    private final HttpBuffer requestLine = new HttpBuffer();
    private final HttpBuffer requestHeaders = new HttpBuffer();
    private final HttpBuffer rawRequestHeaders = new HttpBuffer();
    private final HttpBuffer requestCookie = new HttpBuffer();
    private final HttpBuffer userAgent = new HttpBuffer();
    private final HttpBuffer host = new HttpBuffer();
    private final HttpBuffer rawHost = new HttpBuffer();
    private final HttpBuffer requestBody = new HttpBuffer();
    private final HttpBuffer responseProtocol = new HttpBuffer();
    private final HttpBuffer statusCode = new HttpBuffer();
    private final HttpBuffer statusMessage = new HttpBuffer();
    private final HttpBuffer responseLine = new HttpBuffer();
    private final HttpBuffer responseHeaders = new HttpBuffer();
    private final HttpBuffer rawResponseHeaders = new HttpBuffer();
    private final HttpBuffer responseCookie = new HttpBuffer();
    private final HttpBuffer responseBody = new HttpBuffer();

    private long index;
    private int flags;
    private int statusCodeValue = -1;
    private long requestBodyBytes;
    private long responseBodyBytes;
    boolean requestDone;
    boolean responseDone;

    /** @return the position of this transaction in its connection: 0, 1, 2... */
    public long index()
    {
        return index;
    }

    public HttpBuffer method()
    {
        return method;
    }

    public HttpBuffer rawUri()
    {
        return rawUri;
    }

    public HttpBuffer uri()
    {
        return uri;
    }

    /** @return the request's protocol ({@code HTTP/1.1}); empty for HTTP/0.9. */
    public HttpBuffer protocol()
    {
        return protocol;
    }

    public HttpBuffer requestLine()
    {
        return requestLine;
    }

    public HttpBuffer requestHeaders()
    {
        return requestHeaders;
    }

    public HttpBuffer rawRequestHeaders()
    {
        return rawRequestHeaders;
    }

    public HttpBuffer requestCookie()
    {
        return requestCookie;
    }

    public HttpBuffer userAgent()
    {
        return userAgent;
    }

    public HttpBuffer host()
    {
        return host;
    }

    public HttpBuffer rawHost()
    {
        return rawHost;
    }

    public HttpBuffer requestBody()
    {
        return requestBody;
    }

    /** @return the response's protocol ({@code HTTP/1.1}); empty for a response to HTTP/0.9. */
    public HttpBuffer responseProtocol()
    {
        return responseProtocol;
    }

    public HttpBuffer statusCode()
    {
        return statusCode;
    }

    public HttpBuffer statusMessage()
    {
        return statusMessage;
    }

    public HttpBuffer responseLine()
    {
        return responseLine;
    }

    public HttpBuffer responseHeaders()
    {
        return responseHeaders;
    }

    public HttpBuffer rawResponseHeaders()
    {
        return rawResponseHeaders;
    }

    public HttpBuffer responseCookie()
    {
        return responseCookie;
    }

    /** @return the response body as {@code file_data} sees it: de-chunked and, for gzip and deflate, decoded. */
    public HttpBuffer responseBody()
    {
        return responseBody;
    }

    /** @return the status code as a number, or -1 when it was not three digits (or there is no status line). */
    public int statusCodeValue()
    {
        return statusCodeValue;
    }

    /** @return request body bytes that went by (de-chunked), kept or not. */
    public long requestBodyBytes()
    {
        return requestBodyBytes;
    }

    /** @return response body bytes that went by (de-chunked, before decoding), kept or not. */
    public long responseBodyBytes()
    {
        return responseBodyBytes;
    }

    /** @return true for a request line without a version ({@code GET /}): no headers, and a response without any. */
    public boolean isHttp09()
    {
        return (flags & HTTP09) != 0;
    }

    /** @return false when a response came with no request to pair it with; the request buffers are then empty. */
    public boolean hasRequest()
    {
        return (flags & NO_REQUEST) == 0;
    }

    /** @return true when the request's header block was cut short (too long, a gap, or the connection ended). */
    public boolean requestHeadersTruncated()
    {
        return (flags & REQUEST_HEADERS_TRUNCATED) != 0;
    }

    /** @return true when request body bytes are missing (a gap, or the connection ended before the body did). */
    public boolean requestBodyIncomplete()
    {
        return (flags & REQUEST_BODY_INCOMPLETE) != 0;
    }

    /** @return true when the request body outgrew its limit and only the first part was kept. */
    public boolean requestBodyTruncated()
    {
        return (flags & REQUEST_BODY_TRUNCATED) != 0;
    }

    public boolean responseHeadersTruncated()
    {
        return (flags & RESPONSE_HEADERS_TRUNCATED) != 0;
    }

    public boolean responseBodyIncomplete()
    {
        return (flags & RESPONSE_BODY_INCOMPLETE) != 0;
    }

    public boolean responseBodyTruncated()
    {
        return (flags & RESPONSE_BODY_TRUNCATED) != 0;
    }

    /** @return true when the response body was gzip or deflate and {@link #responseBody()} holds decoded bytes. */
    public boolean responseBodyDecoded()
    {
        return (flags & RESPONSE_BODY_DECODED) != 0;
    }

    /** @return true when decoding stopped early (bad data, ratio guard); the body holds what decoded before. */
    public boolean responseDecodingFailed()
    {
        return (flags & RESPONSE_DECODING_FAILED) != 0;
    }

    /**
     * Looks a header field up by name, without ASCII case, in the normalised headers (trailers included once the
     * message is complete). Several fields of one name are combined with {@code ", "} (RFC 9110 5.3). Allocates: for
     * slow paths and tests, not per packet.
     *
     * @return the value, or null when there is no such field.
     */
    public byte[] header(final boolean response, final String name)
    {
        final HttpBuffer headers = response ? responseHeaders : requestHeaders;
        final byte[] bytes = headers.array();
        final int length = headers.length();
        final String lowerName = name.toLowerCase(Locale.ROOT);
        final HttpBuffer value = new HttpBuffer();
        boolean found = false;
        int lineStart = 0;
        while (lineStart < length)
        {
            int lineEnd = HttpBytes.indexOf(bytes, lineStart, length, HttpBytes.LF);
            if (lineEnd < 0)
            {
                lineEnd = length;
            }
            // Normalised lines are "name: value\r\n"; the name has no colon, so the first one ends it.
            final int colon = HttpBytes.indexOf(bytes, lineStart, lineEnd, (byte)':');
            if (colon >= 0 && HttpBytes.equalsIgnoreCase(bytes, lineStart, colon, lowerName))
            {
                if (found)
                {
                    value.appendAscii(", ");
                }
                final int valueStart = Math.min(colon + 2, lineEnd);
                final int valueEnd = lineEnd > valueStart && bytes[lineEnd - 1] == HttpBytes.CR ? lineEnd - 1 : lineEnd;
                value.append(bytes, valueStart, valueEnd - valueStart);
                found = true;
            }
            lineStart = lineEnd + 1;
        }
        return found ? value.toByteArray() : null;
    }

    /** @return {@link #header(boolean, String)} as ISO-8859-1 text, or null. */
    public String headerString(final boolean response, final String name)
    {
        final byte[] value = header(response, name);
        return value == null ? null : new String(value, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString()
    {
        return "HttpTransaction{index=" + index + ", request=" + requestLine + ", response=" + responseLine + "}";
    }

    void begin(final long index)
    {
        this.index = index;
        flags = 0;
        statusCodeValue = -1;
        requestBodyBytes = 0;
        responseBodyBytes = 0;
        requestDone = false;
        responseDone = false;
        method.clear();
        rawUri.clear();
        uri.clear();
        protocol.clear();
        requestLine.clear();
        requestHeaders.clear();
        rawRequestHeaders.clear();
        requestCookie.clear();
        userAgent.clear();
        host.clear();
        rawHost.clear();
        requestBody.clear();
        clearResponse();
        responseBody.clear();
    }

    /** Forgets a response's line and headers: an interim (1xx) response before the final one. */
    void clearResponse()
    {
        statusCodeValue = -1;
        responseProtocol.clear();
        statusCode.clear();
        statusMessage.clear();
        responseLine.clear();
        responseHeaders.clear();
        rawResponseHeaders.clear();
        responseCookie.clear();
    }

    /** Empties every buffer, freeing the large ones. */
    void release()
    {
        final HttpBuffer[] buffers = {method, rawUri, uri, protocol, requestLine, requestHeaders, rawRequestHeaders,
            requestCookie, userAgent, host, rawHost, requestBody, responseProtocol, statusCode, statusMessage,
            responseLine, responseHeaders, rawResponseHeaders, responseCookie, responseBody};
        for (final HttpBuffer buffer : buffers)
        {
            buffer.release(RETAIN_BYTES);
        }
    }

    /** @return bytes of buffer capacity held (for tests bounding memory). */
    long capacityBytes()
    {
        final HttpBuffer[] buffers = {method, rawUri, uri, protocol, requestLine, requestHeaders, rawRequestHeaders,
            requestCookie, userAgent, host, rawHost, requestBody, responseProtocol, statusCode, statusMessage,
            responseLine, responseHeaders, rawResponseHeaders, responseCookie, responseBody};
        long total = 0;
        for (final HttpBuffer buffer : buffers)
        {
            total += buffer.capacity();
        }
        return total;
    }

    void markHttp09()
    {
        flags |= HTTP09;
    }

    void markNoRequest()
    {
        flags |= NO_REQUEST;
    }

    void markHeadersTruncated(final boolean response)
    {
        flags |= response ? RESPONSE_HEADERS_TRUNCATED : REQUEST_HEADERS_TRUNCATED;
    }

    void markBodyIncomplete(final boolean response)
    {
        flags |= response ? RESPONSE_BODY_INCOMPLETE : REQUEST_BODY_INCOMPLETE;
    }

    /** @return true the first time, so the anomaly is counted once per message. */
    boolean markBodyTruncated(final boolean response)
    {
        final int flag = response ? RESPONSE_BODY_TRUNCATED : REQUEST_BODY_TRUNCATED;
        final boolean first = (flags & flag) == 0;
        flags |= flag;
        return first;
    }

    void markResponseDecoded()
    {
        flags |= RESPONSE_BODY_DECODED;
    }

    void markDecodingFailed()
    {
        flags |= RESPONSE_DECODING_FAILED;
    }

    void statusCodeValue(final int value)
    {
        statusCodeValue = value;
    }

    void addBodyBytes(final boolean response, final long bytes)
    {
        if (response)
        {
            responseBodyBytes += bytes;
        }
        else
        {
            requestBodyBytes += bytes;
        }
    }
}
