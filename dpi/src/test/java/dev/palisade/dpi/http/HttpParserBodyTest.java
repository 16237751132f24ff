package dev.palisade.dpi.http;

import dev.palisade.dpi.http.RecordingListener.Event;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

import static dev.palisade.dpi.http.HttpSamples.ascii;
import static dev.palisade.dpi.http.HttpSamples.concat;
import static dev.palisade.dpi.http.HttpSamples.gzip;
import static dev.palisade.dpi.http.HttpSamples.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code file_data}: gzip and deflate decoding, limits on decoded bytes, and decoding failures that never throw. */
class HttpParserBodyTest
{
    private static final String GET = "GET /file HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate\r\n\r\n";

    private static Event responseOf(final HttpLimits limits, final byte[] response)
    {
        final Conversation.Outcome outcome = HttpParserTest.run(limits,
            new Conversation().toServer(GET).toClient(response).close());
        return outcome.recorder().only("responseComplete");
    }

    private static byte[] body(final Event event)
    {
        return ascii(event.get("responseBody"));
    }

    @Test
    void gzipBodyIsDecoded()
    {
        final byte[] original = page(20_000);
        final byte[] compressed = gzip(original);
        final Event response = responseOf(HttpLimits.DEFAULTS, HttpSamples.response("gzip", compressed));

        assertArrayEquals(original, body(response));
        assertTrue(response.flag("responseBodyDecoded"));
        assertFalse(response.flag("responseDecodingFailed"));
        assertEquals(Integer.toString(compressed.length), response.get("responseBodyBytes"), "wire bytes counted");
    }

    @Test
    void chunkedGzipBodyIsDecodedAcrossChunks()
    {
        final byte[] original = page(30_000);
        final Event response = responseOf(HttpLimits.DEFAULTS,
            HttpSamples.chunkedResponse("x-gzip", gzip(original), 97));

        assertArrayEquals(original, body(response));
    }

    @Test
    void gzipHeaderWithOptionalFieldsAndSeveralMembers()
    {
        // FLG = FHCRC | FEXTRA | FNAME | FCOMMENT; the deflate data comes from a plain gzip stream's middle.
        final byte[] first = gzip(ascii("first member, "));
        final byte[] data = Arrays.copyOfRange(first, 10, first.length);
        final byte[] header = {0x1F, (byte)0x8B, 8, 0x1E, 0, 0, 0, 0, 0, 3, 3, 0, 'a', 'b', 'c', 'n', 'a', 'm', 'e', 0,
            'c', 0, 0x12, 0x34};
        final byte[] stream = concat(header, data, gzip(ascii("second member")));
        final Event response = responseOf(HttpLimits.DEFAULTS, HttpSamples.response("gzip", stream));

        assertEquals("first member, second member", response.get("responseBody"));
    }

    @Test
    void deflateIsDecodedWithOrWithoutTheZlibWrapper()
    {
        final byte[] original = page(5000);
        assertArrayEquals(original, body(responseOf(HttpLimits.DEFAULTS,
            HttpSamples.response("deflate", HttpSamples.zlib(original)))));
        assertArrayEquals(original, body(responseOf(HttpLimits.DEFAULTS,
            HttpSamples.response("Deflate", HttpSamples.rawDeflate(original)))));
    }

    @Test
    void unknownOrStackedCodingsAreLeftAsSent()
    {
        final byte[] compressed = gzip(page(1000));
        final Event stacked = responseOf(HttpLimits.DEFAULTS, HttpSamples.response("gzip, gzip", compressed));
        assertArrayEquals(compressed, body(stacked));
        assertFalse(stacked.flag("responseBodyDecoded"));
        assertArrayEquals(compressed, body(responseOf(HttpLimits.DEFAULTS, HttpSamples.response("br", compressed))));
    }

    @Test
    void decompressionErrorKeepsWhatDecodedBefore()
    {
        // A gzip header, deflate data that decodes to the prefix (sync flush), then 0xFF: a reserved block type.
        final byte[] prefix = page(3000);
        final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(prefix);
        final ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        final byte[] buffer = new byte[8192];
        int n;
        while ((n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH)) > 0)
        {
            deflated.write(buffer, 0, n);
        }
        deflater.end();
        final byte[] header = {0x1F, (byte)0x8B, 8, 0, 0, 0, 0, 0, 0, (byte)0xFF};
        final byte[] stream = concat(header, deflated.toByteArray(), new byte[] {(byte)0xFF, (byte)0xFF, 1, 2, 3});

        final Conversation.Outcome outcome = HttpParserTest.run(HttpLimits.DEFAULTS,
            new Conversation().toServer(GET).toClient(HttpSamples.response("gzip", stream)));
        final Event response = outcome.recorder().only("responseComplete");
        assertArrayEquals(prefix, body(response));
        assertTrue(response.flag("responseDecodingFailed"));
        assertEquals(1, outcome.count(HttpAnomaly.DECOMPRESSION_ERROR));
    }

    @Test
    void notGzipAtAllIsAnErrorWithAnEmptyBody()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(HttpLimits.DEFAULTS, new Conversation()
            .toServer(GET).toClient(HttpSamples.response("gzip", ascii("plain text, not gzip"))));

        assertEquals("", outcome.recorder().only("responseComplete").get("responseBody"));
        assertEquals(1, outcome.count(HttpAnomaly.DECOMPRESSION_ERROR));
    }

    @Test
    void decodedBodyIsCappedAndTheRestCounted()
    {
        final byte[] original = page(50_000);
        final HttpLimits limits = HttpLimits.DEFAULTS.withBodyLimits(1000, 10_000);
        final Conversation.Outcome outcome = HttpParserTest.run(limits, new Conversation()
            .toServer(GET).toClient(HttpSamples.response("gzip", gzip(original))));

        final Event response = outcome.recorder().only("responseComplete");
        assertArrayEquals(Arrays.copyOf(original, 10_000), body(response));
        assertTrue(response.flag("responseBodyTruncated"));
        assertEquals(1, outcome.count(HttpAnomaly.RESPONSE_BODY_TRUNCATED));
    }

    @Test
    void bodyExactlyAtTheLimitIsNotTruncated()
    {
        final byte[] original = page(10_000);
        final HttpLimits limits = HttpLimits.DEFAULTS.withBodyLimits(1000, 10_000);
        final Conversation.Outcome outcome = HttpParserTest.run(limits, new Conversation()
            .toServer(GET).toClient(HttpSamples.response("gzip", gzip(original))));

        final Event response = outcome.recorder().only("responseComplete");
        assertArrayEquals(original, body(response));
        assertFalse(response.flag("responseBodyTruncated"));
        assertEquals(0, outcome.count(HttpAnomaly.RESPONSE_BODY_TRUNCATED));
    }

    @Test
    void ratioGuardStopsABomb()
    {
        final byte[] zeros = new byte[90_000];
        final HttpLimits limits = HttpLimits.DEFAULTS.withMaxDecompressionRatio(20);
        final Conversation.Outcome outcome = new Conversation().toServer(GET)
            .toClient(HttpSamples.response("gzip", gzip(zeros))).run(limits, Conversation.WHOLE);

        final Event response = outcome.recorder().only("responseComplete");
        final int kept = response.get("responseBody").length();
        assertTrue(kept >= BodyDecoder.RATIO_FLOOR_BYTES && kept < zeros.length, "stopped early: " + kept);
        assertTrue(response.flag("responseDecodingFailed"));
        assertEquals(1, outcome.count(HttpAnomaly.DECOMPRESSION_RATIO));

        final Event allowed = responseOf(HttpLimits.DEFAULTS, HttpSamples.response("gzip", gzip(zeros)));
        assertEquals(zeros.length, allowed.get("responseBody").length(), "the default ratio lets gzip through");
    }

    @Test
    void gapInACompressedBodyStopsDecodingButNotParsing()
    {
        final byte[] compressed = gzip(page(40_000));
        final byte[] headers = ascii("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
            compressed.length + "\r\n\r\n");
        final Conversation.Outcome outcome = HttpParserTest.run(HttpLimits.DEFAULTS, new Conversation()
            .toServer(GET + GET)
            .toClient(concat(headers, Arrays.copyOf(compressed, 500)))
            .gap(false, 1000)
            .toClient(concat(Arrays.copyOfRange(compressed, 1500, compressed.length),
                ascii("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"))));

        final var responses = outcome.recorder().of("responseComplete");
        assertEquals(2, responses.size());
        final String first = responses.get(0).get("responseBody");
        final String original = new String(page(40_000), StandardCharsets.ISO_8859_1);
        assertTrue(first.length() > 0 && first.length() < original.length(), "up to the gap: " + first.length());
        assertTrue(original.startsWith(first));
        assertTrue(responses.get(0).flag("responseBodyIncomplete"));
        assertEquals(Integer.toString(compressed.length), responses.get(0).get("responseBodyBytes"));
        assertEquals("next", responses.get(1).get("responseBody"));
        assertEquals(1, outcome.count(HttpAnomaly.GAP_IN_RESPONSE));
    }

    @Test
    void requestBodiesAreNotDecoded()
    {
        final byte[] compressed = gzip(page(100));
        final Conversation.Outcome outcome = HttpParserTest.run(HttpLimits.DEFAULTS, new Conversation()
            .toServer(concat(ascii("POST /u HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                compressed.length + "\r\n\r\n"), compressed)));

        assertArrayEquals(compressed, ascii(outcome.recorder().only("requestComplete").get("requestBody")));
    }
}
