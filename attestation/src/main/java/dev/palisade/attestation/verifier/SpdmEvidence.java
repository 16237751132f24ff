package dev.palisade.attestation.verifier;

import org.bouncycastle.cert.X509CertificateHolder;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One SPDM responder's answer to the verifier's challenge, sent beside the TPM quote: the GET_MEASUREMENTS request
 * (carrying the challenge's nonce) and its signed MEASUREMENTS response, the VCA messages when the responder signs
 * them (SPDM 1.2), and the device's certificate chain. The device name only labels the result.
 *
 * @param device     a name for the responder on this DPU (nic0, bf3…), unique among the DPU's devices.
 * @param transcript request || response (signature included), as the requester saw them.
 * @param vca        GET_VERSION .. ALGORITHMS, or null.
 * @param chain      the responder's certificate chain, leaf first or root first.
 */
public record SpdmEvidence(String device, byte[] transcript, byte[] vca, List<X509CertificateHolder> chain)
{
    /** Device names: short, printable, safe in an EAR submodule name and in a log line. */
    public static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    public SpdmEvidence
    {
        if (!DEVICE_NAME.matcher(device).matches())
        {
            throw new IllegalArgumentException("device name '" + device + "': letters, digits, '.', '_', '-', " +
                "at most 32");
        }
        transcript = transcript.clone();
        vca = vca == null ? null : vca.clone();
        chain = List.copyOf(chain);
    }

    @Override
    public byte[] transcript()
    {
        return transcript.clone();
    }

    @Override
    public byte[] vca()
    {
        return vca == null ? null : vca.clone();
    }
}
