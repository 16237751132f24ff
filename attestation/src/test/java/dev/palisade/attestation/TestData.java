package dev.palisade.attestation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project's shared test data ({@code ../shared/data}, see its README.md), found by walking up from the working
 * directory; tests that need it skip with a message saying where it was looked for when it is absent.
 */
public final class TestData
{
    private TestData()
    {
    }

    /** @return {@code shared/data/<relative>}; skips the calling test when it is absent. */
    public static Path require(final String relative)
    {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null)
        {
            final Path candidate = directory.resolve("shared/data").resolve(relative);
            if (Files.exists(candidate))
            {
                return candidate;
            }
            directory = directory.getParent();
        }
        assumeTrue(false, "shared/data/" + relative + " not found above " + Path.of("").toAbsolutePath() +
            " (it lives at ../shared/data next to the repository): skipping");
        return null;
    }

    public static byte[] bytes(final Path file)
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
