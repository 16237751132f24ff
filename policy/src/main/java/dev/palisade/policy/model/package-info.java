/**
 * An immutable, validated policy, as written (before compilation): inventory, tiers, rules and selectors. Every
 * element remembers where it was written ({@link dev.palisade.policy.model.SourceLocation}) for error messages and
 * analysis reports. See docs/policy-language.md.
 */
package dev.palisade.policy.model;
