package dev.palisade.attestation.tpm.client;

import dev.palisade.attestation.tpm.TpmWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client when the TPM's answer is hostile, against a real swtpm through a transport that tampers with one
 * command: a success response whose parameters do not decode must not leak the object the TPM created for it (swtpm
 * has three object slots and no resource manager), and a command that fails in transport or framing must not leak
 * its policy session. The TPM itself is asked (TPM2_GetCapability of TPM_CAP_HANDLES) what is still loaded.
 */
class Tpm2HostileResponseTest
{
    private static final int TRANSIENT_FIRST = 0x8000_0000;
    private static final int POLICY_SESSION_FIRST = 0x0300_0000;

    @TempDir
    static Path state;
    private static SwtpmProcess swtpm;
    private static SocketTransport real;

    private HostileTransport hostile;
    private Tpm2 tpm;

    @BeforeAll
    static void startSwtpm() throws Exception
    {
        swtpm = SwtpmSupport.start(state.resolve("tpm"));
        real = swtpm.connect();
    }

    @AfterAll
    static void stopSwtpm() throws Exception
    {
        if (real != null)
        {
            real.close();
        }
        if (swtpm != null)
        {
            swtpm.close();
        }
    }

    @BeforeEach
    void client() throws IOException
    {
        hostile = new HostileTransport(real);
        tpm = new Tpm2(hostile);
        assertEquals(List.of(), loaded(TRANSIENT_FIRST), "no object is loaded before a test");
    }

    @AfterEach
    void nothingLeaked() throws IOException
    {
        assertEquals(List.of(), loaded(TRANSIENT_FIRST), "transient objects left loaded");
        assertEquals(List.of(), loaded(POLICY_SESSION_FIRST), "policy sessions left loaded");
    }

    @Test
    void aCreatedPrimaryWhoseResponseHasTrailingParametersIsFlushed()
    {
        hostile.tamper(Commands.CREATE_PRIMARY, HostileTransport::extraParameterByte);
        final IOException e = assertThrows(IOException.class, () -> tpm.createEk(KeyType.ECC));
        assertTrue(e.getMessage().startsWith("malformed TPM2_CreatePrimary response"), e.getMessage());
        assertTrue(hostile.flushed(hostile.handleOf(Commands.CREATE_PRIMARY)), hostile::toString);
    }

    @Test
    void aCreatedPrimaryWhosePublicAreaDoesNotDecodeIsFlushed()
    {
        // outPublic starts after the header, the handle and parameterSize: its size (2), type (2), then nameAlg.
        hostile.tamper(Commands.CREATE_PRIMARY, response ->
        {
            final byte[] out = response.clone();
            out[22] = (byte)0xFF;
            out[23] = (byte)0xFF;
            return out;
        });
        final IOException e = assertThrows(IOException.class, () -> tpm.createEk(KeyType.ECC));
        assertTrue(e.getMessage().contains("nameAlg"), e.getMessage());
        assertTrue(hostile.flushed(hostile.handleOf(Commands.CREATE_PRIMARY)), hostile::toString);
    }

    @Test
    void aLoadedKeyWhoseResponseHasTrailingParametersIsFlushed() throws IOException
    {
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.ECC);
        try
        {
            hostile.tamper(Commands.LOAD, HostileTransport::extraParameterByte);
            final IOException e = assertThrows(IOException.class,
                () -> tpm.createAttestationKey(ek.handle(), KeyType.ECC));
            assertTrue(e.getMessage().startsWith("malformed TPM2_Load response"), e.getMessage());
            assertTrue(hostile.flushed(hostile.handleOf(Commands.LOAD)), hostile::toString);
            assertEquals(List.of(ek.handle()), loaded(TRANSIENT_FIRST), "only the EK is left");
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    @Test
    void aPolicySessionIsFlushedWhenTheTransportFails() throws IOException
    {
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.ECC);
        try
        {
            // TPM2_Create under the EK needs its policy session; the transport fails before the TPM sees it.
            hostile.failInTransport(Commands.CREATE);
            final IOException e = assertThrows(IOException.class,
                () -> tpm.createAttestationKey(ek.handle(), KeyType.ECC));
            assertEquals("injected transport failure", e.getMessage());
            assertTrue(hostile.flushed(hostile.handleOf(Commands.START_AUTH_SESSION)), hostile::toString);
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    @Test
    void aPolicySessionIsFlushedWhenTheResponseDoesNotFrame() throws IOException
    {
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.ECC);
        try
        {
            // A header that declares 11 bytes on a 10-byte response; the command never reached the TPM.
            hostile.answerInstead(Commands.CREATE, new TpmWriter().u16(Commands.ST_SESSIONS).u32(11).u32(0)
                .toByteArray());
            final IOException e = assertThrows(IOException.class,
                () -> tpm.createAttestationKey(ek.handle(), KeyType.ECC));
            assertTrue(e.getMessage().contains("responseSize"), e.getMessage());
            assertTrue(hostile.flushed(hostile.handleOf(Commands.START_AUTH_SESSION)), hostile::toString);
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    /** TPM2_GetCapability(TPM_CAP_HANDLES) from {@code first}, straight to swtpm: the handles loaded in that range. */
    private static List<Integer> loaded(final int first) throws IOException
    {
        final byte[] command = new TpmWriter().u16(Commands.ST_NO_SESSIONS).u32(22).u32(Commands.GET_CAPABILITY)
            .u32(1).u32(first).u32(64).toByteArray();
        final byte[] response = real.transact(command);
        assertEquals(0, u32(response, 6), "TPM2_GetCapability response code");
        final int count = u32(response, 15);
        final List<Integer> handles = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int handle = u32(response, 19 + 4 * i);
            if ((handle >>> 24) == (first >>> 24))
            {
                handles.add(handle);
            }
        }
        return handles;
    }

    private static int u32(final byte[] bytes, final int offset)
    {
        return ((bytes[offset] & 0xFF) << 24) | ((bytes[offset + 1] & 0xFF) << 16) |
            ((bytes[offset + 2] & 0xFF) << 8) | (bytes[offset + 3] & 0xFF);
    }

    /**
     * Forwards commands to swtpm and records them and their real responses; for one command code it can fail
     * instead, answer instead, or tamper with the real response, once.
     */
    private static final class HostileTransport implements TpmTransport
    {
        private final TpmTransport tpm;
        private final List<byte[]> commands = new ArrayList<>();
        private final Map<Integer, byte[]> responses = new HashMap<>();
        private int target = -1;
        private UnaryOperator<byte[]> tamper;
        private byte[] instead;
        private boolean fail;

        HostileTransport(final TpmTransport tpm)
        {
            this.tpm = tpm;
        }

        void tamper(final int commandCode, final UnaryOperator<byte[]> tamper)
        {
            this.target = commandCode;
            this.tamper = tamper;
        }

        void answerInstead(final int commandCode, final byte[] response)
        {
            this.target = commandCode;
            this.instead = response;
        }

        void failInTransport(final int commandCode)
        {
            this.target = commandCode;
            this.fail = true;
        }

        @Override
        public byte[] transact(final byte[] command) throws IOException
        {
            commands.add(command.clone());
            final int commandCode = u32(command, 6);
            if (commandCode == target)
            {
                target = -1;
                if (fail)
                {
                    throw new IOException("injected transport failure");
                }
                if (instead != null)
                {
                    return instead.clone();
                }
                final byte[] response = tpm.transact(command);
                responses.put(commandCode, response);
                return tamper.apply(response);
            }
            final byte[] response = tpm.transact(command);
            responses.put(commandCode, response);
            return response;
        }

        /** The first response handle of the last real response to {@code commandCode}. */
        int handleOf(final int commandCode)
        {
            final byte[] response = responses.get(commandCode);
            assertEquals(0, u32(response, 6), Commands.name(commandCode) + " succeeded at the TPM");
            return u32(response, 10);
        }

        /** Whether a TPM2_FlushContext of {@code handle} was sent. */
        boolean flushed(final int handle)
        {
            for (final byte[] command : commands)
            {
                if (u32(command, 6) == Commands.FLUSH_CONTEXT && u32(command, 10) == handle)
                {
                    return true;
                }
            }
            return false;
        }

        /**
         * A success response with one byte more in its parameter area (parameterSize and responseSize grown to
         * match): the handle and authorization area still frame, the parameters do not end where they should.
         */
        static byte[] extraParameterByte(final byte[] response)
        {
            final int parameterSizeAt = 10 + 4;
            final int parameterSize = u32(response, parameterSizeAt);
            final int insertAt = parameterSizeAt + 4 + parameterSize;
            final byte[] out = new byte[response.length + 1];
            System.arraycopy(response, 0, out, 0, insertAt);
            System.arraycopy(response, insertAt, out, insertAt + 1, response.length - insertAt);
            putU32(out, 2, out.length);
            putU32(out, parameterSizeAt, parameterSize + 1);
            return out;
        }

        private static void putU32(final byte[] bytes, final int offset, final int value)
        {
            bytes[offset] = (byte)(value >>> 24);
            bytes[offset + 1] = (byte)(value >>> 16);
            bytes[offset + 2] = (byte)(value >>> 8);
            bytes[offset + 3] = (byte)value;
        }

        @Override
        public void close()
        {
            // The real transport is the test class's, closed once after all tests.
        }

        @Override
        public String toString()
        {
            final List<String> names = new ArrayList<>();
            for (final byte[] command : commands)
            {
                names.add(Commands.name(u32(command, 6)) + (u32(command, 6) == Commands.FLUSH_CONTEXT ?
                    String.format("(0x%08x)", u32(command, 10)) : ""));
            }
            return "commands sent: " + names + ", responses " + Arrays.toString(responses.keySet().toArray());
        }
    }
}
