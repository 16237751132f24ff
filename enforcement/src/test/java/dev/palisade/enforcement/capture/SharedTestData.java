package dev.palisade.enforcement.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Finds the project's shared test data ({@code ../shared/data} next to the repository, see its README.md) by walking
 * up from the working directory, so tests work whether Maven runs them from the repository root or from a module.
 * The data is not part of the repository: tests that need it skip, with a message saying where it was looked for, when
 * it is absent.
 */
public final class SharedTestData
{
    /** Where the data lives relative to some ancestor of the working directory. */
    public static final String DATA_FOLDER = "shared/data";
    public static final String DPI_CAPTURES = "dpi/pcap";

    private SharedTestData()
    {
    }

    /** @return the folder {@code shared/data/<relative>} found above the working directory, or null when absent. */
    public static Path find(final String relative)
    {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null)
        {
            final Path candidate = directory.resolve(DATA_FOLDER).resolve(relative);
            if (Files.isDirectory(candidate))
            {
                return candidate;
            }
            directory = directory.getParent();
        }
        return null;
    }

    /** @return the folder {@code shared/data/<relative>}; skips the calling test when it is absent. */
    public static Path require(final String relative)
    {
        final Path folder = find(relative);
        assumeTrue(folder != null, () -> "shared test data folder " + DATA_FOLDER + "/" + relative +
            " not found above " + Path.of("").toAbsolutePath() +
            " (it lives at ../shared/data next to the repository; see shared/data/README.md): skipping");
        return folder;
    }

    /** @return the nDPI captures ({@code *.pcap}, {@code *.pcapng}) sorted by name; skips when absent. */
    public static List<Path> dpiCaptures() throws IOException
    {
        final Path folder = require(DPI_CAPTURES);
        final List<Path> captures = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder))
        {
            files
                .filter((file) -> file.getFileName().toString().endsWith(".pcap") ||
                    file.getFileName().toString().endsWith(".pcapng"))
                .sorted()
                .forEach(captures::add);
        }
        return captures;
    }

    /** @return one nDPI capture by file name; skips when the data folder is absent, fails when the file is. */
    public static Path dpiCapture(final String fileName)
    {
        final Path file = require(DPI_CAPTURES).resolve(fileName);
        if (!Files.isRegularFile(file))
        {
            throw new AssertionError("capture " + file + " is missing from the shared data folder");
        }
        return file;
    }
}
