/**
 * The policy compiler: resolves selectors to address sets, flattens tiers into one priority order and emits an
 * immutable, deterministic compiled form with a digest (same input, same bytes). Must not touch: packet code (the
 * data plane turns the compiled form into its classifier), I/O.
 */
package dev.palisade.policy.compile;
