package dev.palisade.attestation.spdm;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A software SPDM responder for other modules' tests (the policy service's enrolment, the agent): a DICE-like device
 * (root, device CA, alias leaf, ECDSA P-384) answering GET_MEASUREMENTS with the caller's nonce in SPDM 1.2, its VCA
 * signed with the measurements. Its measurements can be changed, as a firmware update or an implant would.
 */
public final class SpdmTestDevice
{
    /** SPDM 1.2. */
    private static final int VERSION = 0x12;

    private final SpdmTestResponder.Device device;
    private final Map<Integer, byte[]> measurements = new ConcurrentHashMap<>(Map.of(1, SpdmTestResponder.VALUE_1,
        2, SpdmTestResponder.VALUE_2, 3, SpdmTestResponder.VALUE_3));

    private SpdmTestDevice(final SpdmTestResponder.Device device)
    {
        this.device = device;
    }

    /** A new device with its own root. */
    public static SpdmTestDevice create(final String organisation)
    {
        return new SpdmTestDevice(SpdmTestResponder.newDevice(SpdmTestResponder.KeyKind.P384, organisation));
    }

    /** The same device (chain and keys) with measurements of its own to change: the device after an update. */
    public SpdmTestDevice twin()
    {
        return new SpdmTestDevice(device);
    }

    /** The measurements every new device reports, as reference values (YAML). */
    public static String referenceYaml()
    {
        final HexFormat hex = HexFormat.of();
        return "measurements:\n  1: \"" + hex.formatHex(SpdmTestResponder.VALUE_1) + "\"\n  2: \"" +
            hex.formatHex(SpdmTestResponder.VALUE_2) + "\"\n  3: \"" + hex.formatHex(SpdmTestResponder.VALUE_3) +
            "\"\n";
    }

    /** Changes what measurement {@code index} reports from now on. */
    public void measurement(final int index, final byte[] value)
    {
        measurements.put(index, value.clone());
    }

    public List<X509CertificateHolder> chain()
    {
        return device.chain();
    }

    /** The chain, leaf first, as PEM. */
    public String chainPem()
    {
        return pem(device.chain());
    }

    /** The device's root certificate as PEM: what a verifier trusts. */
    public String rootPem()
    {
        return pem(List.of(device.root()));
    }

    /** The VCA messages of the connection (GET_VERSION .. ALGORITHMS), which 1.2 signs with the measurements. */
    public byte[] vca()
    {
        return SpdmTestResponder.vca(VERSION, SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384);
    }

    /** GET_MEASUREMENTS with {@code nonce} (32 bytes) and the signed MEASUREMENTS answer: request || response. */
    public byte[] measure(final byte[] nonce)
    {
        final byte[] request = SpdmTestResponder.request(VERSION, true, 0xFF, nonce, 0);
        final List<byte[]> blocks = new java.util.ArrayList<>();
        new java.util.TreeMap<>(measurements).forEach((index, value) -> blocks.add(SpdmTestResponder.block(index,
            index == 3 ? 0x82 : index - 1, value)));
        final byte[] responderNonce = new byte[32];
        SpdmTestResponder.RANDOM.nextBytes(responderNonce);
        final byte[] response = SpdmTestResponder.response(VERSION, 0, 0, blocks, responderNonce,
            SpdmTestResponder.OPAQUE);
        final byte[] measurementPart = SpdmTestResponder.concat(request, response);
        final byte[] signature = SpdmTestResponder.sign(SpdmAsymAlgorithm.ECDSA_P384, SpdmHashAlgorithm.SHA_384,
            device.leafPrivate(), VERSION, SpdmTestResponder.concat(vca(), measurementPart));
        return SpdmTestResponder.concat(measurementPart, signature);
    }

    private static String pem(final List<X509CertificateHolder> certificates)
    {
        final StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out))
        {
            for (final X509CertificateHolder certificate : certificates)
            {
                writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
