package dev.palisade.dpi.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code http.uri} and {@code http.host} normalisation, libhtp-style. */
class HttpParserUriTest
{
    private static String normalize(final String target)
    {
        final byte[] raw = target.getBytes(StandardCharsets.ISO_8859_1);
        final HttpBuffer uri = new HttpBuffer();
        final HttpBuffer host = new HttpBuffer();
        UriNormalizer.normalize(raw, 0, raw.length, uri, host);
        return uri.toString();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/index.html|/index.html",
        "/a/./b/../c|/a/c",
        "/a/b/c/./../../g|/a/g",
        "/%2e%2e/%2E%2E/etc/passwd|/etc/passwd",
        "/cgi-bin/%2e%2e%2f%2e%2e%2fbin/sh|/bin/sh",
        "//x//y///z|/x/y/z",
        "/%zz/%4|/%zz/%4",
        "/%|/%",
        "/a%2fb/../c|/a/c",
        "/a/b/..|/a/",
        "/a/b/.|/a/b/",
        "/..|/",
        "/../../../|/",
        "/.hidden/..x/...|/.hidden/..x/...",
        "/p?a=1+2%20&b=%2e%2e/../x|/p?a=1+2 &b=../../x",
        "/p?q=%3F|/p?q=?",
        "/p%3Fnot-a-query/..|/",
        "*|*",
        "a/../b|b",
        "http://Example.COM:8080/p/../q?x|/q?x",
        "http://host|/",
        "HTTPS://host?x=1|/?x=1",
        "http://user:pw@host/a//b|/a/b",
        "h.example:443|h.example:443",
        "/%%32e|/%2e",
    })
    void normalisesLikeLibhtp(final String target, final String expected)
    {
        assertEquals(expected, normalize(target));
    }

    @Test
    void decodesNulAndHighBytes()
    {
        assertEquals("/a\0b\u00ff", normalize("/a%00b%FF"));
    }

    @Test
    void absoluteFormGivesTheHostWithoutUserinfoOrPort()
    {
        final byte[] raw = "http://user@Sub.Example.ORG.:8080/x".getBytes(StandardCharsets.ISO_8859_1);
        final HttpBuffer uri = new HttpBuffer();
        final HttpBuffer host = new HttpBuffer();
        assertTrue(UriNormalizer.normalize(raw, 0, raw.length, uri, host));
        assertEquals("sub.example.org", host.toString());
        assertEquals("/x", uri.toString());

        final HttpBuffer none = new HttpBuffer();
        assertFalse(UriNormalizer.normalize("/x".getBytes(StandardCharsets.ISO_8859_1), 0, 2, uri, none));
        assertTrue(none.isEmpty());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "Example.COM|example.com",
        "example.com:8080|example.com",
        "[2001:DB8::1]:443|[2001:db8::1]",
        "example.com.|example.com",
        "'  spaced.example  '|spaced.example",
    })
    void hostHeaderIsLowercasedWithoutPort(final String value, final String expected)
    {
        final byte[] raw = value.getBytes(StandardCharsets.ISO_8859_1);
        final HttpBuffer host = new HttpBuffer();
        UriNormalizer.normalizeHost(raw, 0, raw.length, false, host);
        assertEquals(expected, host.toString());
    }

    @Test
    void parserAppliesNormalisationToEachRequest()
    {
        final Conversation.Outcome outcome = HttpParserTest.run(new Conversation()
            .toServer("GET /scripts/..%2f..%2fwinnt/system32/cmd.exe?/c+dir HTTP/1.0\r\n\r\n" +
                "GET //double//slash HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"));

        final var requests = outcome.recorder().of("requestHeaders");
        assertEquals("/winnt/system32/cmd.exe?/c+dir", requests.get(0).get("uri"));
        assertEquals("/scripts/..%2f..%2fwinnt/system32/cmd.exe?/c+dir", requests.get(0).get("rawUri"));
        assertEquals("/double/slash", requests.get(1).get("uri"));
        assertEquals("[::1]", requests.get(1).get("host"));
    }
}
