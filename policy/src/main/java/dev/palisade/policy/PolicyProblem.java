package dev.palisade.policy;

import dev.palisade.policy.model.SourceLocation;

import java.util.Objects;

/**
 * One thing wrong with a policy document: where ({@code file:line:column}, 1-based) and a message that says what was
 * found and what was expected there (docs/policy-language.md: "Every error names the file, line and column and says
 * what was expected there").
 */
public record PolicyProblem(SourceLocation at, String message)
{
    public PolicyProblem
    {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(message, "message");
    }

    /** {@code payments.yaml:14:13: unknown key 'prot'; expected one of: ...}. */
    @Override
    public String toString()
    {
        return at + ": " + message;
    }
}
