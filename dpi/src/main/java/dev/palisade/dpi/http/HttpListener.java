package dev.palisade.dpi.http;

/**
 * Told by an {@link HttpParser}, on the thread feeding it, when a transaction's buffers are ready to inspect. For each
 * transaction with a request the order is {@code requestHeaders} then {@code requestComplete}; with a response,
 * {@code responseHeaders} then {@code responseComplete}; the two halves interleave as the two streams are fed.
 * <p>
 * The transaction is reused for a later one once both halves are complete: copy what must outlive the callbacks.
 * Callbacks must not feed the parser that calls them.
 */
public interface HttpListener
{
    /** The request line and headers are complete ({@code http.uri}, {@code http.header}... are final). */
    void requestHeaders(HttpTransaction tx);

    /** The request body is complete, empty when there is none; the request buffers are final. */
    void requestComplete(HttpTransaction tx);

    /** The status line and headers of the final (not 1xx) response are complete. */
    void responseHeaders(HttpTransaction tx);

    /** The response body is complete ({@code file_data} is final), empty when there is none. */
    void responseComplete(HttpTransaction tx);
}
