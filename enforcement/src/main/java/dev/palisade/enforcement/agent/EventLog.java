package dev.palisade.enforcement.agent;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.FirewallEvent;
import dev.palisade.enforcement.firewall.JsonLinesEventSink;
import dev.palisade.policy.Addresses;
import dev.palisade.policy.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's events, one JSON object per line in one file: what the agent did (boot, releases accepted and refused,
 * attestation, quarantine), the firewall's events ({@link JsonLinesEventSink#format}) and DPI alerts (Suricata
 * EVE-like, {@link #alertJson}). The file is appended to, so a restart loses nothing, and created owner-only (alerts
 * carry payload bytes). A write that fails is counted and kept ({@link #failed()}), never reported written.
 */
public final class EventLog implements EventSink, AlertSink
{
    private final Path path;
    private final Clock clock;
    private final JsonLinesEventSink lines;

    /** Opens {@code path} for appending (created when missing, owner-only). */
    public EventLog(final Path path, final Clock clock) throws IOException
    {
        this.path = path;
        this.clock = clock;
        if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS))
        {
            try
            {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")));
            }
            catch (final UnsupportedOperationException | FileAlreadyExistsException e)
            {
                // not POSIX, or created meanwhile: opened below as it is
            }
        }
        this.lines = new JsonLinesEventSink(new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), StandardCharsets.UTF_8),
            1 << 16));
    }

    public Path path()
    {
        return path;
    }

    /** An event of the agent's own: {@code fields} after the time and the event name. */
    public void agent(final String event, final Map<String, ?> fields)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", clock.instant().toString());
        m.put("event", event);
        m.putAll(fields);
        lines.writeLine(Json.write(m));
        lines.flush(); // the agent's own events are rare and matter: out at once
    }

    @Override
    public void accept(final FirewallEvent event)
    {
        lines.accept(event);
    }

    @Override
    public void alert(final Alert alert)
    {
        lines.writeLine(Json.write(alertJson(alert)));
    }

    /** @return events written so far (all kinds). */
    public long written()
    {
        return lines.written();
    }

    /** @return events that could not be written. */
    public long failed()
    {
        return lines.failed();
    }

    /** @return the first write failure, or null. */
    public IOException failure()
    {
        return lines.failure();
    }

    @Override
    public void flush()
    {
        lines.flush();
    }

    /** Closes the file; a failure is kept in {@link #failure()} rather than thrown (the agent is stopping). */
    @Override
    public void close()
    {
        try
        {
            lines.close();
        }
        catch (final UncheckedIOException e)
        {
            // kept by the sink: failure() and failed() say it
        }
    }

    /** One alert as Suricata's EVE names its fields, so that existing tooling reads it. */
    public static Map<String, Object> alertJson(final Alert a)
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
}
