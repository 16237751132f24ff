package dev.palisade.attestation.tpm.client;

import dev.palisade.attestation.TestData;
import dev.palisade.attestation.tpm.PcrSelection;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmAppraisal;
import dev.palisade.attestation.tpm.TpmPublic;
import dev.palisade.attestation.tpm.TpmWriter;
import dev.palisade.attestation.tpm.TpmsAttest;
import dev.palisade.attestation.tpm.TpmtSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against a real swtpm, started for this class on a free loopback port and stopped by its PID: EKs from
 * the TCG templates, attestation keys as tpm2_createak makes them, PCRs, and quotes that tpm2-tools' own verifier,
 * tpm2_checkquote, accepts.
 */
class Tpm2ClientTest
{
    private static final int PCR_DEBUG = 16;

    @TempDir
    static Path state;
    private static SwtpmProcess swtpm;
    private static Tpm2 tpm;

    @BeforeAll
    static void startSwtpm() throws Exception
    {
        swtpm = SwtpmSupport.start(state.resolve("tpm"));
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
            final long pid = swtpm.pid();
            swtpm.close();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "swtpm " + pid + " stopped");
        }
    }

    @Test
    void swtpmIsAlreadyStartedAndAnswers() throws Exception
    {
        // startup-clear: swtpm ran TPM2_Startup itself, so a second one is TPM_RC_INITIALIZE, reported as false.
        assertFalse(tpm.startup(true));
        final byte[] random = tpm.getRandom(100);
        assertEquals(100, random.length);
        assertNotEquals(0, IntStream.range(0, random.length).map(i -> random[i]).filter(b -> b != 0).count());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void theEkIsTheTemplatesKeyAndIsDerivedAgainIdentically(final KeyType type) throws Exception
    {
        final long start = System.nanoTime();
        final Tpm2.LoadedKey ek = tpm.createEk(type);
        final long createdNs = System.nanoTime() - start;
        try
        {
            final TpmPublic template = Templates.ek(type);
            final TpmPublic area = ek.publicArea();
            assertEquals(template.type(), area.type());
            assertEquals(0x000300B2, area.objectAttributes());
            assertArrayEquals(Templates.EK_AUTH_POLICY_SHA256, area.authPolicy());
            assertArrayEquals(Tpm2.endorsementPolicy(TpmAlgorithm.SHA256), area.authPolicy());
            assertTrue(area.isRestrictedDecryptionKey());
            assertArrayEquals(area.name(), ek.name());
            area.publicKey();
            final Tpm2.ObjectPublic read = tpm.readPublic(ek.handle());
            assertEquals(area, read.publicArea());
            final Tpm2.LoadedKey again = tpm.createEk(type);
            try
            {
                assertNotEquals(ek.handle(), again.handle());
                assertArrayEquals(ek.name(), again.name(), "the endorsement seed and the template fix the key");
            }
            finally
            {
                tpm.flushContext(again.handle());
            }
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
        System.out.printf("swtpm %s EK (TPM2_CreatePrimary): %.1f ms%n", type, createdNs / 1e6);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void attestationKeysAreRestrictedSigningKeysUnderTheEk(final KeyType type) throws Exception
    {
        final long start = System.nanoTime();
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
        final Tpm2.LoadedKey ak;
        try
        {
            ak = tpm.createAttestationKey(ek.handle(), type);
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
        final long elapsedNs = System.nanoTime() - start;
        try
        {
            final TpmPublic area = ak.publicArea();
            assertTrue(area.isRestrictedSigningKey());
            assertEquals(Templates.AK_ATTRIBUTES, area.objectAttributes());
            assertEquals(0x00050072, area.objectAttributes());
            assertArrayEquals(area.name(), ak.name());
            assertTrue(ak.privateBlob().length > 2);
            if (type == KeyType.ECC)
            {
                // The same template as tpm2_createak -G ecc -g sha256 -s ecdsa (shared/data/attestation/swtpm-ecdsa):
                // equal but for the point.
                final TpmPublic theirs = TpmPublic.parse(TestData.bytes(
                    TestData.require("attestation/swtpm-ecdsa").resolve("ak.tpm2b_public")), true);
                assertEquals(theirs.objectAttributes(), area.objectAttributes());
                assertEquals(theirs.parameters().scheme(), area.parameters().scheme());
                assertEquals(((TpmPublic.Ecc)theirs.parameters()).curveId(), ((TpmPublic.Ecc)area.parameters())
                    .curveId());
            }
        }
        finally
        {
            tpm.flushContext(ak.handle());
        }
        System.out.printf("swtpm EK (RSA) + %s AK (CreatePrimary, Create, Load, 2 policy sessions): %.1f ms%n",
            type, elapsedNs / 1e6);
    }

    @Test
    void aFlushedAkIsLoadedAgainFromItsPrivateBlob() throws Exception
    {
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.ECC);
        try
        {
            final Tpm2.LoadedKey ak = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
            tpm.flushContext(ak.handle());
            final Tpm2.LoadedKey again = tpm.load(ek.handle(), ak.privateBlob(), ak.publicArea());
            tpm.flushContext(again.handle());
            assertArrayEquals(ak.name(), again.name());
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
    }

    @Test
    void pcrExtendIsHashOfOldValueAndDigestAndResetZeroes() throws Exception
    {
        tpm.pcrReset(PCR_DEBUG);
        final byte[] zero = tpm.pcrRead(TpmAlgorithm.SHA256, PCR_DEBUG).get(PCR_DEBUG);
        assertArrayEquals(new byte[32], zero);
        final byte[] measurement = TpmAlgorithm.hash(TpmAlgorithm.SHA256,
            "dpu-firmware-v1".getBytes(StandardCharsets.US_ASCII));
        tpm.pcrExtend(PCR_DEBUG, TpmAlgorithm.SHA256, measurement);
        final byte[] once = tpm.pcrRead(TpmAlgorithm.SHA256, PCR_DEBUG).get(PCR_DEBUG);
        assertArrayEquals(TpmAlgorithm.hash(TpmAlgorithm.SHA256, zero, measurement), once);
        // The same value tpm2-tools produced in shared/data (tpm2_pcrextend 16:sha256=... after a reset).
        assertEquals("93d5799edf61f53913abca90eefc9548a3969e0dd49e52fbe8ed1f185917bbde",
            HexFormat.of().formatHex(once));
        tpm.pcrExtend(PCR_DEBUG, TpmAlgorithm.SHA256, measurement);
        assertArrayEquals(TpmAlgorithm.hash(TpmAlgorithm.SHA256, once, measurement),
            tpm.pcrRead(TpmAlgorithm.SHA256, PCR_DEBUG).get(PCR_DEBUG));
        tpm.pcrReset(PCR_DEBUG);
        assertArrayEquals(zero, tpm.pcrRead(TpmAlgorithm.SHA256, PCR_DEBUG).get(PCR_DEBUG));
    }

    @Test
    void readingMorePcrsThanOneResponseHoldsLoops() throws Exception
    {
        // A TPM returns at most 8 digests per TPM2_PCR_Read: 24 PCRs take three round trips.
        final int[] all = IntStream.range(0, 24).toArray();
        final Map<Integer, byte[]> values = tpm.pcrRead(TpmAlgorithm.SHA256, all);
        assertEquals(24, values.size());
        values.forEach((pcr, value) -> assertEquals(32, value.length, "PCR " + pcr));
        assertArrayEquals(values.get(0), tpm.pcrRead(TpmAlgorithm.SHA256, 0).get(0));
        // PCRs 17-22 start as all ones (PC Client: locality-4 PCRs), the others as zeros.
        final byte[] ones = new byte[32];
        java.util.Arrays.fill(ones, (byte)0xFF);
        assertArrayEquals(ones, values.get(17));
        assertArrayEquals(new byte[32], values.get(0));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void ourQuoteVerifiesWithTpm2Checkquote(final KeyType type) throws Exception
    {
        SwtpmSupport.assumeTool("tpm2_checkquote");
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
        final Tpm2.LoadedKey ak;
        try
        {
            ak = tpm.createAttestationKey(ek.handle(), type);
        }
        finally
        {
            tpm.flushContext(ek.handle());
        }
        try
        {
            tpm.pcrReset(PCR_DEBUG);
            tpm.pcrExtend(PCR_DEBUG, TpmAlgorithm.SHA256, TpmAlgorithm.hash(TpmAlgorithm.SHA256,
                "dpu-firmware-v1".getBytes(StandardCharsets.US_ASCII)));
            final byte[] nonce = tpm.getRandom(32);
            final Tpm2.Quote quote = tpm.quote(ak.handle(), nonce, TpmAlgorithm.SHA256, 0, PCR_DEBUG);
            final Map<Integer, byte[]> pcrs = tpm.pcrRead(TpmAlgorithm.SHA256, 0, PCR_DEBUG);
            final TpmWriter values = new TpmWriter();
            pcrs.values().forEach(values::bytes);

            final TpmsAttest attest = TpmsAttest.parse(quote.attest());
            assertArrayEquals(nonce, attest.extraData());
            assertEquals(List.of(new PcrSelection(TpmAlgorithm.SHA256, new int[] {0, PCR_DEBUG})), attest.pcrSelect());
            assertEquals(type == KeyType.ECC ? TpmAlgorithm.ECDSA : TpmAlgorithm.RSASSA,
                TpmtSignature.parse(quote.signature()).sigAlg());

            final Path dir = Files.createDirectories(state.resolve("quote-" + type));
            Files.write(dir.resolve("quote.msg"), quote.attest());
            Files.write(dir.resolve("quote.sig"), quote.signature());
            Files.write(dir.resolve("pcrs.bin"), values.toByteArray());
            Files.writeString(dir.resolve("ak.pem"), ak.publicArea().pem());
            Files.write(dir.resolve("ak.tpm2b_public"), ak.publicArea().marshalSized());
            final String nonceHex = HexFormat.of().formatHex(nonce);

            // tpm2-tools 5.4: -f takes the PCR values; raw concatenated digests ("values") need the selection in -l,
            // and -F is deprecated and ignored. -u takes PEM or a TSS TPM2B_PUBLIC: both are ours, both are tried.
            for (final String key : List.of("ak.pem", "ak.tpm2b_public"))
            {
                final SwtpmSupport.Run run = checkquote(dir, key, "quote.msg", "quote.sig", "pcrs.bin", nonceHex);
                assertEquals(0, run.exitCode(), "tpm2_checkquote -u " + key + ": " + run.output());
            }
            // And it is the checks that pass, not the tool that is lenient: another nonce, another PCR value fail.
            Files.write(dir.resolve("pcrs-wrong.bin"), flip(values.toByteArray(), 40));
            Files.write(dir.resolve("quote-wrong.sig"), flip(quote.signature(), quote.signature().length - 3));
            // Another nonce: the first byte flipped (a fixed "00" would be the same nonce once in 256 runs).
            assertNotEquals(0, checkquote(dir, "ak.pem", "quote.msg", "quote.sig", "pcrs.bin",
                String.format("%02x", (nonce[0] ^ 1) & 0xFF) + nonceHex.substring(2)).exitCode());
            assertNotEquals(0, checkquote(dir, "ak.pem", "quote.msg", "quote.sig", "pcrs-wrong.bin", nonceHex)
                .exitCode());
            assertNotEquals(0, checkquote(dir, "ak.pem", "quote.msg", "quote-wrong.sig", "pcrs.bin", nonceHex)
                .exitCode());

            // Our own verifier agrees.
            final TpmAppraisal appraisal = QuoteVerifier.appraise(quote.attest(), quote.signature(),
                ak.publicArea().publicKey(), nonce, values.toByteArray(), QuoteVerifier.PcrFormat.VALUES, null);
            assertTrue(appraisal.signatureValid() && appraisal.nonceValid() && appraisal.pcrDigestValid(),
                appraisal.reasons()::toString);
        }
        finally
        {
            tpm.flushContext(ak.handle());
            tpm.pcrReset(PCR_DEBUG);
        }
    }

    private static SwtpmSupport.Run checkquote(final Path dir, final String key, final String message,
        final String signature, final String pcrs, final String nonceHex) throws Exception
    {
        return SwtpmSupport.run(dir, List.of("tpm2_checkquote", "-u", key, "-m", message, "-s", signature,
            "-f", pcrs, "-l", "sha256:0,16", "-g", "sha256", "-q", nonceHex));
    }

    @Test
    void tpmErrorsAreDecodedWithTheirNames() throws Exception
    {
        // A persistent handle nobody made: format 1, TPM_RC_HANDLE blaming handle 1.
        final TpmException noObject = assertThrows(TpmException.class, () -> tpm.readPublic(0x81FF_FFFF));
        assertEquals("TPM_RC_HANDLE", noObject.name());
        assertEquals(1, noObject.handleNumber());
        assertTrue(noObject.getMessage().startsWith("TPM2_ReadPublic failed: TPM_RC_HANDLE (0x8b) in handle 1"),
            noObject.getMessage());
        // PCR 0 is not resettable at locality 0: TPM_RC_LOCALITY (a warning).
        final TpmException notResettable = assertThrows(TpmException.class, () -> tpm.pcrReset(0));
        assertEquals("TPM_RC_LOCALITY", notResettable.name());
        assertTrue(notResettable.isWarning());
        // swtpm has 3 object slots and no resource manager: the fourth transient object does not fit.
        final List<Tpm2.LoadedKey> loaded = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                loaded.add(tpm.createEk(KeyType.ECC));
            }
            final TpmException full = assertThrows(TpmException.class, () -> tpm.createEk(KeyType.ECC));
            assertEquals("TPM_RC_OBJECT_MEMORY", full.name());
            assertEquals("TPM2_CreatePrimary failed: TPM_RC_OBJECT_MEMORY (0x902)", full.getMessage());
        }
        finally
        {
            for (final Tpm2.LoadedKey key : loaded)
            {
                tpm.flushContext(key.handle());
            }
        }
    }

    private static byte[] flip(final byte[] bytes, final int index)
    {
        final byte[] out = bytes.clone();
        out[index] ^= 0x01;
        return out;
    }
}
