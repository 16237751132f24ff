package dev.palisade.attestation.spdm;

import dev.palisade.attestation.spdm.SpdmTestResponder.Device;
import dev.palisade.attestation.spdm.SpdmTestResponder.KeyKind;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static dev.palisade.attestation.spdm.SpdmTestResponder.NONCE;
import static dev.palisade.attestation.spdm.SpdmTestResponder.concat;

/**
 * Regenerates the fuzz seeds and their chain when run as a program from attestation/ (its main method, with the test
 * class path); not a test, since the seeds are committed and fresh keys would invalidate them.
 */
final class SpdmFuzzSeeds
{
    private static final Path RESOURCES = Path.of("src/test/resources/dev/palisade/attestation/fuzz");

    public static void main(final String[] args) throws IOException
    {
        final Device device = SpdmTestResponder.newDevice(KeyKind.P384, "Palisade Fuzz",
            Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2124-01-01T00:00:00Z"));
        final StringWriter pem = new StringWriter();
        try (PemWriter writer = new PemWriter(pem))
        {
            for (final X509CertificateHolder certificate : device.chain())
            {
                writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        }
        Files.writeString(RESOURCES.resolve("spdm-fuzz-chain.pem"), pem.toString(), StandardCharsets.US_ASCII);
        final Path seeds = RESOURCES.resolve("SpdmParserFuzzTestInputs/verifyTranscript");
        Files.createDirectories(seeds);
        for (final int version : new int[] {0x11, 0x12})
        {
            final SpdmTestResponder.Vector vector = SpdmTestResponder.vector(device, SpdmAsymAlgorithm.ECDSA_P384,
                SpdmHashAlgorithm.SHA_384, version, false);
            Files.write(seeds.resolve("signed-all-v" + Integer.toHexString(version)), vector.transcript());
        }
        final byte[] countRequest = SpdmTestResponder.request(0x12, false, 0x00, null, 0);
        final byte[] countResponse = SpdmTestResponder.response(0x12, 3, 0, List.of(),
            SpdmTestResponder.RESPONDER_NONCE, new byte[0]);
        final byte[] signedRequest = SpdmTestResponder.request(0x12, true, 0x02, NONCE, 0);
        final byte[] signedResponse = SpdmTestResponder.response(0x12, 0, 0,
            List.of(SpdmTestResponder.block(2, 0x01, SpdmTestResponder.VALUE_2)), SpdmTestResponder.RESPONDER_NONCE,
            SpdmTestResponder.OPAQUE);
        final byte[] l1l2 = concat(countRequest, countResponse, signedRequest, signedResponse);
        Files.write(seeds.resolve("count-then-signed-index-v12"), concat(l1l2, SpdmTestResponder.sign(
            SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384, device.leafPrivate(), 0x12, l1l2)));
        Files.write(seeds.resolve("error-response"), concat(SpdmTestResponder.request(0x12, true, 0xFF, NONCE, 0),
            new byte[] {0x12, 0x7F, 0x05, 0x00}));
        Files.write(seeds.resolve("vca-v12"), SpdmTestResponder.vca(0x12, SpdmAsymAlgorithm.ECDSA_P384,
            SpdmHashAlgorithm.SHA_384));

        // Leaf certificates for the fuzz chain: the real one, one whose TcbInfo nests SEQUENCEs far deeper than Bouncy
        // Castle's recursive parser can take, and bare deep DER (no certificate at all).
        final Path leaves = RESOURCES.resolve("SpdmParserFuzzTestInputs/verifyLeafCertificate");
        Files.createDirectories(leaves);
        Files.write(leaves.resolve("fuzz-chain-leaf"), device.leaf().getEncoded());
        Files.write(leaves.resolve("deeply-nested-tcb-info"), SpdmTestResponder.reissueLeaf(device, builder ->
            builder.addExtension(DiceExtensions.TCB_INFO, true, SpdmTestResponder.nestedSequences(DEEP)))
            .getEncoded());
        Files.write(leaves.resolve("deeply-nested-der"), SpdmTestResponder.nestedSequences(DEEP));
    }

    /** Nesting levels of the deep seeds: ten thousand already overflow a default stack. */
    static final int DEEP = 30_000;
}
