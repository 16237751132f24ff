package dev.palisade.dpi.engine;

import dev.palisade.dpi.http.HttpBuffer;
import dev.palisade.dpi.http.HttpLimits;
import dev.palisade.dpi.http.HttpListener;
import dev.palisade.dpi.http.HttpParser;
import dev.palisade.dpi.http.HttpTransaction;

/**
 * A flow's HTTP side: the parser over its two reassembled streams, and per transaction the rules whose prefilter
 * pattern was found in an early buffer but which need a later one (a URI pattern in a rule that also looks at the
 * response body). Each rule is evaluated once per transaction, at the stage where all its buffers are complete.
 */
final class HttpInspection implements HttpListener
{
    /** Transactions in flight per flow whose pending candidates are remembered (pipelining depth). */
    private static final int SLOTS = 64;

    private final HttpParser parser;
    private final Inspector inspector;
    private FlowInspection flow;
    private final long[] slotTx = new long[SLOTS];
    private final int[][] slotRules = new int[SLOTS][];
    private final int[] slotCounts = new int[SLOTS];
    private long generation = -1;

    HttpInspection(final HttpLimits limits, final Inspector inspector)
    {
        this.parser = new HttpParser(limits, this);
        this.inspector = inspector;
        java.util.Arrays.fill(slotTx, -1);
    }

    HttpParser parser()
    {
        return parser;
    }

    void attach(final FlowInspection flow)
    {
        this.flow = flow;
    }

    void reset()
    {
        parser.reset();
        java.util.Arrays.fill(slotTx, -1);
        java.util.Arrays.fill(slotCounts, 0);
    }

    /** Rules remembered for a later stage of {@code tx}; valid until the next call. */
    int pendingCount(final HttpTransaction tx, final long ruleGeneration)
    {
        if (ruleGeneration != generation)
        {
            // Rule indices of another rule set mean nothing: forget them.
            java.util.Arrays.fill(slotTx, -1);
            generation = ruleGeneration;
            return 0;
        }
        final int slot = (int)(tx.index() & (SLOTS - 1));
        return slotTx[slot] == tx.index() ? slotCounts[slot] : 0;
    }

    int[] pendingRules(final HttpTransaction tx)
    {
        return slotRules[(int)(tx.index() & (SLOTS - 1))];
    }

    void remember(final HttpTransaction tx, final int rule)
    {
        final int slot = (int)(tx.index() & (SLOTS - 1));
        if (slotTx[slot] != tx.index())
        {
            slotTx[slot] = tx.index();
            slotCounts[slot] = 0;
        }
        int[] rules = slotRules[slot];
        if (rules == null)
        {
            rules = slotRules[slot] = new int[8];
        }
        if (slotCounts[slot] == rules.length)
        {
            rules = slotRules[slot] = java.util.Arrays.copyOf(rules, rules.length * 2);
        }
        rules[slotCounts[slot]++] = rule;
    }

    @Override
    public void requestHeaders(final HttpTransaction tx)
    {
        inspector.httpStage(flow, tx, HttpField.STAGE_REQUEST_HEADERS);
    }

    @Override
    public void requestComplete(final HttpTransaction tx)
    {
        inspector.httpStage(flow, tx, HttpField.STAGE_REQUEST_BODY);
    }

    @Override
    public void responseHeaders(final HttpTransaction tx)
    {
        inspector.httpStage(flow, tx, HttpField.STAGE_RESPONSE_HEADERS);
    }

    @Override
    public void responseComplete(final HttpTransaction tx)
    {
        inspector.httpStage(flow, tx, HttpField.STAGE_RESPONSE_BODY);
    }

    static HttpBuffer field(final HttpTransaction tx, final HttpField field)
    {
        return switch (field)
        {
            case METHOD -> tx.method();
            case URI -> tx.uri();
            case RAW_URI -> tx.rawUri();
            case REQUEST_HEADER -> tx.requestHeaders();
            case REQUEST_RAW_HEADER -> tx.rawRequestHeaders();
            case REQUEST_COOKIE -> tx.requestCookie();
            case USER_AGENT -> tx.userAgent();
            case HOST -> tx.host();
            case REQUEST_BODY -> tx.requestBody();
            case STAT_CODE -> tx.statusCode();
            case STAT_MSG -> tx.statusMessage();
            case RESPONSE_HEADER -> tx.responseHeaders();
            case RESPONSE_RAW_HEADER -> tx.rawResponseHeaders();
            case RESPONSE_COOKIE -> tx.responseCookie();
            case RESPONSE_BODY -> tx.responseBody();
        };
    }
}
