package dev.palisade.enforcement.firewall;

import dev.palisade.policy.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Firewall events as JSON lines, one object per line, for tools and for the SIEM exporters to come:
 * <pre>
 * {"time":"2026-11-21T10:00:00.000000123Z","event":"flow.denied","reason":"new_flow","policy":"payments",
 *  "policy_digest":"…","rule":"application/db-egress","action":"deny","src":"10.0.2.10","dst":"8.8.8.8",
 *  "protocol":6,"src_port":40000,"dst_port":443,"worker":0}
 * </pre>
 * ICMP events have {@code icmp_type} and {@code icmp_code} instead of ports; audit events add {@code would}. A write
 * that fails is counted and the first failure kept ({@link #failure()}); events are never silently reported written.
 */
public final class JsonLinesEventSink implements EventSink
{
    private final Path path;
    private final Writer writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile IOException failure;
    private final ThreadLocal<StringBuilder> lines = ThreadLocal.withInitial(() -> new StringBuilder(384));

    /** Creates or truncates {@code path}. */
    public JsonLinesEventSink(final Path path) throws IOException
    {
        this.path = path;
        this.writer = new BufferedWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), 1 << 16);
    }

    /** Writes to {@code writer} (tests, standard output); closing the sink closes it. */
    public JsonLinesEventSink(final Writer writer)
    {
        this.path = null;
        this.writer = writer;
    }

    @Override
    public void accept(final FirewallEvent event)
    {
        final StringBuilder line = lines.get();
        line.setLength(0);
        format(event, line);
        writeLine(line);
    }

    /**
     * Writes one more JSON object (without its newline) as a line of its own: events of other kinds that share the
     * file, such as an agent's own and DPI alerts. Counted as the firewall's are.
     */
    public void writeLine(final CharSequence json)
    {
        synchronized (writer)
        {
            try
            {
                writer.append(json).append('\n');
                written.incrementAndGet();
            }
            catch (final IOException ex)
            {
                failed.incrementAndGet();
                if (failure == null)
                {
                    failure = ex;
                }
            }
        }
    }

    /** The JSON object of one event, without the newline. */
    public static void format(final FirewallEvent event, final StringBuilder out)
    {
        out.append("{\"time\":\"").append(Instant.ofEpochSecond(0, event.timeNs)).append('"');
        field(out, "event", event.kind.label());
        field(out, "reason", event.reason.label());
        field(out, "policy", event.policyName);
        field(out, "policy_digest", event.policyDigest);
        field(out, "rule", event.rule);
        field(out, "action", event.action);
        if (event.wouldAction != null)
        {
            field(out, "would", event.wouldAction);
        }
        field(out, "src", event.source());
        field(out, "dst", event.destination());
        out.append(",\"protocol\":").append(event.protocol);
        if (event.icmp())
        {
            out.append(",\"icmp_type\":").append(event.srcPort).append(",\"icmp_code\":").append(event.dstPort);
        }
        else if (event.protocol == 6 || event.protocol == 17 || event.protocol == 132)
        {
            out.append(",\"src_port\":").append(event.srcPort).append(",\"dst_port\":").append(event.dstPort);
        }
        if (event.vni >= 0)
        {
            out.append(",\"vni\":").append(event.vni);
        }
        out.append(",\"worker\":").append(event.worker).append('}');
    }

    private static void field(final StringBuilder out, final String name, final String value)
    {
        out.append(",\"").append(name).append("\":");
        if (value == null)
        {
            out.append("null");
            return;
        }
        Json.appendString(out, value);
    }

    public long written()
    {
        return written.get();
    }

    public long failed()
    {
        return failed.get();
    }

    /** @return the first write failure, or null. */
    public IOException failure()
    {
        return failure;
    }

    @Override
    public void flush()
    {
        synchronized (writer)
        {
            try
            {
                writer.flush();
            }
            catch (final IOException ex)
            {
                if (failure == null)
                {
                    failure = ex;
                }
            }
        }
    }

    @Override
    public void close()
    {
        synchronized (writer)
        {
            try
            {
                writer.close();
            }
            catch (final IOException ex)
            {
                if (failure == null)
                {
                    failure = ex;
                }
            }
        }
        if (failure != null)
        {
            throw new UncheckedIOException("writing firewall events" + (path == null ? "" : " to " + path) +
                " failed (" + failed.get() + " events lost)", failure);
        }
    }
}
