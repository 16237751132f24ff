package dev.palisade.attestation.tpm.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The response bound of both transports is checked when they are made, before any device or socket is touched: a
 * bound below a response header's 10 bytes (negative included) is a usage error with a message that says so, not a
 * NegativeArraySizeException or a response that can never fit later.
 */
class TransportBoundsTest
{
    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 9, Integer.MIN_VALUE})
    void aDeviceTransportRefusesABoundBelowAHeader(final int maxResponseBytes, @TempDir final Path dir)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new DeviceTransport(dir.resolve("tpm0"), maxResponseBytes));
        assertEquals("maxResponseBytes is " + maxResponseBytes + ": a TPM response is at least its 10-byte header, " +
            "so the bound must be 10 or more", e.getMessage());
    }

    @Test
    void aDeviceTransportWithAUsableBoundGoesOnToLookForTheDevice(@TempDir final Path dir)
    {
        final IOException e = assertThrows(IOException.class, () -> new DeviceTransport(dir.resolve("tpm0"), 10));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 9})
    void aSocketTransportRefusesTheSameBounds(final int maxResponseBytes)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new SocketTransport("127.0.0.1", 1, Duration.ofSeconds(1), maxResponseBytes));
        assertTrue(e.getMessage().startsWith("maxResponseBytes is " + maxResponseBytes), e.getMessage());
    }
}
