package dev.palisade.api.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: a fresh cluster (initdb, trust authentication on loopback) on a free port, started
 * as a child process and stopped by its PID (from postmaster.pid). As root it runs as the {@code postgres} user, as
 * PostgreSQL requires. Needs the Debian package postgresql (run-tests installs it).
 */
public final class PostgresServer implements AutoCloseable
{
    private final Path dataDir;
    private final int port;
    private final Process process;

    private PostgresServer(final Path dataDir, final int port, final Process process)
    {
        this.dataDir = dataDir;
        this.port = port;
        this.process = process;
    }

    public static PostgresServer start() throws Exception
    {
        final Path bin = binDir();
        final Path dataDir = Files.createTempDirectory("palisade-pg-");
        final boolean root = "root".equals(System.getProperty("user.name"));
        if (root)
        {
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
            run(List.of("chown", "postgres:postgres", dataDir.toString()));
        }
        run(asPostgres(root, List.of(bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-A", "trust",
            "-U", "palisade", "-E", "UTF8", "--no-sync")));
        final int port = freePort();
        final Process process = new ProcessBuilder(asPostgres(root, List.of(bin.resolve("postgres").toString(),
            "-D", dataDir.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", dataDir.toString(),
            "-c", "fsync=off", "-c", "max_connections=200")))
            .redirectErrorStream(true).redirectOutput(dataDir.resolve("server.log").toFile()).start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException("postgres exited: " + Files.readString(dataDir.resolve("server.log")));
            }
            try (Socket ignored = new Socket("127.0.0.1", port))
            {
                if (Files.exists(dataDir.resolve("postmaster.pid")))
                {
                    return new PostgresServer(dataDir, port, process);
                }
            }
            catch (final IOException notYet)
            {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("postgres did not start in 30 s: " +
            Files.readString(dataDir.resolve("server.log")));
    }

    private static List<String> asPostgres(final boolean root, final List<String> command)
    {
        if (!root)
        {
            return command;
        }
        final List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        out.addAll(command);
        return out;
    }

    private static Path binDir() throws IOException
    {
        final Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions))
        {
            try (Stream<Path> list = Files.list(versions))
            {
                final Path newest = list.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("postgres")))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getParent().getFileName().toString()
                        .replaceAll("\\D", "0")))).orElse(null);
                if (newest != null)
                {
                    return newest;
                }
            }
        }
        throw new IllegalStateException("PostgreSQL is not installed (apt-get install postgresql; run-tests does)");
    }

    private static void run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    /** @return a connection URI for a new, empty database. */
    public String createDatabase(final String name) throws Exception
    {
        run(List.of(binDir().resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
            "palisade", name));
        return "postgresql://palisade@127.0.0.1:" + port + "/" + name;
    }

    public int port()
    {
        return port;
    }

    @Override
    public void close() throws Exception
    {
        // Stop by PID: the postmaster's, from its pid file (SIGTERM: smart shutdown; SIGINT: fast).
        final Path pidFile = dataDir.resolve("postmaster.pid");
        if (Files.exists(pidFile))
        {
            final long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
            ProcessHandle.of(pid).ifPresent(handle ->
            {
                runUnchecked(List.of("kill", "-INT", Long.toString(pid)));
                handle.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
        }
        process.waitFor(30, TimeUnit.SECONDS);
        process.destroyForcibly();
        runUnchecked(List.of("rm", "-rf", dataDir.toString()));
    }

    private static void runUnchecked(final List<String> command)
    {
        try
        {
            run(command);
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }
}
