package dev.palisade.policy;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file whole or not at all: into a temporary file beside it, then one rename. A reader (or a restart after a
 * crash) sees the old content or the new, never half of it. Owner-only files are created 0600 from the first byte.
 */
public final class AtomicFiles
{
    private AtomicFiles()
    {
    }

    /**
     * @param ownerOnly create the file readable and writable by its owner only.
     * @param replace   replace an existing file; when false, an existing file is a {@link FileAlreadyExistsException}.
     */
    public static void write(final Path file, final byte[] bytes, final boolean ownerOnly, final boolean replace)
        throws IOException
    {
        if (!replace && Files.exists(file))
        {
            throw new FileAlreadyExistsException(file.toString(), null, "it is never overwritten");
        }
        final Path directory = file.toAbsolutePath().getParent();
        final boolean posix = Files.getFileAttributeView(directory, PosixFileAttributeView.class) != null;
        final Path temporary = ownerOnly && posix ?
            Files.createTempFile(directory, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))) :
            Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
        try
        {
            Files.write(temporary, bytes);
            try
            {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException e)
            {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }
}
