package dev.palisade.attestation.tpm.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TPM_RC decoding (TPM 2.0 Part 2 section 6.6): names, format-0 and format-1, and what a code blames. */
class Tpm2ResponseCodeTest
{
    @Test
    void formatZeroCodesAreNamed()
    {
        assertEquals("TPM_RC_SUCCESS", TpmException.name(0));
        assertEquals("TPM_RC_INITIALIZE (0x100)", TpmException.describe(0x100));
        assertEquals("TPM_RC_FAILURE (0x101)", TpmException.describe(0x101));
        assertEquals("TPM_RC_NV_UNINITIALIZED (0x14a)", TpmException.describe(0x14A));
        assertEquals("TPM_RC_OBJECT_MEMORY (0x902)", TpmException.describe(0x902));
        assertEquals("TPM_RC_RETRY (0x922)", TpmException.describe(0x922));
        assertEquals("TPM_RC_REFERENCE_S1 (0x919)", TpmException.describe(0x919));
        assertEquals("TPM 1.2 response code", TpmException.name(0x0001));
        assertEquals("TPM vendor-defined response code", TpmException.name(0x0500));
        assertEquals("not a TPM response code (layer 0x0a)", TpmException.name(0x000A_000B));
    }

    @Test
    void formatOneCodesNameWhatTheyBlame()
    {
        final TpmException integrity = new TpmException(Commands.ACTIVATE_CREDENTIAL, 0x1DF);
        assertEquals("TPM_RC_INTEGRITY", integrity.name());
        assertEquals(0x9F, integrity.baseCode());
        assertEquals(1, integrity.parameterNumber());
        assertEquals(0, integrity.handleNumber());
        assertEquals("TPM2_ActivateCredential failed: TPM_RC_INTEGRITY (0x9f) in parameter 1 (response code 0x1df)",
            integrity.getMessage());

        final TpmException handle = new TpmException(Commands.READ_PUBLIC, 0x18B);
        assertEquals("TPM_RC_HANDLE", handle.name());
        assertEquals(1, handle.handleNumber());
        assertEquals(0, handle.parameterNumber());

        final TpmException authFail = new TpmException(Commands.QUOTE, 0x98E);
        assertEquals("TPM_RC_AUTH_FAIL", authFail.name());
        assertEquals(1, authFail.sessionNumber());
        assertEquals("TPM_RC_AUTH_FAIL (0x8e) in session 1 (response code 0x98e)", TpmException.describe(0x98E));
        assertFalse(authFail.isWarning());

        assertEquals("TPM_RC_ECC_POINT (0xa7) in parameter 2 (response code 0x2e7)", TpmException.describe(0x2E7));
        assertEquals("TPM_RC_VALUE (0x84)", TpmException.describe(0x084));
        assertTrue(new TpmException(Commands.CREATE, 0x902).isWarning());
        assertEquals("TPM_CC 0x00000999 failed: TPM_RC_SIZE (0x95)", new TpmException(0x999, 0x95).getMessage());
    }
}
