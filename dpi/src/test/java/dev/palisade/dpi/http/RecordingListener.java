package dev.palisade.dpi.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test listener: copies every buffer of the transaction at each callback (transactions are reused, so copies are the
 * only faithful record) and renders events as text so two runs can be compared line by line.
 */
public final class RecordingListener implements HttpListener
{
    /** One callback: its kind, the transaction index and a copy of every buffer and flag at that moment. */
    public record Event(String kind, long index, Map<String, String> fields)
    {
        public String get(final String name)
        {
            final String value = fields.get(name);
            if (value == null)
            {
                throw new IllegalArgumentException("no field " + name + " in " + fields.keySet());
            }
            return value;
        }

        public boolean flag(final String name)
        {
            return Boolean.parseBoolean(get(name));
        }

        @Override
        public String toString()
        {
            return kind + "#" + index + " " + escape(fields.toString());
        }
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public void requestHeaders(final HttpTransaction tx)
    {
        events.add(new Event("requestHeaders", tx.index(), snapshot(tx)));
    }

    @Override
    public void requestComplete(final HttpTransaction tx)
    {
        events.add(new Event("requestComplete", tx.index(), snapshot(tx)));
    }

    @Override
    public void responseHeaders(final HttpTransaction tx)
    {
        events.add(new Event("responseHeaders", tx.index(), snapshot(tx)));
    }

    @Override
    public void responseComplete(final HttpTransaction tx)
    {
        events.add(new Event("responseComplete", tx.index(), snapshot(tx)));
    }

    public List<Event> events()
    {
        return events;
    }

    /** @return the events of one kind, in order. */
    public List<Event> of(final String kind)
    {
        final List<Event> result = new ArrayList<>();
        for (final Event event : events)
        {
            if (event.kind().equals(kind))
            {
                result.add(event);
            }
        }
        return result;
    }

    /** @return the only event of that kind; fails when there are none or several. */
    public Event only(final String kind)
    {
        final List<Event> matching = of(kind);
        if (matching.size() != 1)
        {
            throw new AssertionError("expected one " + kind + " event, got " + matching.size() + ": " + events);
        }
        return matching.get(0);
    }

    /** @return every event as one line of text, for comparing runs. */
    public List<String> lines()
    {
        final List<String> lines = new ArrayList<>();
        for (final Event event : events)
        {
            lines.add(event.toString());
        }
        return lines;
    }

    public static Map<String, String> snapshot(final HttpTransaction tx)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("method", tx.method().toString());
        fields.put("rawUri", tx.rawUri().toString());
        fields.put("uri", tx.uri().toString());
        fields.put("protocol", tx.protocol().toString());
        fields.put("requestLine", tx.requestLine().toString());
        fields.put("requestHeaders", tx.requestHeaders().toString());
        fields.put("rawRequestHeaders", tx.rawRequestHeaders().toString());
        fields.put("requestCookie", tx.requestCookie().toString());
        fields.put("userAgent", tx.userAgent().toString());
        fields.put("host", tx.host().toString());
        fields.put("rawHost", tx.rawHost().toString());
        fields.put("requestBody", tx.requestBody().toString());
        fields.put("responseProtocol", tx.responseProtocol().toString());
        fields.put("statusCode", tx.statusCode().toString());
        fields.put("statusMessage", tx.statusMessage().toString());
        fields.put("responseLine", tx.responseLine().toString());
        fields.put("responseHeaders", tx.responseHeaders().toString());
        fields.put("rawResponseHeaders", tx.rawResponseHeaders().toString());
        fields.put("responseCookie", tx.responseCookie().toString());
        fields.put("responseBody", tx.responseBody().toString());
        fields.put("statusCodeValue", Integer.toString(tx.statusCodeValue()));
        fields.put("requestBodyBytes", Long.toString(tx.requestBodyBytes()));
        fields.put("responseBodyBytes", Long.toString(tx.responseBodyBytes()));
        fields.put("http09", Boolean.toString(tx.isHttp09()));
        fields.put("hasRequest", Boolean.toString(tx.hasRequest()));
        fields.put("requestHeadersTruncated", Boolean.toString(tx.requestHeadersTruncated()));
        fields.put("requestBodyIncomplete", Boolean.toString(tx.requestBodyIncomplete()));
        fields.put("requestBodyTruncated", Boolean.toString(tx.requestBodyTruncated()));
        fields.put("responseHeadersTruncated", Boolean.toString(tx.responseHeadersTruncated()));
        fields.put("responseBodyIncomplete", Boolean.toString(tx.responseBodyIncomplete()));
        fields.put("responseBodyTruncated", Boolean.toString(tx.responseBodyTruncated()));
        fields.put("responseBodyDecoded", Boolean.toString(tx.responseBodyDecoded()));
        fields.put("responseDecodingFailed", Boolean.toString(tx.responseDecodingFailed()));
        return fields;
    }

    private static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '\r')
            {
                out.append("\\r");
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else if (c < 0x20 || c >= 0x7F)
            {
                out.append(String.format("\\x%02x", (int)c));
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }
}
