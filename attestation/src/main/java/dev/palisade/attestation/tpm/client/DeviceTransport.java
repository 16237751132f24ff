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
 * <p>
 * There is no timeout here: {@link #transact} blocks in write and read until the kernel answers, and a blocked read
 * on a character device cannot be interrupted from Java. The bound is the driver's: it waits for each command at most
 * the TPM's command duration (TPM 2.0 Part 1 and the PC Client Platform TPM Profile timeouts, which the driver
 * applies per command code; minutes at worst for key generation) and then fails the call with an error. A caller that
 * needs a shorter deadline runs the call on a thread it can abandon.
 */
public final class DeviceTransport implements TpmTransport
{
    public static final Path RESOURCE_MANAGER = Path.of("/dev/tpmrm0");
    public static final Path RAW = Path.of("/dev/tpm0");

    private final RandomAccessFile device;
    private final Path path;
    private final int maxResponseBytes;

    /**
     * Opens {@code path}.
     *
     * @param maxResponseBytes the largest response accepted, at least a header's 10 bytes
     *                         ({@link #DEFAULT_MAX_RESPONSE_BYTES} unless the TPM is known to send more).
     * @throws IllegalArgumentException when {@code maxResponseBytes} is below 10.
     */
    public DeviceTransport(final Path path, final int maxResponseBytes) throws IOException
    {
        if (maxResponseBytes < HEADER_BYTES)
        {
            throw new IllegalArgumentException("maxResponseBytes is " + maxResponseBytes + ": a TPM response is at " +
                "least its " + HEADER_BYTES + "-byte header, so the bound must be " + HEADER_BYTES + " or more");
        }
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
