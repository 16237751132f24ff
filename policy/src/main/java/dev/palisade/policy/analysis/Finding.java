package dev.palisade.policy.analysis;

import dev.palisade.policy.model.SourceLocation;

/**
 * One thing {@code policy check} reports about a rule.
 *
 * @param rule    the rule the finding is about.
 * @param other   the rule that causes it (the shadowing, covering or overlapping rule), or null.
 */
public record Finding(Kind kind, String rule, SourceLocation at, String other, String message)
{
    public enum Kind
    {
        /** An earlier rule decides all of this rule's traffic with another action: it never matches. */
        SHADOWED("shadowed"),
        /** Another rule with the same action already decides all of this rule's traffic: removing it changes nothing. */
        REDUNDANT("redundant"),
        /** An allow and a deny (or reject) rule share some traffic and neither covers the other: order decides. */
        OVERLAP("overlap"),
        /** A selector resolves to no address, so the rule matches nothing. */
        EMPTY_SELECTOR("empty_selector");

        private final String label;

        Kind(final String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }

    @Override
    public String toString()
    {
        return at + ": " + kind.label() + ": rule '" + rule + "': " + message;
    }
}
