package dev.palisade.attestation.tpm;

import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.TestData;
import dev.palisade.attestation.tpm.client.KeyType;
import dev.palisade.attestation.tpm.client.Templates;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TPMT_PUBLIC / TPM2B_PUBLIC against what swtpm and tpm2-tools produced (shared/data/attestation/swtpm-ecdsa): the
 * name and the public key agree with tpm2_createak's ak.name and ak.pub; the TCG EK templates marshal to the
 * profile's bytes; and malformed public areas are refused with the field that is wrong.
 */
class Tpm2PublicTest
{
    /** TCG EK Credential Profile template L-1 (RSA-2048), unique = 256 zero bytes. */
    private static final String EK_RSA_TEMPLATE = "0001000b000300b20020" +
        "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa" +
        "0006008000430010080000000000" + "0100" + "00".repeat(256);
    /** Template L-2 (ECC NIST P-256), unique x and y = 32 zero bytes each. */
    private static final String EK_ECC_TEMPLATE = "0023000b000300b20020" +
        "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa" +
        "0006008000430010000300100020" + "00".repeat(32) + "0020" + "00".repeat(32);

    private final Path dir = TestData.require("attestation/swtpm-ecdsa");
    private final byte[] akBytes = TestData.bytes(dir.resolve("ak.tpm2b_public"));

    @Test
    void theSwtpmAkParsesAndItsNameAndKeyAreTpm2ToolsOnes() throws Exception
    {
        final TpmPublic ak = TpmPublic.parse(akBytes, true);
        assertEquals(TpmAlgorithm.ECC, ak.type());
        assertEquals(TpmAlgorithm.SHA256, ak.nameAlg());
        assertEquals(0x00050072, ak.objectAttributes());
        assertTrue(ak.has(TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT | TpmPublic.SENSITIVE_DATA_ORIGIN |
            TpmPublic.USER_WITH_AUTH | TpmPublic.RESTRICTED | TpmPublic.SIGN));
        assertFalse(ak.has(TpmPublic.DECRYPT) || ak.has(TpmPublic.ADMIN_WITH_POLICY) || ak.has(TpmPublic.NO_DA));
        assertTrue(ak.isRestrictedSigningKey());
        assertFalse(ak.isRestrictedDecryptionKey());
        final TpmPublic.Ecc ecc = (TpmPublic.Ecc)ak.parameters();
        assertEquals(TpmPublic.NIST_P256, ecc.curveId());
        assertEquals(TpmPublic.Scheme.of(TpmAlgorithm.ECDSA, TpmAlgorithm.SHA256), ecc.scheme());
        assertTrue(ecc.symmetric().isNull() && ecc.kdf().isNull());

        // tpm2_createak -n: nameAlg ‖ SHA-256(TPMT_PUBLIC).
        assertArrayEquals(TestData.bytes(dir.resolve("ak.name")), ak.name());
        // tpm2_createak -f pem: the same SubjectPublicKeyInfo, byte for byte, and the same point.
        final String pem = TestData.text(dir.resolve("ak.pub"));
        try (PemReader reader = new PemReader(new StringReader(pem)))
        {
            assertArrayEquals(reader.readPemObject().getContent(), ak.subjectPublicKeyInfo());
        }
        assertEquals(pem.strip(), ak.pem().strip());
        final ECPublicKeyParameters key = (ECPublicKeyParameters)ak.publicKey();
        assertEquals(((ECPublicKeyParameters)KeyFiles.publicKeyFromPem(pem)).getQ(), key.getQ());
        SubjectPublicKeyInfo.getInstance(ak.subjectPublicKeyInfo());

        // Parsing is exact, so marshalling gives the bytes back.
        assertArrayEquals(akBytes, ak.marshalSized());
        assertEquals(ak, TpmPublic.parse(ak.marshal(), false));
    }

    @Test
    void theEkTemplatesAreTheProfilesBytes() throws Exception
    {
        assertEquals(EK_RSA_TEMPLATE, HexFormat.of().formatHex(Templates.ekRsa2048().marshal()));
        assertEquals(EK_ECC_TEMPLATE, HexFormat.of().formatHex(Templates.ekEccP256().marshal()));
        for (final KeyType type : KeyType.values())
        {
            final TpmPublic ek = Templates.ek(type);
            assertTrue(ek.isRestrictedDecryptionKey());
            assertEquals(ek, TpmPublic.parse(ek.marshalSized(), true));
            final TpmPublic ak = Templates.attestationKey(type);
            assertTrue(ak.isRestrictedSigningKey());
            assertEquals(ak, TpmPublic.parse(ak.marshal(), false));
            // A template is not a key.
            final TpmFormatException e = assertThrows(TpmFormatException.class, ek::publicKey);
            assertTrue(e.field().startsWith("TPMT_PUBLIC.unique"), e.getMessage());
        }
    }

    @Test
    void everyTruncationIsRefused()
    {
        for (int length = 0; length < akBytes.length; length++)
        {
            final byte[] prefix = Arrays.copyOf(akBytes, length);
            assertThrows(TpmFormatException.class, () -> TpmPublic.parse(prefix, true), "length " + length);
            if (length >= 2)
            {
                final byte[] inner = Arrays.copyOfRange(akBytes, 2, length);
                assertThrows(TpmFormatException.class, () -> TpmPublic.parse(inner, false), "inner length " + length);
            }
        }
    }

    @Test
    void malformedFieldsAreNamed()
    {
        // Offsets into the TPM2B_PUBLIC: size 0, type 2, nameAlg 4, objectAttributes 6, authPolicy 10.
        assertField("TPM2B_PUBLIC", appended(akBytes, 0), true);
        assertField("TPMT_PUBLIC", appended(Arrays.copyOfRange(akBytes, 2, akBytes.length), 0), false);
        assertField("TPMT_PUBLIC.type", patched(akBytes, 2, 0x00, 0x08), true);
        assertField("TPMT_PUBLIC.nameAlg", patched(akBytes, 4, 0x00, 0x10), true);
        assertField("TPMT_PUBLIC.objectAttributes", patched(akBytes, 6, 0x00, 0x05, 0x00, 0x73), true);
        assertField("TPMT_PUBLIC.objectAttributes", patched(akBytes, 6, 0x80, 0x05, 0x00, 0x72), true);
        // authPolicy: 20 bytes is not a SHA-256 digest.
        final byte[] policy = new TpmWriter().u16(TpmAlgorithm.ECC).u16(TpmAlgorithm.SHA256).u32(0x00050072)
            .sized(new byte[20]).toByteArray();
        assertField("TPMT_PUBLIC.authPolicy", policy, false);
        // The scheme (offset 14 of the TPM2B) set to an RSA scheme on an ECC key; the curve to an unknown one.
        assertField("TPMS_ECC_PARMS.scheme.scheme", patched(akBytes, 14, 0x00, 0x14), true);
        assertField("TPMS_ECC_PARMS.curveID", patched(akBytes, 18, 0x00, 0x99), true);
        // x of 33 bytes on P-256: the size field says 33 (the buffer then runs short or over).
        assertField("TPMT_PUBLIC.unique.ecc.x", patched(akBytes, 22, 0x00, 0x21), true);
        // A TPM2B_PUBLIC of size 0.
        assertField("TPM2B_PUBLIC.size", new byte[] {0, 0}, true);
    }

    @Test
    void aPointOffTheCurveIsNotAKey() throws Exception
    {
        final byte[] bent = akBytes.clone();
        bent[bent.length - 1] ^= 1;
        final TpmPublic parsed = TpmPublic.parse(bent, true);
        final TpmFormatException e = assertThrows(TpmFormatException.class, parsed::publicKey);
        assertEquals("TPMT_PUBLIC.unique", e.field());
        assertEquals(22 - 2, e.offset());
    }

    private static void assertField(final String field, final byte[] bytes, final boolean sized)
    {
        final TpmFormatException e = assertThrows(TpmFormatException.class, () -> TpmPublic.parse(bytes, sized));
        assertEquals(field, e.field(), e.getMessage());
    }

    private static byte[] patched(final byte[] bytes, final int at, final int... values)
    {
        final byte[] out = bytes.clone();
        for (int i = 0; i < values.length; i++)
        {
            out[at + i] = (byte)values[i];
        }
        return out;
    }

    private static byte[] appended(final byte[] bytes, final int value)
    {
        final byte[] out = Arrays.copyOf(bytes, bytes.length + 1);
        out[bytes.length] = (byte)value;
        return out;
    }
}
