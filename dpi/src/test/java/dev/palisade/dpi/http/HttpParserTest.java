package dev.palisade.dpi.http;

import dev.palisade.dpi.http.RecordingListener.Event;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffers of realistic messages, framing (RFC 9112 6.3), pipelining and the connection's end. Every conversation
 * is fed both whole and one byte at a time, and the two runs must agree exactly.
 */
class HttpParserTest
{
    static Conversation.Outcome run(final HttpLimits limits, final Conversation conversation)
    {
        final Conversation.Outcome whole = conversation.run(limits, Conversation.WHOLE);
        final Conversation.Outcome bytes = conversation.run(limits, Conversation.ONE_BYTE);
        assertEquals(whole.describe(), bytes.describe(), "one byte at a time must equal all at once");
        return whole;
    }

    static Conversation.Outcome run(final Conversation conversation)
    {
        return run(HttpLimits.DEFAULTS, conversation);
    }

    @Test
    void realisticGetFillsEveryBuffer()
    {
        final String headers = "Host: WWW.Example.com:8080\r\n" +
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
            "Accept: */*\r\n" +
            "Cookie: session=abc; theme=dark\r\n" +
            "X-Folded: first\r\n" +
            "\t second \r\n" +
            "Accept-Language:   en  \r\n" +
            "\r\n";
        final String responseHeaders = "Content-Type: text/html\r\n" +
            "Set-Cookie: a=1\r\n" +
            "Set-Cookie: b=2\r\n" +
            "Content-Length: 5\r\n" +
            "\r\n";
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET /search/../index.php?q=%41b+c HTTP/1.1\r\n" + headers)
            .toClient("HTTP/1.1 200 OK\r\n" + responseHeaders + "hello"));

        assertEquals(List.of("requestHeaders", "requestComplete", "responseHeaders", "responseComplete"),
            outcome.recorder().events().stream().map(Event::kind).toList());
        final Event request = outcome.recorder().only("requestHeaders");
        assertEquals(0, request.index());
        assertEquals("GET", request.get("method"));
        assertEquals("/search/../index.php?q=%41b+c", request.get("rawUri"));
        assertEquals("/index.php?q=Ab+c", request.get("uri"));
        assertEquals("HTTP/1.1", request.get("protocol"));
        assertEquals("GET /search/../index.php?q=%41b+c HTTP/1.1", request.get("requestLine"));
        assertEquals("Host: WWW.Example.com:8080\r\n" +
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
            "Accept: */*\r\n" +
            "Cookie: session=abc; theme=dark\r\n" +
            "X-Folded: first second\r\n" +
            "Accept-Language: en\r\n", request.get("requestHeaders"));
        assertEquals(headers, request.get("rawRequestHeaders"));
        assertEquals("session=abc; theme=dark", request.get("requestCookie"));
        assertEquals("Mozilla/5.0 (X11; Linux x86_64)", request.get("userAgent"));
        assertEquals("www.example.com", request.get("host"));
        assertEquals("WWW.Example.com:8080", request.get("rawHost"));
        assertEquals("", request.get("statusCode"), "no response yet");

        final Event response = outcome.recorder().only("responseComplete");
        assertEquals(0, response.index());
        assertEquals("", response.get("requestBody"));
        assertEquals("200", response.get("statusCode"));
        assertEquals("200", response.get("statusCodeValue"));
        assertEquals("OK", response.get("statusMessage"));
        assertEquals("HTTP/1.1", response.get("responseProtocol"));
        assertEquals("HTTP/1.1 200 OK", response.get("responseLine"));
        assertEquals(responseHeaders, response.get("rawResponseHeaders"));
        assertEquals("Content-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n",
            response.get("responseHeaders"));
        assertEquals("a=1, b=2", response.get("responseCookie"));
        assertEquals("hello", response.get("responseBody"));
        assertEquals("5", response.get("responseBodyBytes"));
        assertEquals(0, outcome.parser().pendingTransactions(), "released once both halves are done");
        assertTrue(outcome.parser().isHttp());
    }

    @Test
    void realisticPostKeepsTheBodyAndPairsTheResponse()
    {
        final String body = "user=admin&pass=secret%21&x=" + "y".repeat(100);
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /login HTTP/1.1\r\nHost: a.example\r\n" +
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length() + "\r\n\r\n" +
                body)
            .toClient("HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n"));

        final Event headers = outcome.recorder().only("requestHeaders");
        assertEquals("", headers.get("requestBody"), "the body is not there when the headers are");
        final Event complete = outcome.recorder().only("requestComplete");
        assertEquals(body, complete.get("requestBody"));
        assertEquals(Integer.toString(body.length()), complete.get("requestBodyBytes"));
        assertEquals("POST", complete.get("method"));
        assertEquals("a.example", complete.get("host"));
        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("302", response.get("statusCode"));
        assertEquals("Found", response.get("statusMessage"));
        assertEquals("", response.get("responseBody"));
        assertEquals(body, response.get("requestBody"), "same transaction");
    }

    @Test
    void headerLookupCombinesFieldsOfOneName()
    {
        final byte[][] seen = new byte[4][];
        final HttpParser parser = new HttpParser(HttpLimits.DEFAULTS, new ListenerAdapter()
        {
            @Override
            public void responseComplete(final HttpTransaction tx)
            {
                seen[0] = tx.header(false, "HOST");
                seen[1] = tx.header(true, "set-cookie");
                seen[2] = tx.header(false, "x-missing");
                seen[3] = tx.header(false, "accept");
            }
        });
        final byte[] request = bytes("GET / HTTP/1.1\r\nHost: h.example:81\r\nAccept: a\r\naccept:  b \r\n\r\n");
        final byte[] response = bytes("HTTP/1.1 204 No Content\r\nSet-Cookie: x=1\r\nSet-Cookie: y=2\r\n\r\n");
        parser.toServer(request, 0, request.length);
        parser.toClient(response, 0, response.length);

        assertArrayEquals(bytes("h.example:81"), seen[0]);
        assertArrayEquals(bytes("x=1, y=2"), seen[1]);
        assertNull(seen[2]);
        assertArrayEquals(bytes("a, b"), seen[3]);
    }

    @Test
    void chunkedBodiesWithExtensionsAndTrailers()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "5;name=value\r\nhello\r\n" +
                "7 ; ext=\"q\"\r\n world!\r\n" +
                "0\r\nX-Trailer: yes\r\nX-Other:\t1\r\n\r\n" +
                "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
                "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n" +
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        final List<Event> completes = outcome.recorder().of("requestComplete");
        assertEquals(2, completes.size());
        assertEquals("hello world!", completes.get(0).get("requestBody"));
        assertEquals("12", completes.get(0).get("requestBodyBytes"));
        assertEquals("Host: h\r\nTransfer-Encoding: chunked\r\nX-Trailer: yes\r\nX-Other: 1\r\n",
            completes.get(0).get("requestHeaders"), "trailer fields join the header buffer");
        assertEquals("Host: h\r\nTransfer-Encoding: chunked\r\n\r\n", completes.get(0).get("rawRequestHeaders"));
        assertEquals("/next", completes.get(1).get("uri"));
        assertEquals(1, completes.get(1).index());

        final List<Event> responses = outcome.recorder().of("responseComplete");
        assertEquals(2, responses.size());
        assertEquals("abcdefghijklmnopqrstuvwxyz", responses.get(0).get("responseBody"));
        assertEquals("ok", responses.get(1).get("responseBody"));
        assertEquals(0, outcome.count(HttpAnomaly.BAD_CHUNK_SIZE));
    }

    @Test
    void pipelinedRequestsPairWithResponsesInOrder()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n" +
                "GET /c HTTP/1.1\r\nHost: h\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA" +
                "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB" +
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nCCC"));

        final List<Event> events = outcome.recorder().events();
        assertEquals(12, events.size());
        for (int i = 0; i < 6; i++)
        {
            assertTrue(events.get(i).kind().startsWith("request"), "all requests first: " + events.get(i));
        }
        final List<Event> responses = outcome.recorder().of("responseComplete");
        assertEquals(List.of(0L, 1L, 2L), responses.stream().map(Event::index).toList());
        assertEquals(List.of("/a", "/b", "/c"), responses.stream().map(e -> e.get("uri")).toList());
        assertEquals(List.of("A", "BB", "CCC"), responses.stream().map(e -> e.get("responseBody")).toList());
        assertEquals("404", responses.get(1).get("statusCode"));
        assertEquals(0, outcome.parser().pendingTransactions());
    }

    @Test
    void headAnd204And304HaveNoBodyWhateverTheirHeadersSay()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /n HTTP/1.1\r\nHost: h\r\n\r\n" +
                "GET /m HTTP/1.1\r\nHost: h\r\n\r\nGET /g HTTP/1.1\r\nHost: h\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n" +
                "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));

        final List<Event> responses = outcome.recorder().of("responseComplete");
        assertEquals(4, responses.size());
        assertEquals(List.of("", "", "", "abc"), responses.stream().map(e -> e.get("responseBody")).toList());
        assertEquals(List.of("200", "204", "304", "200"), responses.stream().map(e -> e.get("statusCode")).toList());
        assertEquals("/g", responses.get(3).get("uri"));
    }

    @Test
    void interimResponsesDoNotConsumeTheRequest()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /put HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            .toClient("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n")
            .toServer("data")
            .toClient("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));

        final Event response = outcome.recorder().only("responseHeaders");
        assertEquals(0, response.index());
        assertEquals("201", response.get("statusCode"));
        assertEquals("HTTP/1.1 201 Created", response.get("responseLine"));
        assertEquals("Content-Length: 2\r\n\r\n", response.get("rawResponseHeaders"));
        final Event complete = outcome.recorder().only("responseComplete");
        assertEquals("ok", complete.get("responseBody"));
        assertEquals("data", complete.get("requestBody"));
        assertEquals(0, outcome.count(HttpAnomaly.UNMATCHED_RESPONSE));
    }

    @Test
    void switchingProtocolsStopsBothDirections()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            .toClient("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u0081\u0005hello")
            .toServer("\u0081\u0085\u0001\u0002\u0003\u0004GET /not-http HTTP/1.1\r\n\r\n"));

        assertEquals(1, outcome.recorder().of("requestHeaders").size());
        assertEquals("101", outcome.recorder().only("responseComplete").get("statusCode"));
        assertTrue(outcome.parser().isStopped(true));
        assertTrue(outcome.parser().isStopped(false));
        assertTrue(outcome.parser().isHttp());
        assertEquals(0, outcome.count(HttpAnomaly.BAD_REQUEST_LINE));
    }

    @Test
    void successfulConnectAndTheHttp2PrefaceStopParsing()
    {
        final Conversation.Outcome connect = run(new Conversation()
            .toServer("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            .toClient("HTTP/1.1 200 Connection Established\r\n\r\n\u0016\u0003\u0003\u0000\u0010")
            .toServer("\u0016\u0003\u0001\u0002\u0000\u0001\r\n"));
        assertEquals("example.com:443", connect.recorder().only("requestComplete").get("uri"));
        assertEquals("", connect.recorder().only("responseComplete").get("responseBody"));
        assertTrue(connect.parser().isStopped(true));
        assertEquals(0, connect.count(HttpAnomaly.BAD_REQUEST_LINE));

        final Conversation.Outcome preface = run(new Conversation()
            .toServer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0012\u0004\u0000")
            .toClient("\u0000\u0000\u0000\u0004\u0000"));
        assertEquals("*", preface.recorder().only("requestComplete").get("uri"));
        assertTrue(preface.parser().isStopped(true));
        assertTrue(preface.parser().isStopped(false));
        assertEquals(0, preface.count(HttpAnomaly.BAD_REQUEST_LINE));
        assertEquals(0, preface.count(HttpAnomaly.RESPONSE_NOT_HTTP));
    }

    @Test
    void connectionCloseDelimitsAResponseWithoutLength()
    {
        final Conversation conversation = new Conversation()
            .toServer("GET /stream HTTP/1.0\r\n\r\n")
            .toClient("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ")
            .toClient("part two\r\nHTTP/1.1 200 OK\r\n\r\n");
        final Conversation.Outcome open = run(conversation);
        assertEquals(1, open.recorder().of("responseHeaders").size());
        assertTrue(open.recorder().of("responseComplete").isEmpty(), "not complete before the close");

        final Conversation.Outcome closed = run(conversation.close());
        final Event complete = closed.recorder().only("responseComplete");
        assertEquals("part one, part two\r\nHTTP/1.1 200 OK\r\n\r\n", complete.get("responseBody"));
        assertFalse(complete.flag("responseBodyIncomplete"));
    }

    @Test
    void closeDeliversMessagesInProgressAsIncomplete()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nxy")
            .close());

        final Event request = outcome.recorder().only("requestComplete");
        assertEquals("abc", request.get("requestBody"));
        assertTrue(request.flag("requestBodyIncomplete"));
        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("xy", response.get("responseBody"));
        assertTrue(response.flag("responseBodyIncomplete"));
    }

    @Test
    void absoluteFormTargetGivesPathAndHost()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET http://Proxy.Example.COM:3128/a/./b/../c?x=%2e%2e/ HTTP/1.1\r\n\r\n" +
                "GET http://ignored.example/z HTTP/1.1\r\nHost: Header.Example\r\n\r\n"));

        final List<Event> requests = outcome.recorder().of("requestComplete");
        assertEquals("http://Proxy.Example.COM:3128/a/./b/../c?x=%2e%2e/", requests.get(0).get("rawUri"));
        assertEquals("/a/c?x=../", requests.get(0).get("uri"));
        assertEquals("proxy.example.com", requests.get(0).get("host"));
        assertEquals("", requests.get(0).get("rawHost"));
        assertEquals("/z", requests.get(1).get("uri"));
        assertEquals("header.example", requests.get(1).get("host"), "the Host header wins when there is one");
    }

    @Test
    void http09RequestHasNoHeadersAndItsResponseRunsToTheClose()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET /old\r\n")
            .toClient("<html>HTTP/1.1 is not here</html>")
            .close());

        final Event request = outcome.recorder().only("requestComplete");
        assertTrue(request.flag("http09"));
        assertEquals("/old", request.get("uri"));
        assertEquals("", request.get("protocol"));
        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("<html>HTTP/1.1 is not here</html>", response.get("responseBody"));
        assertEquals("", response.get("statusCode"));
        assertTrue(outcome.parser().isHttp());
    }

    @Test
    void http09RequestMayStillGetAFullResponse()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("GET /\r\n")
            .toClient("HTTP/1.0 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"));

        final Event response = outcome.recorder().only("responseComplete");
        assertEquals("400", response.get("statusCode"));
        assertEquals("bad", response.get("responseBody"));
    }

    @Test
    void responseWithoutRequestGetsATransactionOfItsOwn()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            .toServer("GET /late HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye"));

        final List<Event> responses = outcome.recorder().of("responseComplete");
        assertEquals(2, responses.size());
        assertFalse(responses.get(0).flag("hasRequest"));
        assertEquals(0, responses.get(0).index());
        assertEquals("/late", responses.get(1).get("uri"));
        assertEquals(1, responses.get(1).index());
        assertEquals(1, outcome.count(HttpAnomaly.UNMATCHED_RESPONSE));
    }

    @Test
    void badContentLengthRunsTheBodyToTheCloseAndNeverThrows()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n" +
                "GET /smuggled HTTP/1.1\r\n\r\n")
            .toClient("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nrest")
            .close());

        assertEquals(1, outcome.recorder().of("requestHeaders").size(), "the smuggled request is body, not a request");
        assertEquals("GET /smuggled HTTP/1.1\r\n\r\n", outcome.recorder().only("requestComplete").get("requestBody"));
        assertEquals("rest", outcome.recorder().only("responseComplete").get("responseBody"));
        assertEquals(2, outcome.count(HttpAnomaly.BAD_CONTENT_LENGTH));
    }

    @Test
    void transferEncodingWinsOverContentLength()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("POST /x HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "3\r\nabc\r\n0\r\n\r\nGET /y HTTP/1.1\r\n\r\n"));

        final List<Event> requests = outcome.recorder().of("requestComplete");
        assertEquals(2, requests.size());
        assertEquals("abc", requests.get(0).get("requestBody"));
        assertEquals("/y", requests.get(1).get("uri"));
        assertEquals(1, outcome.count(HttpAnomaly.CONFLICTING_LENGTH));
    }

    @Test
    void badChunkSizesStopTheDirection()
    {
        for (final String size : new String[] {"-5", "", "fffffffffffffffff", "0x10", "5 5", "; ext"})
        {
            final Conversation.Outcome outcome = run(new Conversation()
                .toServer("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n" + size +
                    "\r\nhello\r\n0\r\n\r\nGET /after HTTP/1.1\r\n\r\n"));

            assertEquals(1, outcome.count(HttpAnomaly.BAD_CHUNK_SIZE), size);
            final Event request = outcome.recorder().only("requestComplete");
            assertEquals("ok", request.get("requestBody"), size);
            assertTrue(request.flag("requestBodyIncomplete"), size);
            assertTrue(outcome.parser().isStopped(true), size);
        }
    }

    @Test
    void chunkDataMustEndWithCrlf()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toClient("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n"));

        assertEquals(1, outcome.count(HttpAnomaly.BAD_CHUNK_SIZE));
        assertEquals("ok", outcome.recorder().only("responseComplete").get("responseBody"));
    }

    @Test
    void emptyLinesBeforeAStartLineAreIgnoredAndBareLineFeedsAccepted()
    {
        final Conversation.Outcome outcome = run(new Conversation()
            .toServer("\r\n\r\nGET /lf HTTP/1.1\nHost: h\nX:  v \n\n")
            .toClient("\r\nHTTP/1.1 200 OK\nContent-Length: 1\n\nz")
            .close());

        final Event request = outcome.recorder().only("requestComplete");
        assertEquals("GET /lf HTTP/1.1", request.get("requestLine"));
        assertEquals("Host: h\r\nX: v\r\n", request.get("requestHeaders"));
        assertEquals("Host: h\nX:  v \n\n", request.get("rawRequestHeaders"));
        assertEquals("z", outcome.recorder().only("responseComplete").get("responseBody"));
        assertEquals(0, outcome.parser().pendingTransactions());
    }

    @Test
    void resetReusesTheParserForAnotherFlowAndFreesLargeBuffers()
    {
        final RecordingListener recorder = new RecordingListener();
        final HttpParser parser = new HttpParser(HttpLimits.DEFAULTS, recorder);
        final byte[] big = bytes("POST /big HTTP/1.1\r\nContent-Length: 50000\r\n\r\n" + "x".repeat(50000));
        parser.toServer(big, 0, big.length);
        assertTrue(parser.capacityBytes() >= 50000);
        final byte[] tls = {0x16, 0x03, 0x01, 0x02, 0x00};
        parser.toServer(tls, 0, tls.length);
        parser.close();

        parser.reset();
        assertTrue(parser.capacityBytes() < 4 * 1024, "an idle pooled parser holds little: " + parser.capacityBytes());
        assertTrue(parser.isHttp());
        assertEquals(0, parser.pendingTransactions());
        final byte[] next = bytes("GET /again HTTP/1.1\r\n\r\n");
        parser.toServer(next, 0, next.length);
        final Event again = recorder.of("requestHeaders").get(1);
        assertEquals(0, again.index(), "numbering restarts per flow");
        assertEquals("/again", again.get("uri"));
    }

    @Test
    void conversationsAgreeHoweverTheyAreCut()
    {
        final Conversation conversation = HttpSamples.mixedConversation();
        final List<String> whole = conversation.run(Conversation.WHOLE).describe();
        assertTrue(whole.size() > 20, "the sample exercises many callbacks: " + whole.size());
        assertEquals(whole, conversation.run(Conversation.ONE_BYTE).describe());
        for (long seed = 1; seed <= 25; seed++)
        {
            assertEquals(whole, conversation.run(Conversation.randomPieces(seed, 1 + (int)seed * 7)).describe(),
                "seed " + seed);
        }
    }

    static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A listener for tests that only care about some callbacks. */
    abstract static class ListenerAdapter implements HttpListener
    {
        @Override
        public void requestHeaders(final HttpTransaction tx)
        {
        }

        @Override
        public void requestComplete(final HttpTransaction tx)
        {
        }

        @Override
        public void responseHeaders(final HttpTransaction tx)
        {
        }

        @Override
        public void responseComplete(final HttpTransaction tx)
        {
        }
    }
}
