package dev.palisade.attestation.tpm.enrol;

import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.client.KeyType;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.attestation.tpm.client.SwtpmSupport;
import dev.palisade.attestation.tpm.client.Templates;
import dev.palisade.attestation.tpm.client.Tpm2;
import dev.palisade.attestation.tpm.client.TpmException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our software TPM2_MakeCredential against a real TPM's TPM2_ActivateCredential (swtpm, manufactured by swtpm_setup so
 * that it also has its P-384 "high range" EK), for RSA and ECC EKs; tpm2-tools' independent tpm2_makecredential
 * against our client's activation; and credentials tampered in each part, which the TPM must refuse.
 */
class MakeCredentialTest
{
    /** swtpm_setup's persistent ECC EK (swtpm 0.7: NIST P-384, SHA-384, AES-256, userWithAuth). */
    private static final int PERSISTENT_ECC_EK = 0x8101_0016;

    @TempDir
    static Path state;
    private static SwtpmProcess swtpm;
    private static Tpm2 tpm;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void startSwtpm() throws Exception
    {
        swtpm = SwtpmSupport.startManufactured(state.resolve("tpm"));
        tpm = swtpm.client();
    }

    @AfterAll
    static void stopSwtpm() throws Exception
    {
        if (tpm != null)
        {
            tpm.close();
        }
        if (swtpm != null)
        {
            swtpm.close();
        }
    }

    /** An EK from the TCG template and an ECC AK under it, flushed after {@code body}. */
    private void withKeys(final KeyType ekType, final KeyBody body) throws Exception
    {
        final Tpm2.LoadedKey ek = tpm.createEk(ekType);
        try
        {
            final Tpm2.LoadedKey ak = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
            try
            {
                body.run(ek, ak);
            }
            finally
            {
                tpm.flushContext(ak.handle());
            }
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    @FunctionalInterface
    private interface KeyBody
    {
        void run(Tpm2.LoadedKey ek, Tpm2.LoadedKey ak) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void theTpmActivatesOurCredentialAndReturnsTheSecret(final KeyType ekType) throws Exception
    {
        withKeys(ekType, (ek, ak) ->
        {
            for (final int length : new int[] {1, 16, 32})
            {
                final byte[] secret = new byte[length];
                random.nextBytes(secret);
                final MakeCredential.Credential credential = MakeCredential.make(ek.publicArea(), ak.name(), secret,
                    random);
                assertArrayEquals(secret, tpm.activateCredential(ak.handle(), ek.handle(),
                    credential.credentialBlob(), credential.encryptedSecret()), ekType + " EK, " + length + " bytes");
            }
        });
    }

    @Test
    void theHighRangeP384EkActivatesOurCredentialToo() throws Exception
    {
        // SHA-384 seeds, KDFe with SHA-384 and AES-256-CFB: the same code, other parameters from the EK's public area.
        final TpmPublic ek = tpm.readPublic(PERSISTENT_ECC_EK).publicArea();
        assertEquals(TpmAlgorithm.SHA384, ek.nameAlg());
        assertEquals(256, ek.parameters().symmetric().keyBits());
        final Tpm2.LoadedKey ak = tpm.createAttestationKey(PERSISTENT_ECC_EK, KeyType.RSA);
        try
        {
            final byte[] secret = new byte[48];
            random.nextBytes(secret);
            final MakeCredential.Credential credential = MakeCredential.make(ek, ak.name(), secret, random);
            assertArrayEquals(secret, tpm.activateCredential(ak.handle(), PERSISTENT_ECC_EK,
                credential.credentialBlob(), credential.encryptedSecret()));
        }
        finally
        {
            tpm.flushContext(ak.handle());
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void tpm2MakecredentialsCredentialIsActivatedByOurClient(final KeyType ekType) throws Exception
    {
        SwtpmSupport.assumeTool("tpm2_makecredential");
        withKeys(ekType, (ek, ak) ->
        {
            final Path dir = Files.createDirectories(state.resolve("tpm2-tools-" + ekType));
            final byte[] secret = new byte[32];
            random.nextBytes(secret);
            Files.write(dir.resolve("secret.bin"), secret);
            // The EK as a TSS TPM2B_PUBLIC (our marshalling) and as PEM with -G (the default template assumed).
            Files.write(dir.resolve("ek.tpm2b_public"), ek.publicArea().marshalSized());
            Files.writeString(dir.resolve("ek.pem"), ek.publicArea().pem());
            final String name = HexFormat.of().formatHex(ak.name());
            final List<List<String>> commands = List.of(
                List.of("tpm2_makecredential", "-T", "none", "-u", "ek.tpm2b_public", "-s", "secret.bin", "-n", name,
                    "-o", "blob-tss"),
                List.of("tpm2_makecredential", "-T", "none", "-G", ekType == KeyType.RSA ? "rsa" : "ecc", "-u",
                    "ek.pem", "-s", "secret.bin", "-n", name, "-o", "blob-pem"));
            for (final List<String> command : commands)
            {
                final SwtpmSupport.Run run = SwtpmSupport.run(dir, command);
                assertEquals(0, run.exitCode(), String.join(" ", command) + ": " + run.output());
                final MakeCredential.Credential theirs = MakeCredential.Credential.fromTpm2ToolsFile(
                    Files.readAllBytes(dir.resolve(command.getLast())));
                assertArrayEquals(secret, tpm.activateCredential(ak.handle(), ek.handle(), theirs.credentialBlob(),
                    theirs.encryptedSecret()), String.join(" ", command));
            }
        });
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void tamperedCredentialsAreRefusedByTheTpm(final KeyType ekType) throws Exception
    {
        withKeys(ekType, (ek, ak) ->
        {
            final byte[] secret = new byte[32];
            random.nextBytes(secret);
            final MakeCredential.Credential good = MakeCredential.make(ek.publicArea(), ak.name(), secret, random);
            final byte[] blob = good.credentialBlob();
            final byte[] seed = good.encryptedSecret();
            // credentialBlob = size(2) ‖ outerHMAC size(2) ‖ outerHMAC(32) ‖ encIdentity(34).
            final TpmException hmac = refusal(ak, ek, flip(blob, 2 + 2 + 5), seed);
            final TpmException identity = refusal(ak, ek, flip(blob, blob.length - 1), seed);
            final TpmException encryptedSeed = refusal(ak, ek, blob, flip(seed, seed.length / 2));
            // The outer HMAC covers encIdentity and the AK's name: both changes are TPM_RC_INTEGRITY, and the TPM
            // blames parameter 1, the credentialBlob.
            assertEquals("TPM_RC_INTEGRITY", hmac.name());
            assertEquals(1, hmac.parameterNumber());
            assertEquals("TPM_RC_INTEGRITY", identity.name());
            assertEquals(1, identity.parameterNumber());
            // A changed seed: the reference implementation answers TPM_RC_VALUE when OAEP decoding fails, libtpms
            // with its OpenSSL backend TPM_RC_FAILURE (without entering failure mode); a seed that still decodes is
            // another seed (TPM_RC_INTEGRITY). A changed ephemeral point is off the curve (TPM_RC_ECC_POINT) or gives
            // another Z (TPM_RC_INTEGRITY).
            assertTrue(Set.of("TPM_RC_VALUE", "TPM_RC_FAILURE", "TPM_RC_INTEGRITY", "TPM_RC_ECC_POINT")
                .contains(encryptedSeed.name()), encryptedSeed.getMessage());
            assertEquals(32, tpm.getRandom(32).length, "the TPM is not in failure mode");

            // A credential made for another object's name: the TPM recomputes the HMAC with the AK's name.
            final byte[] otherName = ak.name();
            otherName[otherName.length - 1] ^= 1;
            final MakeCredential.Credential forAnother = MakeCredential.make(ek.publicArea(), otherName, secret,
                random);
            assertEquals("TPM_RC_INTEGRITY", refusal(ak, ek, forAnother.credentialBlob(),
                forAnother.encryptedSecret()).name());
            // The untampered one still works after all that.
            assertArrayEquals(secret, tpm.activateCredential(ak.handle(), ek.handle(), blob, seed));
        });
    }

    private static TpmException refusal(final Tpm2.LoadedKey ak, final Tpm2.LoadedKey ek, final byte[] blob,
        final byte[] seed)
    {
        final TpmException e = assertThrows(TpmException.class, () -> tpm.activateCredential(ak.handle(),
            ek.handle(), blob, seed));
        assertTrue(e.getMessage().startsWith("TPM2_ActivateCredential failed: " + e.name()), e.getMessage());
        return e;
    }

    @Test
    void credentialsTheTpmCouldNotActivateAreNotMade()
    {
        final TpmPublic template = Templates.ekRsa2048();
        final byte[] name = new byte[34];
        // A template's unique field is zeros, not a modulus.
        assertThrows(IllegalArgumentException.class, () -> MakeCredential.make(template, name, new byte[32], random));
        // An AK is not a storage key.
        assertThrows(IllegalArgumentException.class, () -> MakeCredential.make(Templates.attestationKey(KeyType.ECC),
            name, new byte[32], random));
    }

    @Test
    void aCredentialLongerThanTheEksDigestIsRefused() throws Exception
    {
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.ECC);
        try
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MakeCredential.make(ek.publicArea(), new byte[34], new byte[33], random));
            assertTrue(e.getMessage().contains("at most 32 bytes"), e.getMessage());
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    @Test
    void theTpm2ToolsFileRoundTrips() throws Exception
    {
        final MakeCredential.Credential credential = new MakeCredential.Credential(new byte[] {0, 2, 7, 8},
            new byte[] {0, 1, 9});
        final byte[] file = credential.toTpm2ToolsFile();
        assertEquals("badcc0de00000001000207080001" + "09", HexFormat.of().formatHex(file));
        final MakeCredential.Credential back = MakeCredential.Credential.fromTpm2ToolsFile(file);
        assertArrayEquals(credential.credentialBlob(), back.credentialBlob());
        assertArrayEquals(credential.encryptedSecret(), back.encryptedSecret());
        file[0] = 0;
        assertThrows(dev.palisade.attestation.tpm.TpmFormatException.class,
            () -> MakeCredential.Credential.fromTpm2ToolsFile(file));
    }

    private static byte[] flip(final byte[] bytes, final int index)
    {
        final byte[] out = bytes.clone();
        out[index] ^= 0x01;
        return out;
    }
}
