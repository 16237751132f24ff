package dev.palisade.attestation.tpm.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starting a real swtpm for a test class, and running tpm2-tools next to it. Tests skip (with the packages to install)
 * where swtpm or tpm2-tools are absent, as the project's other tool-backed tests do; where they are installed, the
 * TPM is real and nothing is mocked.
 */
public final class SwtpmSupport
{
    private SwtpmSupport()
    {
    }

    /** The output and exit code of a tool run. */
    public record Run(int exitCode, String output)
    {
    }

    /** Starts swtpm with fresh state in {@code dir}; skips the test class when swtpm is not installed. */
    public static SwtpmProcess start(final Path dir) throws IOException
    {
        assumeTrue(SwtpmProcess.isInstalled(), "swtpm not installed: install swtpm swtpm-tools tpm2-tools; skipping");
        return SwtpmProcess.start(dir);
    }

    /** Manufactures a TPM with EK certificates (swtpm_setup) in {@code dir}, then starts it. */
    public static SwtpmProcess startManufactured(final Path dir) throws IOException
    {
        assumeTrue(SwtpmProcess.isInstalled() && SwtpmProcess.isSetupInstalled(),
            "swtpm/swtpm_setup not installed: install swtpm swtpm-tools tpm2-tools; skipping");
        SwtpmProcess.manufacture(dir);
        return SwtpmProcess.start(dir);
    }

    public static void assumeTool(final String tool)
    {
        assumeTrue(SwtpmProcess.findOnPath(tool) != null, tool + " not installed (Debian tpm2-tools): skipping");
    }

    /** Runs a tool in {@code dir} with its output captured; fails the test when it hangs. */
    public static Run run(final Path dir, final List<String> command) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // tpm2-tools must not go looking for a default TPM (another test's swtpm on port 2321, say).
        builder.environment().put("TPM2TOOLS_TCTI", "none");
        final Process process = builder.start();
        final byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
