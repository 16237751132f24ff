package dev.palisade.attestation.tpm.client;

import java.io.IOException;

/**
 * A way to a TPM: one marshalled command in (TPM 2.0 Library Part 1 section 18, a 10-byte header of tag, size and
 * command code, then handles, sessions and parameters), its whole response out. Transports move bytes and check the
 * response header's size; they do not interpret response codes ({@link Tpm2} does).
 */
public interface TpmTransport extends AutoCloseable
{
    /** The size of a command or response header: tag (2), size (4), command or response code (4). */
    int HEADER_BYTES = 10;
    /**
     * The default bound on a response: TPM_BUFFER_MAX of the reference implementation and of swtpm/libtpms is 4096,
     * and real TPMs use less, so a larger size in a header is a broken stream, not a big answer.
     */
    int DEFAULT_MAX_RESPONSE_BYTES = 4096;

    /**
     * Sends {@code command} and returns the TPM's response. How long it may wait is the transport's: a socket
     * transport gives up after its timeout ({@link SocketTransport}); a kernel device has none of its own and waits
     * as long as the driver does, which bounds each command by the TPM's command durations ({@link
     * DeviceTransport}).
     *
     * @throws IOException when the TPM cannot be reached, times out (where the transport has a timeout), or answers
     *                     with a header that does not frame a response (a size below 10 or above the transport's
     *                     bound).
     */
    byte[] transact(byte[] command) throws IOException;

    @Override
    void close() throws IOException;

    /** @return the response size its header declares, checked against {@code maxResponseBytes}. */
    static int responseSize(final byte[] header, final int maxResponseBytes) throws IOException
    {
        final int size = ((header[2] & 0xFF) << 24) | ((header[3] & 0xFF) << 16) | ((header[4] & 0xFF) << 8) |
            (header[5] & 0xFF);
        if (size < HEADER_BYTES || size > maxResponseBytes)
        {
            throw new IOException("TPM response header declares " + Integer.toUnsignedString(size) +
                " bytes; a response is 10 to " + maxResponseBytes + " bytes: not a TPM 2.0 response stream");
        }
        return size;
    }
}
