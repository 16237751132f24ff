package dev.palisade.attestation.tpm.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real software TPM (swtpm, libtpms) in TPM 2.0 mode, started as a child process on a free loopback port pair and
 * stopped by its PID: the TPM for tests and for development machines without one. It answers raw TPM commands on
 * {@link #port()} ({@link SocketTransport}); {@link #controlPort()} is swtpm's control channel, which tpm2-tss's
 * "swtpm" TCTI also needs. {@code --flags not-need-init,startup-clear} makes it power on and run TPM2_Startup(CLEAR)
 * itself, so it is ready for commands once it answers.
 * <p>
 * Only 127.0.0.1 is bound: swtpm has no access control, and its TPM holds test keys only.
 */
public final class SwtpmProcess implements AutoCloseable
{
    /** Where swtpm_localca keeps the CA that {@code swtpm_setup --create-ek-cert} uses (/etc/swtpm-localca.conf). */
    public static final Path LOCAL_CA_DIRECTORY = Path.of("/var/lib/swtpm-localca");
    public static final Path LOCAL_CA_ROOT = LOCAL_CA_DIRECTORY.resolve("swtpm-localca-rootca-cert.pem");
    public static final Path LOCAL_CA_ISSUER = LOCAL_CA_DIRECTORY.resolve("issuercert.pem");

    private static final String INSTALL = "install swtpm swtpm-tools tpm2-tools (Debian/Ubuntu: apt-get install " +
        "swtpm swtpm-tools tpm2-tools)";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 5;

    private final Process process;
    private final Path stateDir;
    private final int port;
    /** Kills swtpm by PID if the JVM exits without {@link #close()} (a test run cut short), so none is left behind. */
    private final Thread killOnExit;

    private SwtpmProcess(final Process process, final Path stateDir, final int port)
    {
        this.process = process;
        this.stateDir = stateDir;
        this.port = port;
        final long pid = process.pid();
        this.killOnExit = new Thread(() -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly),
            "swtpm-" + pid + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** @return whether the swtpm executable is on the PATH. */
    public static boolean isInstalled()
    {
        return findOnPath("swtpm") != null;
    }

    /** @return whether swtpm_setup (package swtpm-tools), which manufactures TPMs with EK certificates, is there. */
    public static boolean isSetupInstalled()
    {
        return findOnPath("swtpm_setup") != null;
    }

    /**
     * Starts swtpm with its state in {@code stateDir} (created if absent) and waits until it answers TPM2_GetRandom.
     * If the chosen ports are taken between choosing and binding, it tries another pair.
     *
     * @throws IOException naming the packages to install when swtpm is missing, or with swtpm's log when it does not
     *                     come up.
     */
    public static SwtpmProcess start(final Path stateDir) throws IOException
    {
        return start(stateDir, "swtpm");
    }

    /** {@link #start(Path)} with the executable looked up by another name (tests, side-by-side builds). */
    static SwtpmProcess start(final Path stateDir, final String executable) throws IOException
    {
        final Path swtpm = findOnPath(executable);
        if (swtpm == null)
        {
            throw new IOException(executable + " is not installed (not on PATH): " + INSTALL);
        }
        Files.createDirectories(stateDir);
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++)
        {
            final int port = freePortPair();
            final Path log = stateDir.resolve("swtpm-" + port + ".log");
            final List<String> command = List.of(swtpm.toString(), "socket", "--tpm2",
                "--tpmstate", "dir=" + stateDir,
                "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear");
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
            final SwtpmProcess swtpmProcess = new SwtpmProcess(process, stateDir, port);
            try
            {
                swtpmProcess.awaitReady(log);
                return swtpmProcess;
            }
            catch (final IOException e)
            {
                swtpmProcess.close();
                last = e;
            }
        }
        throw last;
    }

    /**
     * Manufactures a TPM in {@code stateDir} as a vendor would: {@code swtpm_setup --tpm2 --create-ek-cert
     * --create-platform-cert --overwrite} creates the RSA-2048 and ECC EKs (persistent at 0x81010001 and 0x81010016
     * in swtpm 0.7), EK certificates in NV (0x01c00002 and 0x01c00016) signed by the swtpm-localca CA
     * ({@link #LOCAL_CA_ROOT}, {@link #LOCAL_CA_ISSUER}; created on first use), and a platform certificate.
     */
    public static void manufacture(final Path stateDir) throws IOException
    {
        final Path setup = findOnPath("swtpm_setup");
        if (setup == null)
        {
            throw new IOException("swtpm_setup is not installed (not on PATH): " + INSTALL);
        }
        Files.createDirectories(stateDir);
        final Path log = stateDir.resolve("swtpm_setup.log");
        final Process process = new ProcessBuilder(setup.toString(), "--tpm2", "--tpmstate", stateDir.toString(),
            "--create-ek-cert", "--create-platform-cert", "--overwrite").redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        try
        {
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException("swtpm_setup did not finish in 120 s; log: " + log);
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while swtpm_setup ran", e);
        }
        if (process.exitValue() != 0)
        {
            throw new IOException("swtpm_setup failed (exit " + process.exitValue() + "): " + tail(log));
        }
    }

    /** The TCP port of the TPM command channel (raw TPM 2.0 commands). */
    public int port()
    {
        return port;
    }

    /** swtpm's control channel, {@link #port()} + 1. */
    public int controlPort()
    {
        return port + 1;
    }

    public long pid()
    {
        return process.pid();
    }

    public Path stateDir()
    {
        return stateDir;
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** The tpm2-tools TCTI string for this TPM ({@code TPM2TOOLS_TCTI} or {@code -T}). */
    public String tcti()
    {
        return "swtpm:host=127.0.0.1,port=" + port;
    }

    /** Opens a connection to the TPM (swtpm serves one connection at a time). */
    public SocketTransport connect() throws IOException
    {
        return SocketTransport.loopback(port);
    }

    /** Opens a client on a new connection. */
    public Tpm2 client() throws IOException
    {
        return new Tpm2(connect());
    }

    private void awaitReady(final Path log) throws IOException
    {
        final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IOException("swtpm exited with " + process.exitValue() + " before answering: " + tail(log));
            }
            try (Tpm2 tpm = new Tpm2(new SocketTransport("127.0.0.1", port, Duration.ofSeconds(2), 4096)))
            {
                tpm.getRandom(8);
                return;
            }
            catch (final IOException e)
            {
                last = e;
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for swtpm", e);
            }
        }
        throw new IOException("swtpm (pid " + process.pid() + ") did not answer on 127.0.0.1:" + port + " within " +
            READY_TIMEOUT.toSeconds() + " s: " + (last == null ? "" : last.getMessage()) + "; " + tail(log));
    }

    /** Stops swtpm by its PID: SIGTERM (it saves its state and exits), then SIGKILL after 5 s. */
    @Override
    public void close()
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // The JVM is exiting: the hook runs anyway, and the stop below is still right.
        }
        final java.util.Optional<ProcessHandle> handle = ProcessHandle.of(process.pid());
        process.destroy();
        try
        {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                handle.ifPresent(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return "swtpm pid " + pid() + " on 127.0.0.1:" + port + " (state " + stateDir + ")";
    }

    /** Two consecutive free loopback ports: swtpm needs the data port and the control port next to it. */
    private static int freePortPair() throws IOException
    {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try (ServerSocket first = new ServerSocket(0, 1, loopback))
            {
                final int port = first.getLocalPort();
                if (port >= 65535)
                {
                    continue;
                }
                try (ServerSocket second = new ServerSocket(port + 1, 1, loopback))
                {
                    return port;
                }
                catch (final IOException taken)
                {
                    // The next one is in use: try another pair.
                }
            }
        }
        throw new IOException("found no two consecutive free ports on 127.0.0.1");
    }

    static Path findOnPath(final String executable)
    {
        final List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/bin");
        dirs.add("/usr/local/bin");
        for (final String dir : dirs)
        {
            if (!dir.isEmpty())
            {
                final Path candidate = Path.of(dir, executable);
                if (Files.isExecutable(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static String tail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log);
            return "log " + log + ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        }
        catch (final IOException e)
        {
            return "log " + log + " unreadable";
        }
    }
}
