package dev.palisade.api.fleet;

import dev.palisade.attestation.spdm.SpdmFormatException;
import dev.palisade.attestation.spdm.SpdmVerifier;
import dev.palisade.attestation.verifier.SpdmEvidence;
import dev.palisade.attestation.verifier.TpmAttestationVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.cert.X509CertificateHolder;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the SPDM device evidence that comes with a quote, at enrolment and on the channel:
 * <pre>
 * "spdm": [{"device": "nic0", "transcript": BASE64, "vca": BASE64, "chain": "-----BEGIN CERTIFICATE-----…"}]
 * </pre>
 * {@code transcript} is GET_MEASUREMENTS || MEASUREMENTS as the requester saw them, {@code vca} (optional) the
 * connection's GET_VERSION .. ALGORITHMS, {@code chain} the device's certificates in PEM. Whatever is wrong is an
 * {@link Invalid} naming the field ({@code spdm[0].chain}); the caller turns it into a 400 or a protocol error.
 */
final class DeviceEvidenceWire
{
    /** Longest transcript, VCA or chain, in characters: far above real devices (a few KiB), far below a DoS. */
    static final int MAX_FIELD_CHARS = 32 * 1024;
    private static final Set<String> FIELDS = Set.of("device", "transcript", "vca", "chain");

    /** A field of the device evidence is wrong. */
    static final class Invalid extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final String field;
        private final String detail;

        Invalid(final String field, final String detail)
        {
            super(field + ": " + detail, null, false, false);
            this.field = field;
            this.detail = detail;
        }

        String field()
        {
            return field;
        }

        String detail()
        {
            return detail;
        }
    }

    private DeviceEvidenceWire()
    {
    }

    /** @return the devices in {@code body}'s {@code spdm} field, empty when it has none. */
    static List<SpdmEvidence> read(final JsonObject body)
    {
        final Object value = body.getValue("spdm");
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof JsonArray array))
        {
            throw new Invalid("spdm", "must be a list of {device, transcript, vca, chain}");
        }
        if (array.size() > TpmAttestationVerifier.MAX_DEVICES)
        {
            throw new Invalid("spdm", array.size() + " devices; at most " + TpmAttestationVerifier.MAX_DEVICES);
        }
        final List<SpdmEvidence> devices = new ArrayList<>(array.size());
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < array.size(); i++)
        {
            final String where = "spdm[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject device))
            {
                throw new Invalid(where, "must be an object {device, transcript, vca, chain}");
            }
            for (final String field : device.fieldNames())
            {
                if (!FIELDS.contains(field))
                {
                    throw new Invalid(where + "." + field, "unknown field (expected device, transcript, vca, chain)");
                }
            }
            final String name = text(device, where, "device", true);
            if (!SpdmEvidence.DEVICE_NAME.matcher(name).matches())
            {
                throw new Invalid(where + ".device", "'" + abbreviate(name) + "' is not a device name (letters, " +
                    "digits, '.', '_', '-'; at most 32)");
            }
            if (!names.add(name))
            {
                throw new Invalid(where + ".device", "'" + name + "' is named twice");
            }
            final byte[] transcript = base64(device, where, "transcript", true);
            final byte[] vca = base64(device, where, "vca", false);
            final List<X509CertificateHolder> chain;
            try
            {
                chain = SpdmVerifier.readPem(text(device, where, "chain", true));
            }
            catch (final SpdmFormatException e)
            {
                throw new Invalid(where + ".chain", e.getMessage());
            }
            devices.add(new SpdmEvidence(name, transcript, vca, chain));
        }
        return List.copyOf(devices);
    }

    private static String text(final JsonObject device, final String where, final String field,
        final boolean required)
    {
        final Object value = device.getValue(field);
        if (value == null)
        {
            if (required)
            {
                throw new Invalid(where + "." + field, "required");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isBlank())
        {
            throw new Invalid(where + "." + field, "must be a non-blank string");
        }
        if (text.length() > MAX_FIELD_CHARS)
        {
            throw new Invalid(where + "." + field, "longer than " + MAX_FIELD_CHARS + " characters");
        }
        return text;
    }

    private static byte[] base64(final JsonObject device, final String where, final String field,
        final boolean required)
    {
        final String text = text(device, where, field, required);
        if (text == null)
        {
            return null;
        }
        try
        {
            return Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw new Invalid(where + "." + field, "not base64: " + e.getMessage());
        }
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
