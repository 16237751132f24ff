/**
 * Per-worker counters with stable ids and names, in the manner of Aeron's system counters: each worker writes only its
 * own, any thread may read, and totals are the sum over workers. Must not touch: anything else.
 */
package dev.palisade.enforcement.counters;
