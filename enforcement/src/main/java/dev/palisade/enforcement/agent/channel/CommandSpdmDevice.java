package dev.palisade.enforcement.agent.channel;

import dev.palisade.attestation.spdm.SpdmFormatException;
import dev.palisade.attestation.spdm.SpdmVerifier;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An SPDM device reached through a command (the vendor's SPDM requester tool, or a wrapper around it): the command
 * gets the nonce as 64 hex digits wherever an argument says {@code {nonce}}, and prints one JSON object:
 * <pre>
 * {"transcript": "HEX", "vca": "HEX", "chain": "-----BEGIN CERTIFICATE-----…"}
 * </pre>
 * {@code transcript} is GET_MEASUREMENTS || MEASUREMENTS as sent and received, {@code vca} (optional) the connection's
 * GET_VERSION .. ALGORITHMS, {@code chain} (optional when the configuration names a chain file) the device's
 * certificates. Hex may carry whitespace and {@code 0x} prefixes, as tools print it. A command that fails, hangs past
 * its timeout or prints something else is an error naming the device and what it printed on standard error.
 */
public final class CommandSpdmDevice implements SpdmDevice
{
    public static final String NONCE_PLACEHOLDER = "{nonce}";
    /** More than any real device's answer (a few KiB), little enough to hold in memory. */
    static final int MAX_OUTPUT_BYTES = 256 * 1024;

    private final String name;
    private final List<String> command;
    private final Path chainFile;
    private final Duration timeout;

    /**
     * @param command   argv; at least one element must contain {@link #NONCE_PLACEHOLDER}.
     * @param chainFile the device's chain (PEM), used when the command prints none; may be null.
     */
    public CommandSpdmDevice(final String name, final List<String> command, final Path chainFile,
        final Duration timeout)
    {
        if (command.isEmpty() || command.stream().noneMatch(a -> a.contains(NONCE_PLACEHOLDER)))
        {
            throw new IllegalArgumentException("the command must pass the nonce on: one argument must contain " +
                NONCE_PLACEHOLDER);
        }
        this.name = name;
        this.command = List.copyOf(command);
        this.chainFile = chainFile;
        this.timeout = timeout;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public Evidence measure(final byte[] nonce) throws IOException
    {
        final String hex = HexFormat.of().formatHex(nonce);
        final List<String> argv = new ArrayList<>(command.size());
        command.forEach(a -> argv.add(a.replace(NONCE_PLACEHOLDER, hex)));
        final Process process = new ProcessBuilder(argv).redirectErrorStream(false).start();
        process.getOutputStream().close();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final Thread errors = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), stderr));
        final byte[] stdout;
        try
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), out));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                throw new IOException("'" + command.get(0) + "' did not answer within " + timeout.toSeconds() +
                    " s; killed");
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            errors.join(TimeUnit.SECONDS.toMillis(5));
            synchronized (out)
            {
                stdout = out.toByteArray();
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while measuring", e);
        }
        if (process.exitValue() != 0)
        {
            throw new IOException("'" + command.get(0) + "' exited with " + process.exitValue() + lastLine(stderr));
        }
        if (stdout.length >= MAX_OUTPUT_BYTES)
        {
            throw new IOException("'" + command.get(0) + "' printed more than " + MAX_OUTPUT_BYTES + " bytes");
        }
        return parse(new String(stdout, StandardCharsets.UTF_8));
    }

    /** Reads the command's JSON; each problem names the field. */
    Evidence parse(final String output) throws IOException
    {
        final JsonObject json;
        try
        {
            json = new JsonObject(output.strip());
        }
        catch (final DecodeException | ClassCastException e)
        {
            throw new IOException("'" + command.get(0) + "' did not print a JSON object {transcript, vca, chain}");
        }
        final byte[] transcript = hex(json, "transcript", true);
        final byte[] vca = hex(json, "vca", false);
        String chain = json.getValue("chain") instanceof String text ? text : null;
        if (chain == null && json.getValue("chain") != null)
        {
            throw new IOException("'chain' printed by '" + command.get(0) + "' is not PEM text");
        }
        if (chain == null)
        {
            if (chainFile == null)
            {
                throw new IOException("'" + command.get(0) + "' printed no 'chain', and no chain file is configured");
            }
            chain = Files.readString(chainFile, StandardCharsets.US_ASCII);
        }
        try
        {
            SpdmVerifier.readPem(chain);
        }
        catch (final SpdmFormatException e)
        {
            throw new IOException("the device's chain" + (json.containsKey("chain") ? "" : " (" + chainFile + ")") +
                ": " + e.getMessage());
        }
        return new Evidence(transcript, vca, chain);
    }

    private byte[] hex(final JsonObject json, final String field, final boolean required) throws IOException
    {
        final Object value = json.getValue(field);
        if (value == null)
        {
            if (required)
            {
                throw new IOException("'" + command.get(0) + "' printed no '" + field + "'");
            }
            return null;
        }
        if (!(value instanceof String text))
        {
            throw new IOException("'" + field + "' printed by '" + command.get(0) + "' is not a hex string");
        }
        try
        {
            return SpdmVerifier.parseHex(text);
        }
        catch (final SpdmFormatException e)
        {
            throw new IOException("'" + field + "' printed by '" + command.get(0) + "': " + e.getMessage());
        }
    }

    private static void drain(final InputStream in, final ByteArrayOutputStream out)
    {
        final byte[] buffer = new byte[8192];
        try (in)
        {
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                synchronized (out)
                {
                    // Keep reading past the limit (so the command is not blocked on a full pipe), but stop storing.
                    if (out.size() < MAX_OUTPUT_BYTES)
                    {
                        out.write(buffer, 0, Math.min(n, MAX_OUTPUT_BYTES - out.size()));
                    }
                }
            }
        }
        catch (final IOException e)
        {
            // The process ended or was killed: what was read is what there is.
        }
    }

    private static String lastLine(final ByteArrayOutputStream stderr)
    {
        final String text;
        synchronized (stderr)
        {
            text = stderr.toString(StandardCharsets.UTF_8).strip();
        }
        if (text.isEmpty())
        {
            return "";
        }
        final String last = text.lines().reduce((a, b) -> b).orElse("");
        return ": " + (last.length() > 300 ? last.substring(0, 300) + "…" : last);
    }
}
