package dev.palisade.attestation.tpm.client;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TPM character device: {@code /dev/tpmrm0} (the kernel's resource manager, which swaps transient objects and
 * sessions out for each process, so the TPM's few object slots are not shared with other users) or {@code /dev/tpm0}
 * (the raw device, one user at a time). The kernel takes a whole command in one write and returns the whole response
 * to the next read (Linux drivers/char/tpm/tpm-dev-common.c).
 */
public final class DeviceTransport implements TpmTransport
{
    public static final Path RESOURCE_MANAGER = Path.of("/dev/tpmrm0");
    public static final Path RAW = Path.of("/dev/tpm0");

    private final RandomAccessFile device;
    private final Path path;
    private final int maxResponseBytes;

    public DeviceTransport(final Path path, final int maxResponseBytes) throws IOException
    {
        if (!Files.exists(path))
        {
            throw new IOException(path + " does not exist: no TPM device (is the tpm_tis/tpm_crb driver loaded?)");
        }
        this.path = path;
        this.maxResponseBytes = maxResponseBytes;
        try
        {
            this.device = new RandomAccessFile(path.toFile(), "rw");
        }
        catch (final IOException e)
        {
            throw new IOException("cannot open " + path + " (needs root or the tss group): " + e.getMessage(), e);
        }
    }

    /** Opens /dev/tpmrm0, or /dev/tpm0 when there is no resource manager device. */
    public static DeviceTransport open() throws IOException
    {
        final Path path = Files.exists(RESOURCE_MANAGER) ? RESOURCE_MANAGER : RAW;
        return new DeviceTransport(path, DEFAULT_MAX_RESPONSE_BYTES);
    }

    @Override
    public synchronized byte[] transact(final byte[] command) throws IOException
    {
        device.write(command);
        final byte[] buffer = new byte[maxResponseBytes];
        int filled = 0;
        int expected = -1;
        while (expected < 0 || filled < expected)
        {
            final int read = device.read(buffer, filled, buffer.length - filled);
            if (read <= 0)
            {
                throw new IOException(path + " ended the response after " + filled + " bytes");
            }
            filled += read;
            if (expected < 0 && filled >= HEADER_BYTES)
            {
                expected = TpmTransport.responseSize(buffer, maxResponseBytes);
            }
        }
        if (filled != expected)
        {
            throw new IOException(path + " returned " + filled + " bytes for a " + expected + "-byte response");
        }
        return java.util.Arrays.copyOf(buffer, expected);
    }

    @Override
    public void close() throws IOException
    {
        device.close();
    }

    @Override
    public String toString()
    {
        return path.toString();
    }
}
