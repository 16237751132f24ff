package dev.palisade.dpi.http;

import java.util.Arrays;

/**
 * An incremental HTTP/1.x parser for inspection, in the manner of libhtp under Suricata: it is fed the two reassembled,
 * in-order byte streams of one TCP connection in pieces of any size, and fills {@link HttpTransaction}s whose buffers
 * detection rules inspect, telling an {@link HttpListener} as each part becomes final. Feeding one byte at a time gives
 * the same transactions as feeding everything at once.
 * <p>
 * Framing follows RFC 9112 6.3: Content-Length, chunked (extensions ignored, trailers appended to the header buffer),
 * no body for HEAD, 1xx, 204 and 304, interim 1xx responses skipped, bodies to the close for responses without
 * framing (and for messages whose framing is invalid), none for requests without it. Requests are paired with
 * responses in order, so pipelining works up to {@link HttpLimits#maxPendingTransactions()} transactions in flight.
 * After {@code 101 Switching Protocols}, a successful CONNECT or the HTTP/2 preface ({@code PRI * HTTP/2.0}), both
 * directions stop: what follows is not HTTP/1.x.
 * <p>
 * Resynchronisation, deliberately conservative (a parser that guesses can be steered by the peer):
 * <ul>
 *     <li>The client's first line must start with a token of at most 32 bytes and a space; otherwise the flow is not
 *     HTTP ({@link #isHttp()} false) and everything is ignored. A later line that is not a request line is skipped to
 *     its line feed ({@link HttpAnomaly#BAD_REQUEST_LINE}); a request without framing has no body, so the next line
 *     is where the next request would start.</li>
 *     <li>A header block over {@link HttpLimits#maxHeaderBytes()}: the transaction is delivered with what was parsed
 *     (marked {@link HttpTransaction#requestHeadersTruncated()}), and that direction stops, since the framing fields
 *     may be in the part not kept.</li>
 *     <li>A gap inside a body whose end is known (Content-Length, inside a chunk, or a body running to the close) skips
 *     those bytes and marks the body incomplete. A gap anywhere else (headers, a chunk-size line, between messages, or
 *     running past the end of the body) delivers the message as far as it got and stops that direction.</li>
 *     <li>A bad chunk-size line, a server stream that does not start with {@code HTTP/}, or too many transactions in
 *     flight stop that direction.</li>
 * </ul>
 * The other direction carries on when one stops. Nothing here throws on any input; what went wrong is counted per
 * {@link HttpAnomaly}.
 * <p>
 * Memory: buffers are allocated on first use and reused; the largest a parser can hold is bounded by its limits
 * (per live transaction roughly 3 × {@code maxHeaderBytes} per direction, raw plus normalised, and the two body
 * limits). {@link #reset()} frees buffers that grew past 2 KiB and the inflaters, so a pooled idle parser holds a few
 * kilobytes. Steady-state parsing, gzip included, allocates nothing. Not thread-safe: one per flow, used by the
 * flow's worker.
 */
public final class HttpParser
{
    private final HttpLimits limits;
    private final DirectionParser requests;
    private final DirectionParser responses;
    /** Live transactions, oldest at {@code firstIndex}; slots are allocated on first use and reused. */
    private final HttpTransaction[] ring;
    private final long[] anomalies = new long[HttpAnomaly.COUNT];
    private long firstIndex;
    private int alive;
    private long nextResponseIndex;
    private boolean notHttp;
    private boolean closed;

    public HttpParser(final HttpLimits limits, final HttpListener listener)
    {
        this.limits = limits;
        this.ring = new HttpTransaction[limits.maxPendingTransactions()];
        this.requests = new DirectionParser(this, listener, limits, false);
        this.responses = new DirectionParser(this, listener, limits, true);
    }

    /** Bytes the client sent, in order. */
    public void toServer(final byte[] data, final int offset, final int length)
    {
        if (!closed && length > 0)
        {
            requests.feed(data, offset, length);
        }
    }

    /** Bytes the server sent, in order. */
    public void toClient(final byte[] data, final int offset, final int length)
    {
        if (!closed && length > 0)
        {
            responses.feed(data, offset, length);
        }
    }

    /** {@code length} bytes of one direction were lost; see the class comment for what follows. */
    public void gap(final boolean toServer, final long length)
    {
        if (!closed)
        {
            (toServer ? requests : responses).gap(length);
        }
    }

    /**
     * The connection ended (FIN, RST or timeout): bodies delimited by the close are complete, messages in progress are
     * delivered as far as they got (marked incomplete), and further input is ignored until {@link #reset()}.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        requests.close();
        responses.close();
        closed = true;
        // No callback can come any more: whatever was waiting for a response is let go.
        firstIndex += alive;
        nextResponseIndex = firstIndex;
        alive = 0;
    }

    /** @return false once the client's stream was seen not to be HTTP; the flow is then ignored. */
    public boolean isHttp()
    {
        return !notHttp;
    }

    /** @return true when parsing in that direction has stopped (see the class comment). */
    public boolean isStopped(final boolean toServer)
    {
        return (toServer ? requests : responses).isStopped();
    }

    /** @return how many times {@code anomaly} happened on this flow. */
    public long anomalyCount(final HttpAnomaly anomaly)
    {
        return anomalies[anomaly.id()];
    }

    /** @return transactions started and not yet released (their responses or bodies still due). */
    public int pendingTransactions()
    {
        return alive;
    }

    public HttpLimits limits()
    {
        return limits;
    }

    /** Makes the parser ready for another flow, keeping small buffers and freeing large ones and the inflaters. */
    public void reset()
    {
        requests.reset();
        responses.reset();
        for (final HttpTransaction tx : ring)
        {
            if (tx != null)
            {
                tx.release();
            }
        }
        Arrays.fill(anomalies, 0);
        firstIndex = 0;
        alive = 0;
        nextResponseIndex = 0;
        notHttp = false;
        closed = false;
    }

    /** @return bytes of buffer capacity held by this parser's transactions (for tests bounding memory). */
    long capacityBytes()
    {
        long total = 0;
        for (final HttpTransaction tx : ring)
        {
            if (tx != null)
            {
                total += tx.capacityBytes();
            }
        }
        return total;
    }

    void anomaly(final HttpAnomaly anomaly)
    {
        anomalies[anomaly.id()]++;
    }

    /** The request side needs a transaction for a request line it just read; null when too many are in flight. */
    HttpTransaction openRequestTransaction()
    {
        return append();
    }

    /** @return the transaction the next response pairs with, or null when no request is waiting for one. */
    HttpTransaction peekResponseTransaction()
    {
        if (nextResponseIndex < firstIndex + alive)
        {
            return slot(nextResponseIndex);
        }
        return null;
    }

    /**
     * The response side read a status line: it pairs with the oldest request without a response, or, when there is
     * none, gets a transaction of its own without a request (libhtp does the same).
     */
    HttpTransaction openResponseTransaction()
    {
        final HttpTransaction waiting = peekResponseTransaction();
        if (waiting != null)
        {
            return waiting;
        }
        final HttpTransaction tx = append();
        if (tx != null)
        {
            anomaly(HttpAnomaly.UNMATCHED_RESPONSE);
            tx.markNoRequest();
            tx.requestDone = true;
        }
        return tx;
    }

    void requestFinished(final HttpTransaction tx)
    {
        tx.requestDone = true;
        releaseDone();
    }

    void responseFinished(final HttpTransaction tx)
    {
        tx.responseDone = true;
        nextResponseIndex = tx.index() + 1;
        releaseDone();
    }

    /** A direction stopped: when it is the server's, transactions no longer wait for responses that cannot come. */
    void directionStopped()
    {
        releaseDone();
    }

    /** The client's stream is not HTTP: ignore the whole flow. */
    void notHttp()
    {
        if (!notHttp)
        {
            notHttp = true;
            anomaly(HttpAnomaly.NOT_HTTP);
        }
        requests.stop();
        responses.stop();
    }

    /** After 101 or a successful CONNECT the connection carries another protocol. */
    void tunnel()
    {
        requests.abandon();
        responses.stop();
    }

    private HttpTransaction append()
    {
        if (alive == ring.length)
        {
            anomaly(HttpAnomaly.TOO_MANY_PENDING);
            return null;
        }
        final long index = firstIndex + alive;
        final int position = (int)(index % ring.length);
        HttpTransaction tx = ring[position];
        if (tx == null)
        {
            tx = new HttpTransaction();
            ring[position] = tx;
        }
        tx.begin(index);
        alive++;
        return tx;
    }

    private HttpTransaction slot(final long index)
    {
        return ring[(int)(index % ring.length)];
    }

    /** Frees transactions from the oldest while both halves are done (or can no longer come). */
    private void releaseDone()
    {
        final boolean responsesStopped = responses != null && responses.isStopped();
        while (alive > 0)
        {
            final HttpTransaction oldest = slot(firstIndex);
            if (!oldest.requestDone || !(oldest.responseDone || responsesStopped))
            {
                return;
            }
            firstIndex++;
            alive--;
            if (nextResponseIndex < firstIndex)
            {
                nextResponseIndex = firstIndex;
            }
        }
    }
}
