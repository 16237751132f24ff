package dev.palisade.dpi.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/** Messages and encoded bodies shared by the HTTP tests and the fuzz test's seeds. */
public final class HttpSamples
{
    private HttpSamples()
    {
    }

    public static byte[] gzip(final byte[] data)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out))
        {
            gzip.write(data);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** zlib-wrapped deflate, what RFC 9110 calls "deflate". */
    public static byte[] zlib(final byte[] data)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out))
        {
            deflate.write(data);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Raw deflate without the zlib wrapper, which some servers send as "deflate". */
    public static byte[] rawDeflate(final byte[] data)
    {
        final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] buffer = new byte[4096];
        while (!deflater.finished())
        {
            final int n = deflater.deflate(buffer);
            out.write(buffer, 0, n);
        }
        deflater.end();
        return out.toByteArray();
    }

    public static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Text that compresses, but not to nothing. */
    public static byte[] page(final int bytes)
    {
        final StringBuilder text = new StringBuilder(bytes);
        int i = 0;
        while (text.length() < bytes)
        {
            text.append("<p id=").append(i).append(">line ").append(i * 7919 % 1000).append("</p>\n");
            i++;
        }
        return ascii(text.substring(0, bytes));
    }

    /** @return a response with a {@code Content-Length} body and an optional {@code Content-Encoding}. */
    public static byte[] response(final String coding, final byte[] body)
    {
        return concat(ascii("HTTP/1.1 200 OK\r\n" + (coding == null ? "" : "Content-Encoding: " + coding + "\r\n") +
            "Content-Length: " + body.length + "\r\n\r\n"), body);
    }

    /** @return a chunked response with the body in pieces of {@code chunkBytes}. */
    public static byte[] chunkedResponse(final String coding, final byte[] body, final int chunkBytes)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("HTTP/1.1 200 OK\r\n" + (coding == null ? "" : "Content-Encoding: " + coding + "\r\n") +
            "Transfer-Encoding: chunked\r\n\r\n"));
        for (int offset = 0; offset < body.length; offset += chunkBytes)
        {
            final int count = Math.min(chunkBytes, body.length - offset);
            out.writeBytes(ascii(Integer.toHexString(count) + ";i=" + offset + "\r\n"));
            out.write(body, offset, count);
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("0\r\nX-Sum: 1\r\n\r\n"));
        return out.toByteArray();
    }

    /**
     * Many kinds of message in one connection: pipelining, chunked and compressed bodies, interim responses, folded
     * headers, a HEAD, a bad request line, a close-delimited response.
     */
    public static Conversation mixedConversation()
    {
        return new Conversation()
            .toServer("\r\nGET /a/./b/../%63?q=%41+1 HTTP/1.1\r\nHost: Example.com:8080\r\nUser-Agent: t/1\r\n" +
                "Cookie: c=1\r\nX-Fold: one\r\n two\r\n\r\n" +
                "HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n" +
                "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello=world")
            .toClient(concat(response("gzip", gzip(page(3000))),
                ascii("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"),
                ascii("HTTP/1.1 100 Continue\r\n\r\n"),
                ascii("HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nContent-Length: 2\r\n\r\nok")))
            .toServer("POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n" +
                "NOT A REQUEST\r\n" +
                "GET http://Other.example/p//q HTTP/1.0\r\n\r\n")
            .toClient(concat(chunkedResponse("deflate", zlib(page(2000)), 100),
                chunkedResponse(null, page(500), 64)))
            .toServer("GET /last HTTP/1.1\r\nHost: last\r\n\r\n")
            .toClient("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
            .close();
    }
}
