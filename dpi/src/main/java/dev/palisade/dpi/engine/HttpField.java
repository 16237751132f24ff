package dev.palisade.dpi.engine;

/**
 * The HTTP buffers a compiled rule can inspect, each tied to the point of a transaction at which it is complete. A
 * rule's header-type buffers ({@code http.header}, {@code http.cookie}, {@code http.header.raw}) mean the request's or
 * the response's depending on the rule's direction, as in Suricata, so they are split here.
 */
enum HttpField
{
    METHOD(HttpField.STAGE_REQUEST_HEADERS),
    URI(HttpField.STAGE_REQUEST_HEADERS),
    RAW_URI(HttpField.STAGE_REQUEST_HEADERS),
    REQUEST_HEADER(HttpField.STAGE_REQUEST_HEADERS),
    REQUEST_RAW_HEADER(HttpField.STAGE_REQUEST_HEADERS),
    REQUEST_COOKIE(HttpField.STAGE_REQUEST_HEADERS),
    USER_AGENT(HttpField.STAGE_REQUEST_HEADERS),
    HOST(HttpField.STAGE_REQUEST_HEADERS),
    REQUEST_BODY(HttpField.STAGE_REQUEST_BODY),
    STAT_CODE(HttpField.STAGE_RESPONSE_HEADERS),
    STAT_MSG(HttpField.STAGE_RESPONSE_HEADERS),
    RESPONSE_HEADER(HttpField.STAGE_RESPONSE_HEADERS),
    RESPONSE_RAW_HEADER(HttpField.STAGE_RESPONSE_HEADERS),
    RESPONSE_COOKIE(HttpField.STAGE_RESPONSE_HEADERS),
    RESPONSE_BODY(HttpField.STAGE_RESPONSE_BODY);

    static final int STAGE_REQUEST_HEADERS = 1;
    static final int STAGE_REQUEST_BODY = 2;
    static final int STAGE_RESPONSE_HEADERS = 3;
    static final int STAGE_RESPONSE_BODY = 4;
    static final int STAGES = 5;

    static final HttpField[] VALUES = values();

    /** When in a transaction this buffer is complete. */
    final int stage;

    HttpField(final int stage)
    {
        this.stage = stage;
    }

    /** @return true when this field is known once the transaction reached {@code stage}. */
    boolean availableAt(final int reached)
    {
        return stage <= reached;
    }
}
