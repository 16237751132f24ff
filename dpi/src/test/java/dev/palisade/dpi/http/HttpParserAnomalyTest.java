package dev.palisade.dpi.http;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;

import static dev.palisade.dpi.http.HttpSamples.ascii;
import static dev.palisade.dpi.http.HttpSamples.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Each anomaly has a conversation that raises it exactly once; a new anomaly without one fails
 * {@link #everyAnomalyHasAScenario()}.
 */
class HttpParserAnomalyTest
{
    private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    private static final HttpLimits SMALL = HttpLimits.DEFAULTS.withMaxHeaderBytes(128).withBodyLimits(4, 4)
        .withMaxPendingTransactions(1);

    private static Map<HttpAnomaly, Conversation> scenarios()
    {
        final Map<HttpAnomaly, Conversation> scenarios = new EnumMap<>(HttpAnomaly.class);
        scenarios.put(HttpAnomaly.HEADER_TOO_LONG,
            new Conversation().toServer("GET / HTTP/1.1\r\nX: " + "x".repeat(200) + "\r\n\r\n"));
        scenarios.put(HttpAnomaly.NOT_HTTP, new Conversation().toServer("\u0016\u0003\u0001"));
        scenarios.put(HttpAnomaly.BAD_REQUEST_LINE, new Conversation().toServer(GET + "HELLO\r\n" + GET));
        scenarios.put(HttpAnomaly.RESPONSE_NOT_HTTP, new Conversation().toServer(GET).toClient("220 ftp ready\r\n"));
        scenarios.put(HttpAnomaly.BAD_STATUS_CODE,
            new Conversation().toServer(GET).toClient("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"));
        scenarios.put(HttpAnomaly.INVALID_HEADER_LINE,
            new Conversation().toServer("GET / HTTP/1.1\r\nNoColonHere\r\n\r\n"));
        scenarios.put(HttpAnomaly.BAD_CONTENT_LENGTH,
            new Conversation().toServer("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
        scenarios.put(HttpAnomaly.CONFLICTING_LENGTH, new Conversation()
            .toServer("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"));
        scenarios.put(HttpAnomaly.BAD_CHUNK_SIZE,
            new Conversation().toServer("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        scenarios.put(HttpAnomaly.GAP_IN_REQUEST, new Conversation().toServer(GET).gap(true, 5));
        scenarios.put(HttpAnomaly.GAP_IN_RESPONSE, new Conversation().toServer(GET).gap(false, 5));
        scenarios.put(HttpAnomaly.DECOMPRESSION_ERROR, new Conversation().toServer(GET)
            .toClient(HttpSamples.response("deflate", ascii("\u00ff\u00ff\u00ff\u00ff"))));
        scenarios.put(HttpAnomaly.DECOMPRESSION_RATIO, new Conversation().toServer(GET)
            .toClient(HttpSamples.response("gzip", HttpSamples.gzip(new byte[50_000]))));
        scenarios.put(HttpAnomaly.TOO_MANY_PENDING, new Conversation().toServer(GET + GET));
        scenarios.put(HttpAnomaly.UNMATCHED_RESPONSE,
            new Conversation().toClient("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        scenarios.put(HttpAnomaly.REQUEST_BODY_TRUNCATED,
            new Conversation().toServer("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n12345"));
        scenarios.put(HttpAnomaly.RESPONSE_BODY_TRUNCATED, new Conversation().toServer(GET)
            .toClient(concat(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345"))));
        return scenarios;
    }

    @Test
    void everyAnomalyHasAScenario()
    {
        assertEquals(EnumSet.allOf(HttpAnomaly.class), scenarios().keySet());
    }

    @Test
    void eachScenarioRaisesItsAnomalyOnce()
    {
        for (final Map.Entry<HttpAnomaly, Conversation> scenario : scenarios().entrySet())
        {
            final HttpLimits limits = scenario.getKey() == HttpAnomaly.DECOMPRESSION_RATIO ?
                HttpLimits.DEFAULTS.withMaxDecompressionRatio(8) : SMALL;
            final Conversation.Outcome outcome = scenario.getValue().run(limits, Conversation.WHOLE);
            assertEquals(1, outcome.count(scenario.getKey()), scenario.getKey() + ": " + outcome.describe());
        }
    }

    @Test
    void idsAndLabelsAreStable()
    {
        final HttpAnomaly[] values = HttpAnomaly.values();
        assertEquals(values.length, HttpAnomaly.COUNT);
        for (int i = 0; i < values.length; i++)
        {
            assertSame(values[i], HttpAnomaly.byId(values[i].id()));
            assertEquals(values[i].name().toLowerCase(java.util.Locale.ROOT), values[i].label());
        }
        assertEquals(0, HttpAnomaly.HEADER_TOO_LONG.id());
        assertEquals(16, HttpAnomaly.RESPONSE_BODY_TRUNCATED.id());
        assertNull(HttpAnomaly.byId(-1));
        assertNull(HttpAnomaly.byId(values.length));
    }
}
