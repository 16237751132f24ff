package dev.palisade.enforcement.agent.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.Base64;
import java.util.List;

/**
 * An SPDM responder on the DPU (the NIC's firmware, a BMC-side root of trust) whose signed measurements go beside the
 * TPM quote when the policy service asks for them. The agent is the SPDM requester's caller only: it passes the
 * verifier's nonce on and forwards what comes back; the service verifies everything.
 */
public interface SpdmDevice
{
    /**
     * What the device answered.
     *
     * @param transcript GET_MEASUREMENTS (carrying the nonce) || MEASUREMENTS (signed).
     * @param vca        GET_VERSION .. ALGORITHMS of the connection, or null.
     * @param chainPem   the device's certificate chain, PEM.
     */
    record Evidence(byte[] transcript, byte[] vca, String chainPem)
    {
    }

    /** A name for the device, unique on this DPU: it labels the result ({@code spdm:NAME} in the EAR). */
    String name();

    /** Asks the device for signed measurements over {@code nonce} (32 bytes). Blocks. */
    Evidence measure(byte[] nonce) throws IOException;

    /**
     * Measures every device over one nonce, as the service's {@code spdm} field wants it.
     *
     * @throws IOException naming the device that failed: evidence with a device missing would hide the failure.
     */
    static JsonArray measureAll(final List<SpdmDevice> devices, final byte[] nonce) throws IOException
    {
        final JsonArray all = new JsonArray();
        for (final SpdmDevice device : devices)
        {
            final Evidence evidence;
            try
            {
                evidence = device.measure(nonce);
            }
            catch (final IOException e)
            {
                throw new IOException("SPDM device '" + device.name() + "': " + e.getMessage(), e);
            }
            final JsonObject entry = new JsonObject().put("device", device.name())
                .put("transcript", Base64.getEncoder().encodeToString(evidence.transcript()))
                .put("chain", evidence.chainPem());
            if (evidence.vca() != null)
            {
                entry.put("vca", Base64.getEncoder().encodeToString(evidence.vca()));
            }
            all.add(entry);
        }
        return all;
    }
}
