package dev.palisade.attestation.tpm.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** swtpm as a managed child process: free ports, readiness, state on disk, and a stop by PID that really stops it. */
class SwtpmProcessTest
{
    @Test
    void twoInstancesGetTheirOwnPortsAndStopByPid(@TempDir final Path dir) throws Exception
    {
        try (SwtpmProcess first = SwtpmSupport.start(dir.resolve("a"));
             SwtpmProcess second = SwtpmProcess.start(dir.resolve("b")))
        {
            assertNotEquals(first.port(), second.port());
            assertEquals(first.port() + 1, first.controlPort());
            assertTrue(ProcessHandle.of(first.pid()).orElseThrow().isAlive());
            try (Tpm2 tpm = first.client())
            {
                assertEquals(16, tpm.getRandom(16).length);
            }
            // swtpm serves one connection after another: a second client works once the first is closed.
            try (Tpm2 tpm = first.client())
            {
                assertEquals(8, tpm.getRandom(8).length);
            }
            assertTrue(Files.exists(dir.resolve("a/tpm2-00.permall")), "TPM state is written to the state dir");
            assertEquals("swtpm:host=127.0.0.1,port=" + first.port(), first.tcti());
            final long pid = first.pid();
            first.close();
            assertFalse(first.isAlive());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertThrows(IOException.class, first::connect);
            assertTrue(second.isAlive(), "stopping one instance leaves the other alone");
        }
    }

    @Test
    void aMissingSwtpmSaysWhatToInstall(@TempDir final Path dir)
    {
        final IOException e = assertThrows(IOException.class,
            () -> SwtpmProcess.start(dir, "swtpm-that-is-not-installed"));
        assertTrue(e.getMessage().contains("install swtpm swtpm-tools tpm2-tools"), e.getMessage());
    }
}
