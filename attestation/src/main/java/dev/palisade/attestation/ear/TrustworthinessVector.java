package dev.palisade.attestation.ear;

import dev.palisade.attestation.Status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An AR4SI trustworthiness vector (draft-ietf-rats-ar4si section 2.3): one claim per aspect of the attester, each a
 * small integer whose range says its tier: 0 none (not appraised), 2..31 affirming, 32..95 warning, 96..127
 * contraindicated. Null leaves a claim out.
 *
 * @param instanceIdentity the attester is the one enrolled (its key verified the evidence).
 * @param configuration    its configuration (here: the policy bundle it enforces).
 * @param executables      what it runs (here: measured boot and software, the PCRs or SPDM measurements).
 * @param hardware         its hardware is genuine (here: EK certificate, device certificate chain).
 */
public record TrustworthinessVector(Integer instanceIdentity, Integer configuration, Integer executables,
    Integer hardware)
{
    /** Affirming: recognised and approved (AR4SI's "2"). */
    public static final int APPROVED = 2;
    /** Warning: not recognised, nothing known against it (AR4SI's "33" for executables, "32" otherwise). */
    public static final int UNRECOGNIZED = 33;
    public static final int UNSAFE = 32;
    /** Contraindicated: known bad, or failed verification (AR4SI's "96"). */
    public static final int CONTRAINDICATED = 96;

    /** The tier of a claim's value. */
    public static Status tier(final Integer value)
    {
        if (value == null || value == 0)
        {
            return Status.NONE;
        }
        if (value >= 96 || value <= -1)
        {
            return Status.CONTRAINDICATED;
        }
        return value >= 32 ? Status.WARNING : Status.AFFIRMING;
    }

    /** The worst tier among the claims present (NONE when none is). */
    public Status worst()
    {
        Status s = Status.NONE;
        for (final Integer v : new Integer[] {instanceIdentity, configuration, executables, hardware})
        {
            s = s.worst(tier(v));
        }
        return s;
    }

    Map<String, Object> toJson()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        put(m, "instance-identity", instanceIdentity);
        put(m, "configuration", configuration);
        put(m, "executables", executables);
        put(m, "hardware", hardware);
        return m;
    }

    private static void put(final Map<String, Object> m, final String key, final Integer value)
    {
        if (value != null)
        {
            m.put(key, value);
        }
    }
}
