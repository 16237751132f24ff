package dev.palisade.cli;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
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
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", Instant.ofEpochSecond(0, a.timestampNs()).toString());
        m.put("event_type", "alert");
        m.put("pcap_cnt", a.packetNumber() == 0 ? null : a.packetNumber());
        m.put("proto", protocol(a.protocol()));
        m.put("src_ip", Addresses.format(a.srcHi(), a.srcLo()));
        m.put("src_port", a.srcPort());
        m.put("dest_ip", Addresses.format(a.dstHi(), a.dstLo()));
        m.put("dest_port", a.dstPort());
        m.put("direction", a.toServer() ? "to_server" : "to_client");
        final Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("action", a.blocked() ? "blocked" : "allowed");
        alert.put("rule_action", a.action());
        alert.put("gid", a.gid());
        alert.put("signature_id", a.sid());
        alert.put("rev", a.rev());
        alert.put("signature", a.msg());
        alert.put("category", a.classtype());
        alert.put("severity", a.priority() == 0 ? 3 : a.priority());
        m.put("alert", alert);
        m.put("source", a.source());
        final byte[] payload = a.payload() == null ? new byte[0] : a.payload();
        m.put("payload", Base64.getEncoder().encodeToString(payload));
        m.put("payload_printable", printable(payload));
        return m;
    }

    static String protocol(final int protocol)
    {
        return switch (protocol)
        {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 1 -> "ICMP";
            case 58 -> "IPv6-ICMP";
            default -> String.valueOf(protocol);
        };
    }

    /** Printable ASCII kept, everything else as '.', as Suricata's payload_printable. */
    static String printable(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder(bytes.length);
        for (final byte b : bytes)
        {
            sb.append(b >= 0x20 && b < 0x7F || b == '\n' || b == '\r' || b == '\t' ? (char)b : '.');
        }
        return sb.toString();
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
