/**
 * Policy analysis for {@code palisade policy check}: rules that can never match, redundant rules, allow/deny overlaps
 * and empty selectors, found on the compiled form. Findings are warnings; the policy still compiles.
 */
package dev.palisade.policy.analysis;
