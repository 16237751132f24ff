package dev.palisade.attestation.tpm.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * swtpm's TCP server socket ({@code swtpm socket --server type=tcp}): the data port carries raw TPM commands and
 * responses with no framing of its own (unlike the Microsoft simulator's TPM_SEND_COMMAND protocol), so a response's
 * end is learnt from the size in its 10-byte header. One connection, one command at a time.
 */
public final class SocketTransport implements TpmTransport
{
    /** Generous for a software TPM; RSA-2048 primary key generation takes up to seconds on slow CPUs. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int maxResponseBytes;
    private final String peer;
    private final int timeoutMs;

    /**
     * Connects to {@code host:port}.
     *
     * @param timeout          for the connection and for each response (SO_TIMEOUT).
     * @param maxResponseBytes the largest response accepted ({@link #DEFAULT_MAX_RESPONSE_BYTES} unless the TPM is
     *                         known to send more).
     */
    public SocketTransport(final String host, final int port, final Duration timeout, final int maxResponseBytes)
        throws IOException
    {
        if (maxResponseBytes < HEADER_BYTES)
        {
            throw new IllegalArgumentException("maxResponseBytes is " + maxResponseBytes + ": a TPM response is at " +
                "least its " + HEADER_BYTES + "-byte header, so the bound must be " + HEADER_BYTES + " or more");
        }
        this.peer = host + ":" + port;
        this.maxResponseBytes = maxResponseBytes;
        this.timeoutMs = (int)Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.socket = new Socket();
        try
        {
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            socket.setTcpNoDelay(true);
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }
        catch (final IOException e)
        {
            socket.close();
            throw new IOException("cannot connect to the TPM at " + peer + ": " + e.getMessage(), e);
        }
    }

    /** Connects to swtpm on 127.0.0.1:{@code port} with the default timeout and response bound. */
    public static SocketTransport loopback(final int port) throws IOException
    {
        return new SocketTransport("127.0.0.1", port, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES);
    }

    @Override
    public synchronized byte[] transact(final byte[] command) throws IOException
    {
        try
        {
            out.write(command);
            out.flush();
            final byte[] header = new byte[HEADER_BYTES];
            in.readFully(header);
            final int size = TpmTransport.responseSize(header, maxResponseBytes);
            final byte[] response = new byte[size];
            System.arraycopy(header, 0, response, 0, HEADER_BYTES);
            in.readFully(response, HEADER_BYTES, size - HEADER_BYTES);
            return response;
        }
        catch (final SocketTimeoutException e)
        {
            // The stream is now out of step (a late response would be read as the next one's): do not reuse it.
            socket.close();
            throw new IOException("the TPM at " + peer + " did not answer within " + timeoutMs + " ms", e);
        }
        catch (final IOException e)
        {
            socket.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }

    @Override
    public String toString()
    {
        return "tcp:" + peer;
    }
}
