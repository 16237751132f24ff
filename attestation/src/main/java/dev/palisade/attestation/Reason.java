package dev.palisade.attestation;

/**
 * Why evidence was not affirmed: a stable snake_case code for machines (alerting, EAR claims, tests) and a sentence
 * for people that says what was found and what was expected.
 */
public record Reason(String code, String message)
{
    @Override
    public String toString()
    {
        return code + ": " + message;
    }
}
