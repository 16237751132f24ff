package dev.palisade.dpi.http;

import static dev.palisade.dpi.http.HttpBytes.CR;
import static dev.palisade.dpi.http.HttpBytes.LF;
import static dev.palisade.dpi.http.HttpBytes.SP;

/**
 * The state machine of one direction of a connection: request lines, headers and bodies from the client, or status
 * lines, headers and bodies from the server. Bytes are consumed as they arrive and never re-read, so feeding one byte
 * at a time or a whole stream at once passes through the same states and gives the same buffers.
 * <p>
 * Parsing in a direction stops for good (until {@link HttpParser#reset()}) when where the next message starts can no
 * longer be known: a header block over the budget, a bad chunk-size line, a gap outside a body of known length, a
 * status line that is not HTTP. Guessing a resynchronisation point there would let a peer choose what the parser sees
 * (request smuggling); the anomaly counter says that it happened. A line from the client that is not a request line,
 * on the other hand, is skipped to its line feed, since requests without framing headers have no body.
 */
final class DirectionParser
{
    /** Longest method accepted while judging whether a line can be a request line at all. */
    static final int MAX_METHOD_BYTES = 32;

    private static final String HTTP_PREFIX = "http/";

    private static final int START = 0;
    private static final int START_LINE = 1;
    private static final int PROBE_09 = 2;
    private static final int HEADERS = 3;
    private static final int BODY_LENGTH = 4;
    private static final int CHUNK_SIZE = 5;
    private static final int CHUNK_DATA = 6;
    private static final int CHUNK_DATA_END = 7;
    private static final int TRAILERS = 8;
    private static final int BODY_CLOSE = 9;
    private static final int SKIP_LINE = 10;
    private static final int STOPPED = 11;

    private static final int FRAMING_NONE = 0;
    private static final int FRAMING_LENGTH = 1;
    private static final int FRAMING_CHUNKED = 2;
    private static final int FRAMING_CLOSE = 3;

    private final HttpParser parser;
    private final HttpListener listener;
    private final HttpLimits limits;
    private final boolean response;
    /** The start line as it arrives, the bytes of an HTTP/0.9 probe, or a chunked trailer block. */
    private final HttpBuffer line = new HttpBuffer();
    private final BodyDecoder decoder;

    private int state;
    private HttpTransaction tx;
    /** Start line and header bytes of the current message so far (or trailer bytes), against the header budget. */
    private int messageBytes;
    /** While judging a request line: method bytes so far; -1 once the space after the method was seen. */
    private int methodBytes;
    /** A valid request line has been seen, so the client is speaking HTTP. */
    private boolean confirmed;
    /** Bytes left in a Content-Length body or in the current chunk. */
    private long remaining;

    private HttpBuffer raw;
    private HttpBuffer normalized;
    private boolean inTrailers;
    private int lineStart;
    private int pendingStart;
    private int pendingEnd;

    private long contentLength;
    private boolean contentLengthInvalid;
    private boolean transferEncoding;
    private boolean chunked;
    private int contentCodingHeaders;
    private int contentCoding;
    private boolean hostSeen;

    private long chunkSize;
    private boolean chunkDigits;
    private boolean chunkSizeEnded;
    private boolean chunkExtension;
    private int chunkLineBytes;
    private boolean sawCr;

    DirectionParser(final HttpParser parser, final HttpListener listener, final HttpLimits limits,
        final boolean response)
    {
        this.parser = parser;
        this.listener = listener;
        this.limits = limits;
        this.response = response;
        this.decoder = response ? new BodyDecoder() : null;
        reset();
    }

    void reset()
    {
        state = START;
        tx = null;
        messageBytes = 0;
        methodBytes = 0;
        confirmed = false;
        remaining = 0;
        raw = null;
        normalized = null;
        inTrailers = false;
        pendingStart = -1;
        line.release(HttpTransaction.RETAIN_BYTES);
        if (decoder != null)
        {
            decoder.release();
        }
    }

    boolean isStopped()
    {
        return state == STOPPED;
    }

    void feed(final byte[] data, final int offset, final int length)
    {
        int position = offset;
        final int end = offset + length;
        while (position < end && state != STOPPED)
        {
            position = switch (state)
            {
                case START -> onStart(data[position], position);
                case START_LINE -> onStartLine(data, position, end);
                case PROBE_09 -> onProbe09(data[position], position);
                case HEADERS, TRAILERS -> onHeaderBytes(data, position, end);
                case BODY_LENGTH, CHUNK_DATA -> onCountedBody(data, position, end);
                case CHUNK_SIZE -> onChunkSize(data, position, end);
                case CHUNK_DATA_END -> onChunkDataEnd(data[position], position);
                case BODY_CLOSE -> onCloseDelimitedBody(data, position, end);
                case SKIP_LINE -> onSkipLine(data, position, end);
                default -> end;
            };
        }
    }

    /**
     * {@code length} bytes of this direction are missing. Inside a body whose end is known (Content-Length, a chunk,
     * or everything up to the close) they are skipped and the body marked incomplete; anywhere else the current
     * message is delivered as far as it got and the direction stops.
     */
    void gap(final long length)
    {
        if (state == STOPPED || length <= 0)
        {
            return;
        }
        parser.anomaly(response ? HttpAnomaly.GAP_IN_RESPONSE : HttpAnomaly.GAP_IN_REQUEST);
        switch (state)
        {
            case BODY_LENGTH, CHUNK_DATA ->
            {
                bodyHole();
                if (length < remaining)
                {
                    tx.addBodyBytes(response, length);
                    remaining -= length;
                }
                else if (length == remaining)
                {
                    tx.addBodyBytes(response, length);
                    remaining = 0;
                    countedBodyEnded();
                }
                else
                {
                    // The hole runs past the end of the body: where the next message starts is unknown.
                    tx.addBodyBytes(response, remaining);
                    completeMessage();
                    stop();
                }
            }
            case BODY_CLOSE ->
            {
                bodyHole();
                tx.addBodyBytes(response, length);
            }
            case PROBE_09 ->
            {
                startHttp09Body();
                bodyHole();
                tx.addBodyBytes(response, length);
            }
            default -> abandon();
        }
    }

    /** The connection ended: a close-delimited body is complete, anything else is delivered as far as it got. */
    void close()
    {
        if (state == STOPPED)
        {
            return;
        }
        if (state == PROBE_09)
        {
            if (line.length() > 0)
            {
                startHttp09Body();
                completeMessage();
            }
            stop();
            return;
        }
        if (state == BODY_CLOSE)
        {
            completeMessage();
            stop();
            return;
        }
        abandon();
    }

    /** Delivers the message in progress as far as it got, marked cut short, and stops this direction. */
    void abandon()
    {
        switch (state)
        {
            case HEADERS ->
            {
                flushPendingHeader();
                tx.markHeadersTruncated(response);
                headersCallback();
                completeMessage();
            }
            case TRAILERS ->
            {
                flushPendingHeader();
                tx.markHeadersTruncated(response);
                completeMessage();
            }
            case BODY_LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, BODY_CLOSE ->
            {
                tx.markBodyIncomplete(response);
                completeMessage();
            }
            default ->
            {
            }
        }
        stop();
    }

    /** Stops parsing this direction without further callbacks. */
    void stop()
    {
        if (state != STOPPED)
        {
            state = STOPPED;
            tx = null;
            parser.directionStopped();
        }
    }

    private int onStart(final byte b, final int position)
    {
        if (response)
        {
            final HttpTransaction next = parser.peekResponseTransaction();
            if (next != null && next.isHttp09())
            {
                // The answer to "GET /" is either a full HTTP/1.x response or the document itself, until close.
                tx = next;
                line.clear();
                messageBytes = 0;
                state = PROBE_09;
                return position;
            }
        }
        if (b == CR || b == LF)
        {
            // RFC 9112 2.2: empty lines before a start line are ignored.
            return position + 1;
        }
        line.clear();
        messageBytes = 0;
        methodBytes = 0;
        state = START_LINE;
        return position;
    }

    private int onProbe09(final byte b, final int position)
    {
        if (HttpBytes.toLower(b) == HTTP_PREFIX.charAt(line.length()))
        {
            line.append(b);
            messageBytes++;
            if (line.length() == HTTP_PREFIX.length())
            {
                state = START_LINE;
            }
            return position + 1;
        }
        startHttp09Body();
        return position;
    }

    private void startHttp09Body()
    {
        listener.responseHeaders(tx);
        decoder.start(BodyDecoder.IDENTITY, 0, 1);
        state = BODY_CLOSE;
        if (line.length() > 0)
        {
            deliverBody(line.array(), 0, line.length());
            line.clear();
        }
    }

    private int onStartLine(final byte[] data, final int position, final int end)
    {
        final byte b = data[position];
        if (!response && methodBytes >= 0)
        {
            // Judge the method a byte at a time so that a binary protocol is recognised within 33 bytes.
            if (b == SP && methodBytes > 0)
            {
                methodBytes = -1;
            }
            else if (HttpBytes.isTchar(b) && methodBytes < MAX_METHOD_BYTES)
            {
                methodBytes++;
            }
            else
            {
                return badRequestLine(position);
            }
            return appendStartLine(data, position, position + 1);
        }
        if (response && line.length() < HTTP_PREFIX.length())
        {
            if (HttpBytes.toLower(b) != HTTP_PREFIX.charAt(line.length()))
            {
                parser.anomaly(HttpAnomaly.RESPONSE_NOT_HTTP);
                stop();
                return position;
            }
            return appendStartLine(data, position, position + 1);
        }
        final int lf = HttpBytes.indexOf(data, position, end, LF);
        return appendStartLine(data, position, lf < 0 ? end : lf + 1);
    }

    private int appendStartLine(final byte[] data, final int from, final int to)
    {
        final int count = to - from;
        if (messageBytes + count > limits.maxHeaderBytes())
        {
            // The start line alone is over budget: there is no transaction to deliver.
            parser.anomaly(HttpAnomaly.HEADER_TOO_LONG);
            stop();
            return to;
        }
        messageBytes += count;
        if (data[to - 1] == LF)
        {
            line.append(data, from, count - 1);
            if (response)
            {
                statusLineComplete();
            }
            else
            {
                requestLineComplete();
            }
        }
        else
        {
            line.append(data, from, count);
        }
        return to;
    }

    private int badRequestLine(final int position)
    {
        if (!confirmed)
        {
            parser.notHttp();
            return position;
        }
        parser.anomaly(HttpAnomaly.BAD_REQUEST_LINE);
        state = SKIP_LINE;
        return position;
    }

    private int onSkipLine(final byte[] data, final int position, final int end)
    {
        final int lf = HttpBytes.indexOf(data, position, end, LF);
        if (lf < 0)
        {
            return end;
        }
        state = START;
        return lf + 1;
    }

    /**
     * request-line = method SP request-target SP HTTP-version (RFC 9112 3). Tolerated like libhtp: several blanks,
     * blanks inside the target (the version is what follows the last blank), and "GET target" with no version as
     * HTTP/0.9. Any other method without a version is not a request line.
     */
    private void requestLineComplete()
    {
        final byte[] bytes = line.array();
        final int lineLength = line.length() > 0 && bytes[line.length() - 1] == CR ? line.length() - 1 : line.length();
        final int end = HttpBytes.trimEnd(bytes, 0, lineLength);
        final int methodEnd = HttpBytes.indexOf(bytes, 0, end, SP);
        if (methodEnd <= 0)
        {
            badRequestLineEnded();
            return;
        }
        int targetStart = methodEnd;
        while (targetStart < end && HttpBytes.isBlank(bytes[targetStart]))
        {
            targetStart++;
        }
        if (targetStart == end)
        {
            badRequestLineEnded();
            return;
        }
        int lastBlank = end - 1;
        while (lastBlank > targetStart && !HttpBytes.isBlank(bytes[lastBlank]))
        {
            lastBlank--;
        }
        final boolean http09;
        int targetEnd;
        if (lastBlank > targetStart && HttpBytes.startsWithIgnoreCase(bytes, lastBlank + 1, end, HTTP_PREFIX))
        {
            http09 = false;
            targetEnd = lastBlank;
            while (targetEnd > targetStart && HttpBytes.isBlank(bytes[targetEnd - 1]))
            {
                targetEnd--;
            }
        }
        else if (methodEnd == 3 && bytes[0] == 'G' && bytes[1] == 'E' && bytes[2] == 'T')
        {
            http09 = true;
            targetEnd = end;
        }
        else
        {
            badRequestLineEnded();
            return;
        }

        tx = parser.openRequestTransaction();
        if (tx == null)
        {
            stop();
            return;
        }
        confirmed = true;
        tx.method().set(bytes, 0, methodEnd);
        tx.rawUri().set(bytes, targetStart, targetEnd - targetStart);
        tx.requestLine().set(bytes, 0, lineLength);
        UriNormalizer.normalize(bytes, targetStart, targetEnd, tx.uri(), tx.host());
        if (http09)
        {
            tx.markHttp09();
            listener.requestHeaders(tx);
            completeMessage();
            return;
        }
        tx.protocol().set(bytes, lastBlank + 1, end - lastBlank - 1);
        beginHeaders(tx.rawRequestHeaders(), tx.requestHeaders());
    }

    private void badRequestLineEnded()
    {
        if (!confirmed)
        {
            parser.notHttp();
            return;
        }
        parser.anomaly(HttpAnomaly.BAD_REQUEST_LINE);
        state = START;
    }

    /** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4). */
    private void statusLineComplete()
    {
        tx = parser.openResponseTransaction();
        if (tx == null)
        {
            stop();
            return;
        }
        final byte[] bytes = line.array();
        final int lineLength = line.length() > 0 && bytes[line.length() - 1] == CR ? line.length() - 1 : line.length();
        final int end = HttpBytes.trimEnd(bytes, 0, lineLength);
        int protocolEnd = 0;
        while (protocolEnd < end && !HttpBytes.isBlank(bytes[protocolEnd]))
        {
            protocolEnd++;
        }
        int codeStart = protocolEnd;
        while (codeStart < end && HttpBytes.isBlank(bytes[codeStart]))
        {
            codeStart++;
        }
        int codeEnd = codeStart;
        while (codeEnd < end && !HttpBytes.isBlank(bytes[codeEnd]))
        {
            codeEnd++;
        }
        int messageStart = codeEnd;
        while (messageStart < end && HttpBytes.isBlank(bytes[messageStart]))
        {
            messageStart++;
        }

        tx.clearResponse();
        tx.responseLine().set(bytes, 0, lineLength);
        tx.responseProtocol().set(bytes, 0, protocolEnd);
        tx.statusCode().set(bytes, codeStart, codeEnd - codeStart);
        tx.statusMessage().set(bytes, messageStart, end - messageStart);
        int code = -1;
        if (codeEnd - codeStart == 3)
        {
            code = 0;
            for (int i = codeStart; i < codeEnd; i++)
            {
                final int digit = bytes[i] - '0';
                if (digit < 0 || digit > 9)
                {
                    code = -1;
                    break;
                }
                code = code * 10 + digit;
            }
        }
        if (code < 0)
        {
            parser.anomaly(HttpAnomaly.BAD_STATUS_CODE);
        }
        tx.statusCodeValue(code);
        beginHeaders(tx.rawResponseHeaders(), tx.responseHeaders());
    }

    private void beginHeaders(final HttpBuffer rawHeaders, final HttpBuffer normalizedHeaders)
    {
        raw = rawHeaders;
        normalized = normalizedHeaders;
        inTrailers = false;
        lineStart = raw.length();
        pendingStart = -1;
        contentLength = -1;
        contentLengthInvalid = false;
        transferEncoding = false;
        chunked = false;
        contentCodingHeaders = 0;
        contentCoding = BodyDecoder.IDENTITY;
        hostSeen = false;
        state = HEADERS;
    }

    private void beginTrailers()
    {
        line.clear();
        raw = line;
        normalized = response ? tx.responseHeaders() : tx.requestHeaders();
        inTrailers = true;
        lineStart = 0;
        pendingStart = -1;
        messageBytes = 0;
        state = TRAILERS;
    }

    private int onHeaderBytes(final byte[] data, final int position, final int end)
    {
        final int lf = HttpBytes.indexOf(data, position, end, LF);
        final int segmentEnd = lf < 0 ? end : lf + 1;
        final int count = segmentEnd - position;
        final int allowed = limits.maxHeaderBytes() - messageBytes;
        if (count > allowed)
        {
            raw.append(data, position, allowed);
            messageBytes += allowed;
            headerBlockTooLong();
            return segmentEnd;
        }
        raw.append(data, position, count);
        messageBytes += count;
        if (lf >= 0)
        {
            headerLineComplete();
        }
        return segmentEnd;
    }

    /**
     * A header line ended. A field is emitted when the next line shows it is not folded (obs-fold, RFC 9112 5.2: a
     * line starting with SP or HT continues the previous field).
     */
    private void headerLineComplete()
    {
        final byte[] bytes = raw.array();
        final int lineEnd = raw.length();
        int contentEnd = lineEnd - 1;
        if (contentEnd > lineStart && bytes[contentEnd - 1] == CR)
        {
            contentEnd--;
        }
        if (contentEnd == lineStart)
        {
            flushPendingHeader();
            lineStart = lineEnd;
            headerBlockComplete();
            return;
        }
        if (HttpBytes.isBlank(bytes[lineStart]) && pendingStart >= 0)
        {
            pendingEnd = lineEnd;
        }
        else
        {
            flushPendingHeader();
            pendingStart = lineStart;
            pendingEnd = lineEnd;
        }
        lineStart = lineEnd;
    }

    private void flushPendingHeader()
    {
        if (pendingStart >= 0)
        {
            final int start = pendingStart;
            pendingStart = -1;
            emitHeader(start, pendingEnd);
        }
    }

    /** Appends "Name: value\r\n" for the field in {@code raw[start, end)} (one line or a folded run of them). */
    private void emitHeader(final int start, final int end)
    {
        final byte[] bytes = raw.array();
        int firstLineEnd = HttpBytes.indexOf(bytes, start, end, LF);
        if (firstLineEnd < 0)
        {
            firstLineEnd = end;
        }
        final int colon = HttpBytes.indexOf(bytes, start, firstLineEnd, (byte)':');
        final int nameStart;
        final int nameEnd;
        final int valueFrom;
        if (colon < 0)
        {
            // libhtp keeps such a line as a field with an empty name so that its bytes are still inspected.
            parser.anomaly(HttpAnomaly.INVALID_HEADER_LINE);
            nameStart = start;
            nameEnd = start;
            valueFrom = start;
        }
        else
        {
            nameStart = HttpBytes.skipSpace(bytes, start, colon);
            nameEnd = HttpBytes.trimEnd(bytes, nameStart, colon);
            valueFrom = colon + 1;
        }

        final HttpBuffer out = normalized;
        out.append(bytes, nameStart, nameEnd - nameStart);
        out.append((byte)':');
        out.append(SP);
        final int valueStart = out.length();
        int piece = valueFrom;
        while (piece < end)
        {
            final int lf = HttpBytes.indexOf(bytes, piece, end, LF);
            final int pieceEnd = lf < 0 ? end : lf;
            final int from = HttpBytes.skipSpace(bytes, piece, pieceEnd);
            final int to = HttpBytes.trimEnd(bytes, from, pieceEnd);
            if (to > from)
            {
                if (out.length() > valueStart)
                {
                    out.append(SP);
                }
                out.append(bytes, from, to - from);
            }
            piece = pieceEnd + 1;
        }
        final int valueEnd = out.length();
        out.append(CR);
        out.append(LF);
        if (!inTrailers)
        {
            // Framing fields in trailers are ignored (RFC 9110 6.5.1).
            onField(bytes, nameStart, nameEnd, out.array(), valueStart, valueEnd);
        }
    }

    private void onField(final byte[] name, final int nameStart, final int nameEnd, final byte[] value,
        final int valueStart, final int valueEnd)
    {
        if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "content-length"))
        {
            final long length = HttpBytes.parseContentLength(value, valueStart, valueEnd);
            if (length < 0 || (contentLength >= 0 && contentLength != length))
            {
                contentLengthInvalid = true;
            }
            else
            {
                contentLength = length;
            }
        }
        else if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "transfer-encoding"))
        {
            transferEncoding = true;
            chunked = HttpBytes.lastCodingIsChunked(value, valueStart, valueEnd);
        }
        else if (response)
        {
            if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "content-encoding"))
            {
                contentCodingHeaders++;
                contentCoding = contentCoding(value, valueStart, valueEnd);
            }
            else if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "set-cookie"))
            {
                appendJoined(tx.responseCookie(), value, valueStart, valueEnd);
            }
        }
        else if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "host"))
        {
            if (!hostSeen)
            {
                hostSeen = true;
                tx.rawHost().set(value, valueStart, valueEnd - valueStart);
                UriNormalizer.normalizeHost(value, valueStart, valueEnd, false, tx.host());
            }
        }
        else if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "cookie"))
        {
            appendJoined(tx.requestCookie(), value, valueStart, valueEnd);
        }
        else if (HttpBytes.equalsIgnoreCase(name, nameStart, nameEnd, "user-agent"))
        {
            appendJoined(tx.userAgent(), value, valueStart, valueEnd);
        }
    }

    /** Several fields of one name are one list (RFC 9110 5.3), as libhtp combines them. */
    private static void appendJoined(final HttpBuffer target, final byte[] value, final int from, final int to)
    {
        if (!target.isEmpty())
        {
            target.appendAscii(", ");
        }
        target.append(value, from, to - from);
    }

    /** Only a single gzip or deflate coding is decoded; stacked codings are left as they are. */
    private static int contentCoding(final byte[] value, final int from, final int to)
    {
        if (HttpBytes.equalsIgnoreCase(value, from, to, "gzip") ||
            HttpBytes.equalsIgnoreCase(value, from, to, "x-gzip"))
        {
            return BodyDecoder.GZIP;
        }
        if (HttpBytes.equalsIgnoreCase(value, from, to, "deflate"))
        {
            return BodyDecoder.DEFLATE;
        }
        return BodyDecoder.IDENTITY;
    }

    private void headerBlockTooLong()
    {
        parser.anomaly(HttpAnomaly.HEADER_TOO_LONG);
        if (inTrailers)
        {
            flushPendingHeader();
            tx.markHeadersTruncated(response);
            completeMessage();
            stop();
            return;
        }
        // The message's framing may be in the part not seen: deliver what was parsed, then stop.
        abandon();
    }

    private void headerBlockComplete()
    {
        if (inTrailers)
        {
            completeMessage();
            return;
        }
        if (response)
        {
            responseHeadersComplete();
        }
        else
        {
            listener.requestHeaders(tx);
            if (tx.method().contentEquals("PRI") && tx.protocol().contentEquals("HTTP/2.0"))
            {
                // The HTTP/2 connection preface (RFC 9113 3.4): frames follow in both directions, not HTTP/1.x.
                completeMessage();
                parser.tunnel();
                return;
            }
            startBody(framing());
        }
    }

    /** RFC 9112 6.3, for a request or for a response that may have a body. */
    private int framing()
    {
        if (transferEncoding)
        {
            if (contentLength >= 0 || contentLengthInvalid)
            {
                parser.anomaly(HttpAnomaly.CONFLICTING_LENGTH);
            }
            // Item 4: chunked must be the final coding; otherwise the body runs to the close.
            return chunked ? FRAMING_CHUNKED : FRAMING_CLOSE;
        }
        if (contentLengthInvalid)
        {
            // Item 5 makes this an unrecoverable error; to the close shows every byte as body, none as a request.
            parser.anomaly(HttpAnomaly.BAD_CONTENT_LENGTH);
            return FRAMING_CLOSE;
        }
        if (contentLength > 0)
        {
            return FRAMING_LENGTH;
        }
        if (contentLength == 0)
        {
            return FRAMING_NONE;
        }
        // Items 6 and 7: a request without framing has no body; a response runs to the close.
        return response ? FRAMING_CLOSE : FRAMING_NONE;
    }

    private void responseHeadersComplete()
    {
        final int status = tx.statusCodeValue();
        if (status >= 100 && status <= 199 && status != 101)
        {
            // Interim response (RFC 9110 15.2): the final one for the same request follows.
            tx.clearResponse();
            state = START;
            return;
        }
        listener.responseHeaders(tx);
        final boolean connect = tx.method().contentEquals("CONNECT");
        if (status == 101 || (connect && status >= 200 && status <= 299))
        {
            // Switching protocols or a tunnel: what follows in both directions is not HTTP.
            completeMessage();
            parser.tunnel();
            return;
        }
        if (tx.method().contentEquals("HEAD") || status == 204 || status == 304)
        {
            completeMessage();
            return;
        }
        final int framing = framing();
        if (framing != FRAMING_NONE && contentCodingHeaders == 1 && contentCoding != BodyDecoder.IDENTITY)
        {
            decoder.start(contentCoding, limits.decodedBodyLimitBytes(), limits.maxDecompressionRatio());
            tx.markResponseDecoded();
        }
        else
        {
            decoder.start(BodyDecoder.IDENTITY, 0, 1);
        }
        startBody(framing);
    }

    private void startBody(final int framing)
    {
        switch (framing)
        {
            case FRAMING_LENGTH ->
            {
                remaining = contentLength;
                state = BODY_LENGTH;
            }
            case FRAMING_CHUNKED ->
            {
                resetChunkLine();
                state = CHUNK_SIZE;
            }
            case FRAMING_CLOSE -> state = BODY_CLOSE;
            default -> completeMessage();
        }
    }

    private int onCountedBody(final byte[] data, final int position, final int end)
    {
        final int count = (int)Math.min(remaining, end - position);
        deliverBody(data, position, count);
        remaining -= count;
        if (remaining == 0)
        {
            countedBodyEnded();
        }
        return position + count;
    }

    private void countedBodyEnded()
    {
        if (state == BODY_LENGTH)
        {
            completeMessage();
        }
        else
        {
            sawCr = false;
            state = CHUNK_DATA_END;
        }
    }

    private int onCloseDelimitedBody(final byte[] data, final int position, final int end)
    {
        deliverBody(data, position, end - position);
        return end;
    }

    private void resetChunkLine()
    {
        chunkSize = 0;
        chunkDigits = false;
        chunkSizeEnded = false;
        chunkExtension = false;
        chunkLineBytes = 0;
    }

    /** chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1), blanks around the size tolerated, extensions ignored. */
    private int onChunkSize(final byte[] data, final int position, final int end)
    {
        int i = position;
        while (i < end)
        {
            final byte b = data[i++];
            if (++chunkLineBytes > limits.maxHeaderBytes())
            {
                badChunk();
                return i;
            }
            if (b == LF)
            {
                if (!chunkDigits)
                {
                    badChunk();
                }
                else if (chunkSize == 0)
                {
                    beginTrailers();
                }
                else
                {
                    remaining = chunkSize;
                    state = CHUNK_DATA;
                }
                return i;
            }
            if (chunkExtension)
            {
                continue;
            }
            final int hex = HttpBytes.hexValue(b);
            if (hex >= 0)
            {
                if (chunkSizeEnded || (chunkSize >>> 59) != 0)
                {
                    badChunk();
                    return i;
                }
                chunkSize = chunkSize << 4 | hex;
                chunkDigits = true;
            }
            else if (b == ';' && chunkDigits)
            {
                chunkExtension = true;
            }
            else if (HttpBytes.isBlank(b) || b == CR)
            {
                chunkSizeEnded = chunkDigits;
            }
            else
            {
                badChunk();
                return i;
            }
        }
        return i;
    }

    private int onChunkDataEnd(final byte b, final int position)
    {
        if (b == CR && !sawCr)
        {
            sawCr = true;
        }
        else if (b == LF)
        {
            resetChunkLine();
            state = CHUNK_SIZE;
        }
        else
        {
            badChunk();
        }
        return position + 1;
    }

    private void badChunk()
    {
        parser.anomaly(HttpAnomaly.BAD_CHUNK_SIZE);
        tx.markBodyIncomplete(response);
        completeMessage();
        stop();
    }

    private void bodyHole()
    {
        tx.markBodyIncomplete(response);
        if (response)
        {
            decoder.interrupt();
        }
    }

    private void deliverBody(final byte[] data, final int from, final int count)
    {
        tx.addBodyBytes(response, count);
        if (response && tx.responseBodyDecoded())
        {
            if (decoder.isDecoding())
            {
                decoded(decoder.decode(data, from, count, tx.responseBody()));
            }
            // Once decoding stopped the rest is compressed bytes, which no content match is written for.
            return;
        }
        final HttpBuffer body = response ? tx.responseBody() : tx.requestBody();
        final int limit = response ? limits.responseBodyLimitBytes() : limits.requestBodyLimitBytes();
        final int room = limit - body.length();
        if (count <= room)
        {
            body.append(data, from, count);
        }
        else
        {
            body.append(data, from, room);
            truncated();
        }
    }

    private void decoded(final int result)
    {
        switch (result)
        {
            case BodyDecoder.RESULT_ERROR ->
            {
                parser.anomaly(HttpAnomaly.DECOMPRESSION_ERROR);
                tx.markDecodingFailed();
            }
            case BodyDecoder.RESULT_RATIO ->
            {
                parser.anomaly(HttpAnomaly.DECOMPRESSION_RATIO);
                tx.markDecodingFailed();
            }
            case BodyDecoder.RESULT_TRUNCATED -> truncated();
            default ->
            {
            }
        }
    }

    private void truncated()
    {
        if (tx.markBodyTruncated(response))
        {
            parser.anomaly(response ? HttpAnomaly.RESPONSE_BODY_TRUNCATED : HttpAnomaly.REQUEST_BODY_TRUNCATED);
        }
    }

    private void headersCallback()
    {
        if (response)
        {
            listener.responseHeaders(tx);
        }
        else
        {
            listener.requestHeaders(tx);
        }
    }

    private void completeMessage()
    {
        final HttpTransaction done = tx;
        tx = null;
        state = START;
        if (response)
        {
            listener.responseComplete(done);
            parser.responseFinished(done);
        }
        else
        {
            listener.requestComplete(done);
            parser.requestFinished(done);
        }
    }
}
