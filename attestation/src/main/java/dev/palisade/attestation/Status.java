package dev.palisade.attestation;

/**
 * An appraisal's outcome, in the terms of EAR (draft-ietf-rats-ear section 3.2.1) and the AR4SI trustworthiness tiers.
 */
public enum Status
{
    /** Authentic evidence, and the reference values it was compared with all hold. */
    AFFIRMING("affirming"),
    /** Authentic evidence, but something keeps it from being affirmed: no reference values, an unanchored chain. */
    WARNING("warning"),
    /** The evidence is not authentic, not fresh, or contradicts the reference values. */
    CONTRAINDICATED("contraindicated"),
    /** No appraisal was made (no evidence). */
    NONE("none");

    private final String label;

    Status(final String label)
    {
        this.label = label;
    }

    /** The EAR name: affirming, warning, contraindicated or none. */
    public String label()
    {
        return label;
    }

    /** @return the worse of this and {@code other}. */
    public Status worst(final Status other)
    {
        return rank(other) > rank(this) ? other : this;
    }

    private static int rank(final Status s)
    {
        return switch (s)
        {
            case NONE -> 0;
            case AFFIRMING -> 1;
            case WARNING -> 2;
            case CONTRAINDICATED -> 3;
        };
    }
}
