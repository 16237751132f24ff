package dev.palisade.dpi.http;

import dev.palisade.dpi.http.RecordingListener.Event;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bounds (header budget, body limits, pipelining depth), gaps, and telling HTTP from anything else. */
class HttpParserLimitsTest
{
    private static final HttpLimits SMALL = HttpLimits.DEFAULTS.withMaxHeaderBytes(256).withBodyLimits(10, 20);

    @Test
    void headerBlockOverTheBudgetIsDeliveredTruncatedAndStopsThatDirection()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(SMALL, new Conversation()
            .toServer("GET /evil HTTP/1.1\r\nHost: h\r\nX-Pad: " + "p".repeat(300) + "\r\nContent-Length: 4\r\n\r\n" +
                "GET /next HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertEquals(1, outcome.count(HttpAnomaly.HEADER_TOO_LONG));
        final Event request = outcome.recorder().only("requestHeaders");
        assertTrue(request.flag("requestHeadersTruncated"));
        assertEquals("/evil", request.get("uri"), "what was parsed is still inspected");
        assertEquals("Host: h\r\n", request.get("requestHeaders"));
        assertEquals(256 - "GET /evil HTTP/1.1\r\n".length(), request.get("rawRequestHeaders").length(),
            "raw headers hold exactly the budget");
        assertTrue(outcome.parser().isStopped(true));
        assertFalse(outcome.parser().isStopped(false), "the other direction carries on");
        assertEquals("ok", outcome.recorder().only("responseComplete").get("responseBody"));
    }

    @Test
    void startLineOverTheBudgetIsDropped()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(SMALL, new Conversation()
            .toServer("GET /" + "a".repeat(300) + " HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 " + "b".repeat(300) + "\r\n\r\n"));

        assertTrue(outcome.recorder().events().isEmpty());
        assertEquals(2, outcome.count(HttpAnomaly.HEADER_TOO_LONG));
        assertTrue(outcome.parser().isStopped(true));
        assertTrue(outcome.parser().isStopped(false));
        assertTrue(outcome.parser().isHttp());
    }

    @Test
    void messageExactlyAtTheBudgetIsAccepted()
    {
        final String line = "GET / HTTP/1.1\r\n";
        final String header = "X: ";
        final String pad = "v".repeat(256 - line.length() - header.length() - 4);
        final Conversation.Outcome outcome = HttpParserTest.run(SMALL, new Conversation()
            .toServer(line + header + pad + "\r\n\r\n"));

        assertEquals(0, outcome.count(HttpAnomaly.HEADER_TOO_LONG));
        assertFalse(outcome.recorder().only("requestComplete").flag("requestHeadersTruncated"));
    }

    @Test
    void trailersOverTheBudgetEndTheMessage()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(SMALL, new Conversation()
            .toServer("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\nX: " +
                "x".repeat(300) + "\r\n\r\n"));

        assertEquals(1, outcome.count(HttpAnomaly.HEADER_TOO_LONG));
        final Event request = outcome.recorder().only("requestComplete");
        assertEquals("abc", request.get("requestBody"));
        assertTrue(request.get("requestHeaders").endsWith("T: 1\r\n"));
        assertTrue(request.flag("requestHeadersTruncated"));
    }

    @Test
    void bodiesBeyondTheLimitAreTruncatedCountedAndFramingKept()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(SMALL, new Conversation()
            .toServer("POST /a HTTP/1.1\r\nContent-Length: 25\r\n\r\n0123456789abcdefghijklmno" +
                "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n" +
                "POST /c HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789")
            .toClient("HTTP/1.1 200 OK\r\n\r\n" + "r".repeat(50))
            .close());

        final List<Event> requests = outcome.recorder().of("requestComplete");
        assertEquals(3, requests.size(), "truncation does not lose the framing");
        assertEquals("0123456789", requests.get(0).get("requestBody"));
        assertEquals("25", requests.get(0).get("requestBodyBytes"));
        assertTrue(requests.get(0).flag("requestBodyTruncated"));
        assertEquals("0123456789", requests.get(1).get("requestBody"));
        assertEquals("16", requests.get(1).get("requestBodyBytes"));
        assertEquals("0123456789", requests.get(2).get("requestBody"));
        assertFalse(requests.get(2).flag("requestBodyTruncated"), "exactly at the limit");
        assertEquals(2, outcome.count(HttpAnomaly.REQUEST_BODY_TRUNCATED));

        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("r".repeat(20), response.get("responseBody"));
        assertEquals("50", response.get("responseBodyBytes"));
        assertEquals(1, outcome.count(HttpAnomaly.RESPONSE_BODY_TRUNCATED));
    }

    @Test
    void tooManyPendingTransactionsStopsTheRequestSide()
    {
        final HttpLimits limits = HttpLimits.DEFAULTS.withMaxPendingTransactions(2);
        final Conversation.Outcome outcome = HttpParserTest.run(limits, new Conversation()
            .toServer("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));

        assertEquals(1, outcome.count(HttpAnomaly.TOO_MANY_PENDING));
        assertEquals(2, outcome.recorder().of("requestComplete").size());
        assertEquals(2, outcome.recorder().of("responseComplete").size());
        assertTrue(outcome.parser().isStopped(true));
        assertEquals(0, outcome.parser().pendingTransactions());
    }

    @Test
    void gapInsideAKnownLengthBodyIsSkipped()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
            .gap(true, 4)
            .toServer("xyzGET /b HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n1234")
            .gap(false, 4)
            .toClient("\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"));

        final List<Event> requests = outcome.recorder().of("requestComplete");
        assertEquals(2, requests.size());
        assertEquals("abcxyz", requests.get(0).get("requestBody"));
        assertEquals("10", requests.get(0).get("requestBodyBytes"));
        assertTrue(requests.get(0).flag("requestBodyIncomplete"));
        assertEquals("/b", requests.get(1).get("uri"));
        assertFalse(requests.get(1).flag("requestBodyIncomplete"));

        final List<Event> responses = outcome.recorder().of("responseComplete");
        assertEquals(2, responses.size());
        assertEquals("1234", responses.get(0).get("responseBody"));
        assertTrue(responses.get(0).flag("responseBodyIncomplete"));
        assertEquals("B", responses.get(1).get("responseBody"));
        assertEquals(1, outcome.count(HttpAnomaly.GAP_IN_REQUEST));
        assertEquals(1, outcome.count(HttpAnomaly.GAP_IN_RESPONSE));
    }

    @Test
    void gapInACloseDelimitedBodyIsSkipped()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("GET / HTTP/1.0\r\n\r\n")
            .toClient("HTTP/1.0 200 OK\r\n\r\nbefore ")
            .gap(false, 100)
            .toClient("after")
            .close());

        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("before after", response.get("responseBody"));
        assertTrue(response.flag("responseBodyIncomplete"));
        assertEquals("112", response.get("responseBodyBytes"));
    }

    @Test
    void gapInHeadersAbandonsTheMessageAndStopsTheDirection()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("GET /a HTTP/1.1\r\nHost: h\r\nX-Partial: ")
            .gap(true, 50)
            .toServer("rest\r\n\r\nGET /b HTTP/1.1\r\n\r\n"));

        final Event request = outcome.recorder().only("requestComplete");
        assertEquals("/a", request.get("uri"));
        assertTrue(request.flag("requestHeadersTruncated"));
        assertEquals("Host: h\r\n", request.get("requestHeaders"));
        assertTrue(outcome.parser().isStopped(true));
        assertEquals(1, outcome.count(HttpAnomaly.GAP_IN_REQUEST));
    }

    @Test
    void gapRunningPastTheBodyOrBetweenMessagesStopsTheDirection()
    {
        final Conversation.Outcome past = HttpParserTest.run(new Conversation()
            .toServer("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab")
            .gap(true, 10)
            .toServer("GET /b HTTP/1.1\r\n\r\n"));
        final Event request = past.recorder().only("requestComplete");
        assertEquals("ab", request.get("requestBody"));
        assertTrue(request.flag("requestBodyIncomplete"));
        assertTrue(past.parser().isStopped(true));

        final Conversation.Outcome between = HttpParserTest.run(new Conversation()
            .toServer("GET /a HTTP/1.1\r\n\r\n")
            .gap(true, 10)
            .toServer("GET /b HTTP/1.1\r\n\r\n"));
        assertEquals(1, between.recorder().of("requestComplete").size());
        assertTrue(between.parser().isStopped(true));
    }

    @Test
    void binaryClientIsNotHttpAndIsIgnored()
    {
        final byte[] clientHello = {0x16, 0x03, 0x01, 0x00, (byte)0xA5, 0x01, 0x00, 0x00, (byte)0xA1, 0x03, 0x03};
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer(clientHello)
            .toServer("GET / HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));

        assertFalse(outcome.parser().isHttp());
        assertTrue(outcome.recorder().events().isEmpty());
        assertEquals(1, outcome.count(HttpAnomaly.NOT_HTTP));
        assertEquals(0, outcome.count(HttpAnomaly.UNMATCHED_RESPONSE));
    }

    @Test
    void textProtocolsAreNotHttpEither()
    {
        for (final String first : new String[] {"SSH-2.0-OpenSSH_9.6\r\n", "EHLO mail.example\r\n",
            " GET / HTTP/1.1\r\n", "GET\r\n", "GET /x FTP/1.0\r\n".replace("GET", "PUT")})
        {
            final Conversation.Outcome outcome = HttpParserTest.run(new Conversation().toServer(first));
            assertFalse(outcome.parser().isHttp(), first);
        }
    }

    @Test
    void methodMayBeUpToThirtyTwoBytes()
    {
        final String longest = "M".repeat(DirectionParser.MAX_METHOD_BYTES);
        final Conversation.Outcome ok = HttpParserTest.run(new Conversation()
            .toServer(longest + " / HTTP/1.1\r\n\r\n"));
        assertTrue(ok.parser().isHttp());
        assertEquals(longest, ok.recorder().only("requestHeaders").get("method"));

        final HttpParser parser = new HttpParser(HttpLimits.DEFAULTS, new RecordingListener());
        final byte[] tooLong = HttpParserTest.bytes("M".repeat(DirectionParser.MAX_METHOD_BYTES + 1));
        parser.toServer(tooLong, 0, tooLong.length - 1);
        assertTrue(parser.isHttp(), "still undecided after 32 token bytes");
        parser.toServer(tooLong, tooLong.length - 1, 1);
        assertFalse(parser.isHttp(), "judged on the 33rd byte, without waiting for a line end");
    }

    @Test
    void laterGarbageLinesAreSkippedNotFatal()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("GET /a HTTP/1.1\r\n\r\n\u0000\u0001garbage\r\nFOO bar\r\nGET /b HTTP/1.1\r\n\r\n"));

        assertTrue(outcome.parser().isHttp());
        assertEquals(2, outcome.count(HttpAnomaly.BAD_REQUEST_LINE));
        assertEquals(List.of("/a", "/b"),
            outcome.recorder().of("requestComplete").stream().map(e -> e.get("uri")).toList());
    }

    @Test
    void serverThatIsNotHttpStopsOnlyTheResponseSide()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("GET /a HTTP/1.1\r\n\r\n")
            .toClient("SSH-2.0-x\r\n")
            .toServer("GET /b HTTP/1.1\r\n\r\n"));

        assertEquals(1, outcome.count(HttpAnomaly.RESPONSE_NOT_HTTP));
        assertTrue(outcome.parser().isStopped(false));
        assertEquals(2, outcome.recorder().of("requestComplete").size());
        assertEquals(0, outcome.parser().pendingTransactions(), "no response will come: nothing is kept waiting");
    }
}
