package dev.palisade.cli;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.enforcement.agent.EventLog;
import dev.palisade.policy.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects alerts from the workers (any thread): counts by sid for the summary and, with a file, writes one JSON
 * object per alert (Suricata EVE-like field names, so existing tooling reads them).
 */
final class AlertLog implements AlertSink, AutoCloseable
{
    private final BufferedWriter writer;
    private final Map<Long, Long> bySid = new TreeMap<>();
    private long total;

    AlertLog(final Path file) throws IOException
    {
        this.writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void alert(final Alert alert)
    {
        total++;
        bySid.merge(alert.sid(), 1L, Long::sum);
        if (writer == null)
        {
            return;
        }
        try
        {
            writer.write(Json.write(toJson(alert)));
            writer.newLine();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> toJson(final Alert a)
    {
        return EventLog.alertJson(a);
    }

    synchronized long total()
    {
        return total;
    }

    synchronized Map<String, Long> bySid()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        bySid.forEach((sid, n) -> out.put(String.valueOf(sid), n));
        return out;
    }

    @Override
    public synchronized void close() throws IOException
    {
        if (writer != null)
        {
            writer.close();
        }
    }
}
