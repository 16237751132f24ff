package dev.palisade.enforcement.agent.channel;

import dev.palisade.attestation.tpm.SoftwareAttester;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.client.KeyType;
import dev.palisade.attestation.tpm.client.SwtpmProcess;
import dev.palisade.attestation.tpm.client.Tpm2;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The agent's side of attestation (RFC 9334's Attester): the keys it enrols with, the activation of the verifier's
 * credential, and quotes. A TPM (swtpm's socket or the device) proves something; the software attester proves nothing
 * and says so wherever it appears.
 */
public interface AgentAttester extends AutoCloseable
{
    /** A quote: TPMS_ATTEST, TPMT_SIGNATURE, and the quoted SHA-256 PCR values concatenated in ascending order. */
    record Quote(byte[] attest, byte[] signature, byte[] pcrValues)
    {
    }

    /** @return {@code tpm} or {@code software}. */
    String kind();

    /** @return the enrolment fields for the keys: {@code ak}, and for a TPM {@code ek} and {@code ek_certificate}. */
    JsonObject enrolmentKeys() throws IOException;

    /** TPM2_ActivateCredential with the EK and AK; a software attester has nothing to activate. */
    byte[] activate(byte[] credentialBlob, byte[] encryptedSecret) throws IOException;

    Quote quote(byte[] qualifyingData, int[] pcrs) throws IOException;

    /** The DPU's SPDM responders, measured beside each quote when the service asks. */
    default List<SpdmDevice> devices()
    {
        return List.of();
    }

    @Override
    void close();

    /** {@code attester} with {@code devices} beside it; closing closes the attester. */
    static AgentAttester withDevices(final AgentAttester attester, final List<SpdmDevice> devices)
    {
        final List<SpdmDevice> all = List.copyOf(devices);
        return new AgentAttester()
        {
            @Override
            public String kind()
            {
                return attester.kind();
            }

            @Override
            public JsonObject enrolmentKeys() throws IOException
            {
                return attester.enrolmentKeys();
            }

            @Override
            public byte[] activate(final byte[] credentialBlob, final byte[] encryptedSecret) throws IOException
            {
                return attester.activate(credentialBlob, encryptedSecret);
            }

            @Override
            public Quote quote(final byte[] qualifyingData, final int[] pcrs) throws IOException
            {
                return attester.quote(qualifyingData, pcrs);
            }

            @Override
            public List<SpdmDevice> devices()
            {
                return all;
            }

            @Override
            public void close()
            {
                attester.close();
            }
        };
    }

    /** A software attester: an in-memory key quoting in the TPM's formats. It proves nothing. */
    static AgentAttester software()
    {
        final SoftwareAttester attester = new SoftwareAttester();
        return new AgentAttester()
        {
            @Override
            public String kind()
            {
                return "software";
            }

            @Override
            public JsonObject enrolmentKeys() throws IOException
            {
                final StringWriter out = new StringWriter();
                try (PemWriter writer = new PemWriter(out))
                {
                    writer.writeObject(new PemObject("PUBLIC KEY", SubjectPublicKeyInfoFactory
                        .createSubjectPublicKeyInfo(attester.publicKey()).getEncoded()));
                }
                return new JsonObject().put("ak", out.toString());
            }

            @Override
            public byte[] activate(final byte[] credentialBlob, final byte[] encryptedSecret)
            {
                throw new IllegalStateException("a software attester has no EK to activate a credential with");
            }

            @Override
            public Quote quote(final byte[] qualifyingData, final int[] pcrs)
            {
                final SoftwareAttester.Quote quote = attester.quote(qualifyingData, pcrs);
                return new Quote(quote.attest(), quote.signature(), quote.pcrValues());
            }

            @Override
            public void close()
            {
            }
        };
    }

    /**
     * A TPM: creates the EK (RSA 2048, the TCG template) and a restricted ECC P-256 signing AK under it, and reads the
     * EK certificate from NV when the TPM was manufactured with one.
     *
     * @param swtpm the swtpm process to stop on close, or null.
     */
    static AgentAttester tpm(final Tpm2 tpm, final SwtpmProcess swtpm) throws IOException
    {
        tpm.startup(true);
        final Tpm2.LoadedKey ek = tpm.createEk(KeyType.RSA);
        final Tpm2.LoadedKey ak = tpm.createAttestationKey(ek.handle(), KeyType.ECC);
        byte[] ekCertificate = null;
        try
        {
            ekCertificate = tpm.nvRead(Tpm2.NV_EK_CERT_RSA_2048);
        }
        catch (final IOException e)
        {
            // No EK certificate in NV: an unmanufactured TPM; the verifier decides whether that is acceptable.
        }
        final byte[] certificate = ekCertificate;
        return new AgentAttester()
        {
            @Override
            public String kind()
            {
                return "tpm";
            }

            @Override
            public JsonObject enrolmentKeys()
            {
                final JsonObject keys = new JsonObject()
                    .put("ek", Base64.getEncoder().encodeToString(ek.publicArea().marshal()))
                    .put("ak", Base64.getEncoder().encodeToString(ak.publicArea().marshal()));
                if (certificate != null)
                {
                    keys.put("ek_certificate", Base64.getEncoder().encodeToString(certificate));
                }
                return keys;
            }

            @Override
            public byte[] activate(final byte[] credentialBlob, final byte[] encryptedSecret) throws IOException
            {
                return tpm.activateCredential(ak.handle(), ek.handle(), credentialBlob, encryptedSecret);
            }

            @Override
            public Quote quote(final byte[] qualifyingData, final int[] pcrs) throws IOException
            {
                final Tpm2.Quote quote = tpm.quote(ak.handle(), qualifyingData, TpmAlgorithm.SHA256, pcrs);
                // Read after quoting: PCRs that moved in between fail the digest check, and the next round retries.
                final Map<Integer, byte[]> values = tpm.pcrRead(TpmAlgorithm.SHA256, pcrs);
                final ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
                values.values().forEach(concatenated::writeBytes);
                return new Quote(quote.attest(), quote.signature(), concatenated.toByteArray());
            }

            @Override
            public void close()
            {
                tpm.flushQuietly(ak.handle());
                tpm.flushQuietly(ek.handle());
                try
                {
                    tpm.close();
                }
                catch (final Exception e)
                {
                    // closing the transport
                }
                if (swtpm != null)
                {
                    swtpm.close();
                }
            }
        };
    }
}
