package dev.palisade.enforcement.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs Wireshark's {@code tshark} as an independent reference for what a capture contains. Tests that use it skip with
 * a clear message when it is not installed.
 */
public final class Tshark
{
    private static final long TIMEOUT_SECONDS = 60;
    private static final Path EXECUTABLE = locate();

    private Tshark()
    {
    }

    public static boolean isAvailable()
    {
        return EXECUTABLE != null;
    }

    public static void assumeAvailable()
    {
        assumeTrue(isAvailable(), "tshark is not installed (not on PATH nor at /usr/bin/tshark): skipping the " +
            "comparison with Wireshark");
    }

    /**
     * Runs {@code tshark -r file -T fields} with every occurrence of each field, comma-aggregated, one row a packet.
     *
     * @param options extra tshark arguments, e.g. {@code -o ip.defragment:FALSE}.
     * @return one array of field values per packet, in the order of {@code fields}; an absent field is "".
     */
    public static List<String[]> fields(final Path file, final List<String> options, final String... fields)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(EXECUTABLE.toString());
        command.add("-n");
        command.add("-r");
        command.add(file.toString());
        command.addAll(options);
        command.add("-T");
        command.add("fields");
        command.add("-E");
        command.add("separator=/t");
        command.add("-E");
        command.add("occurrence=a");
        command.add("-E");
        command.add("aggregator=,");
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }

        final List<String[]> rows = new ArrayList<>();
        for (final String line : run(command.subList(1, command.size()), Map.of(), TIMEOUT_SECONDS))
        {
            rows.add(line.split("\t", -1));
        }
        return rows;
    }

    /**
     * Runs tshark with {@code arguments} (and extra environment variables) and returns its standard output's lines.
     *
     * @throws IOException when it fails, or does not finish within {@code timeoutSeconds}.
     */
    public static List<String> run(final List<String> arguments, final Map<String, String> environment,
        final long timeoutSeconds) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(EXECUTABLE.toString());
        command.addAll(arguments);
        final Path output = Files.createTempFile("tshark-", ".txt");
        try
        {
            final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            final Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException("tshark did not finish within " + timeoutSeconds + " s: " + command);
            }
            if (process.exitValue() != 0)
            {
                throw new IOException("tshark exited with " + process.exitValue() + ": " + command);
            }
            return Files.readAllLines(output, StandardCharsets.UTF_8);
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }

    private static Path locate()
    {
        final String searchPath = System.getenv("PATH");
        if (searchPath != null)
        {
            for (final String directory : searchPath.split(java.io.File.pathSeparator))
            {
                if (!directory.isEmpty())
                {
                    final Path candidate = Path.of(directory, "tshark");
                    if (Files.isExecutable(candidate))
                    {
                        return candidate;
                    }
                }
            }
        }
        final Path fallback = Path.of("/usr/bin/tshark");
        return Files.isExecutable(fallback) ? fallback : null;
    }
}
