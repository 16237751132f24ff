package dev.palisade.enforcement.agent;

import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleFormatException;
import dev.palisade.policy.bundle.BundleVerifier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * The agent's active release on disk, so that a DPU that restarts enforces what it enforced before instead of
 * waiting for the policy service. One directory holds {@value #CURRENT} (the active release) and {@value #PREVIOUS}
 * (the one it replaced, kept for the record).
 * <p>
 * Nothing read back is trusted because the agent wrote it: {@link #load} verifies the file again as if it had just
 * arrived (pinned root, certificate, revocations, signature, payload digests, expiry, target), and a file that fails
 * any check is {@link Refused} with the verifier's reason, never thrown on. An I/O error other than the file's absence
 * (permissions, a device error, a symbolic link or directory where the file should be) is {@link Refused} too, with
 * reason {@code malformed_bundle} and the error as the detail: either way the agent cannot use the file and falls back
 * to fail-closed, and the detail tells the operator why.
 * <p>
 * {@link #store} replaces the release whole or not at all (a temporary file beside it, written and flushed to disk,
 * then one atomic rename over the old one, then the directory flushed), so a crash at any point leaves the old release
 * or the new one as {@value #CURRENT}, never a mix; a temporary file a crash leaves behind is never read, and the next
 * store removes it. ({@link dev.palisade.policy.AtomicFiles} renames atomically but does not flush, which a release
 * that must survive power loss needs.)
 */
public final class BundleStore
{
    /** The active release. */
    public static final String CURRENT = "current.bundle";
    /** The release {@link #CURRENT} replaced. */
    public static final String PREVIOUS = "previous.bundle";
    static final String TEMPORARY_SUFFIX = ".tmp";

    /** What {@link #load} found. */
    public sealed interface Result permits Missing, Loaded, Refused
    {
    }

    /** No release stored: the agent runs fail-closed until the policy service sends one. */
    public record Missing(Path file) implements Result
    {
    }

    /** A stored release that verified: {@code encoded} is the file's exact bytes. */
    public record Loaded(Bundle bundle, byte[] encoded) implements Result
    {
        public Loaded
        {
            Objects.requireNonNull(bundle, "bundle");
            encoded = encoded.clone();
        }

        /** @return the file's bytes (a copy). */
        @Override
        public byte[] encoded()
        {
            return encoded.clone();
        }
    }

    /** A stored file that cannot be used, and why ({@code detail} says what to do). */
    public record Refused(BundleVerifier.Reason reason, String detail, Path file) implements Result
    {
        @Override
        public String toString()
        {
            return file + ": " + reason.label() + ": " + detail;
        }
    }

    private final Path directory;

    /** @param directory where the releases live; created by the first {@link #store} (owner-only) if missing. */
    public BundleStore(final Path directory)
    {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * Reads {@value #CURRENT} and verifies it with {@code verifier}, which should be built as for a release that has
     * just arrived: the pinned root, the current time and {@code target(this DPU)}; not {@code running(...)}, since
     * the stored release is the one that was running.
     */
    public synchronized Result load(final BundleVerifier verifier)
    {
        final Path file = directory.resolve(CURRENT);
        final byte[] bytes;
        try
        {
            final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile())
            {
                return new Refused(BundleVerifier.Reason.MALFORMED_BUNDLE, "not a regular file (a symbolic link, " +
                    "directory or device); remove it, and the agent will run fail-closed until the policy service " +
                    "sends the release again", file);
            }
            if (attributes.size() > Bundle.MAX_BUNDLE_BYTES)
            {
                return new Refused(BundleVerifier.Reason.MALFORMED_BUNDLE, "the file is " + attributes.size() +
                    " bytes, over the limit of " + Bundle.MAX_BUNDLE_BYTES + " for a release; remove it", file);
            }
            bytes = read(file, (int)attributes.size());
        }
        catch (final NoSuchFileException e)
        {
            return new Missing(file);
        }
        catch (final IOException e)
        {
            return new Refused(BundleVerifier.Reason.MALFORMED_BUNDLE, "cannot read the stored release: " + e +
                "; check the file's owner and permissions and the disk", file);
        }
        return switch (verifier.verify(bytes))
        {
            case BundleVerifier.Verified verified -> new Loaded(verified.bundle(), bytes);
            case BundleVerifier.Rejected rejected -> new Refused(rejected.reason(), rejected.detail() + "; the stored " +
                "release is not used: the agent runs fail-closed until the policy service sends a valid one", file);
        };
    }

    /** Reads at most {@code expectedBytes} + 1 bytes, so that a file growing under us cannot exhaust memory. */
    private static byte[] read(final Path file, final int expectedBytes) throws IOException
    {
        try (SeekableByteChannel channel = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS)))
        {
            final ByteBuffer buffer = ByteBuffer.allocate(expectedBytes + 1);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0)
            {
                // reads until the end of the file or one byte past what was expected
            }
            final byte[] bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
            return bytes;
        }
    }

    /**
     * Makes {@code encoded} the stored release, keeping the one it replaces as {@value #PREVIOUS}. Store only a
     * release that verified; {@link #load} checks it again anyway.
     *
     * @throws IllegalArgumentException when {@code encoded} is not a bundle at all.
     * @throws IOException              when the directory cannot be written; {@value #CURRENT} is then the old
     *                                  release, or (when only the final flush of the directory failed) the new one.
     */
    public synchronized void store(final byte[] encoded) throws IOException
    {
        try
        {
            Bundle.decode(encoded);
        }
        catch (final BundleFormatException e)
        {
            throw new IllegalArgumentException("not a release bundle, so not stored: " + e.getMessage(), e);
        }
        createDirectory();
        removeLeftovers();
        final Path current = directory.resolve(CURRENT);
        final Path next = writeTemporary(CURRENT, encoded); // first, so that a full disk changes nothing
        try
        {
            if (Files.isRegularFile(current, LinkOption.NOFOLLOW_LINKS))
            {
                final Path record = temporary(PREVIOUS);
                try
                {
                    Files.copy(current, record, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                    flush(record);
                    rename(record, directory.resolve(PREVIOUS));
                }
                finally
                {
                    Files.deleteIfExists(record);
                }
            }
            rename(next, current);
        }
        finally
        {
            Files.deleteIfExists(next);
        }
        flush(directory); // the renames themselves survive a power cut only once the directory is on disk
    }

    private void createDirectory() throws IOException
    {
        if (Files.isDirectory(directory))
        {
            return;
        }
        final Path parent = directory.getParent();
        final boolean posix = parent != null && Files.isDirectory(parent) &&
            Files.getFileAttributeView(parent, PosixFileAttributeView.class) != null;
        if (posix)
        {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rwx------")));
        }
        else
        {
            Files.createDirectories(directory);
        }
    }

    /** Removes temporary files a crash left behind ({@code .current.bundle.*.tmp}, {@code .previous.bundle.*.tmp}). */
    private void removeLeftovers() throws IOException
    {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, entry ->
        {
            final String name = entry.getFileName().toString();
            return name.endsWith(TEMPORARY_SUFFIX) && (name.startsWith("." + CURRENT + ".") ||
                name.startsWith("." + PREVIOUS + "."));
        }))
        {
            for (final Path leftover : entries)
            {
                Files.deleteIfExists(leftover);
            }
        }
    }

    private Path temporary(final String name) throws IOException
    {
        final boolean posix = Files.getFileAttributeView(directory, PosixFileAttributeView.class) != null;
        final FileAttribute<?>[] attributes = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))} : new FileAttribute<?>[0];
        return Files.createTempFile(directory, "." + name + ".", TEMPORARY_SUFFIX, attributes);
    }

    private Path writeTemporary(final String name, final byte[] bytes) throws IOException
    {
        final Path file = temporary(name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        catch (final IOException e)
        {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    private static void rename(final Path from, final Path to) throws IOException
    {
        try
        {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException e)
        {
            throw new IOException("cannot rename " + from + " over " + to + " atomically; keep the bundle " +
                "directory on a local file system", e);
        }
    }

    /** fsync: of a file's data, or of a directory's entries (opening a directory to read it works on Linux). */
    private static void flush(final Path path) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }
}
