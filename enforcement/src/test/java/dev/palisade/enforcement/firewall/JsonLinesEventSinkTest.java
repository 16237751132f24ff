package dev.palisade.enforcement.firewall;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesEventSinkTest
{
    private static FirewallEvent event()
    {
        final FirewallEvent e = new FirewallEvent();
        e.kind = FirewallEvent.Kind.REJECTED;
        e.reason = FirewallEvent.Reason.NEW_FLOW;
        e.timeNs = 1_700_000_000_123_456_789L;
        e.policyName = "shop";
        e.policyDigest = "ab";
        e.rule = "application/say \"no\"\\";
        e.action = "reject";
        e.srcHi = 0x2001_0db8_0000_0000L;
        e.srcLo = 1;
        e.dstHi = 0;
        e.dstLo = 0x0000_FFFF_0A00_0001L;
        e.srcPort = 8;
        e.dstPort = 0;
        e.protocol = 58;
        e.vni = 4242;
        e.worker = 1;
        return e;
    }

    @Test
    void writesOneEscapedObjectPerLine()
    {
        final StringWriter text = new StringWriter();
        final JsonLinesEventSink sink = new JsonLinesEventSink(text);
        sink.accept(event());
        sink.close();
        assertEquals("{\"time\":\"2023-11-14T22:13:20.123456789Z\",\"event\":\"flow.rejected\",\"reason\":\"new_flow\"," +
            "\"policy\":\"shop\",\"policy_digest\":\"ab\",\"rule\":\"application/say \\\"no\\\"\\\\\",\"action\":\"reject\"," +
            "\"src\":\"2001:db8::1\",\"dst\":\"10.0.0.1\",\"protocol\":58,\"icmp_type\":8,\"icmp_code\":0,\"vni\":4242," +
            "\"worker\":1}\n", text.toString());
        assertEquals(1, sink.written());
    }

    @Test
    void aFailedWriteIsCountedAndReportedAtClose()
    {
        final Writer broken = new Writer()
        {
            @Override
            public void write(final char[] buffer, final int offset, final int length) throws IOException
            {
                throw new IOException("disk full");
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        final JsonLinesEventSink sink = new JsonLinesEventSink(broken);
        sink.accept(event());
        sink.accept(event());
        assertEquals(0, sink.written());
        assertEquals(2, sink.failed());
        final UncheckedIOException e = assertThrows(UncheckedIOException.class, sink::close);
        assertTrue(e.getMessage().contains("2 events lost") && e.getCause().getMessage().equals("disk full"),
            e.getMessage());
    }
}
