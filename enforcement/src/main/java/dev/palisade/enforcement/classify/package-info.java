/**
 * First-match packet classification on the 5-tuple: the rule model ({@link dev.palisade.enforcement.classify.FiveTupleRule}),
 * a linear reference ({@link dev.palisade.enforcement.classify.LinearClassifier}) that defines the right answer, and
 * the fast classifier the data plane uses, built off the packet path and then read-only.
 * <p>
 * For tests and benchmarks it also reads and writes ClassBench rule sets and header traces
 * ({@link dev.palisade.enforcement.classify.ClassBenchRules}, {@link dev.palisade.enforcement.classify.ClassBenchTraces});
 * that file I/O stays there, off the packet path.
 * <p>
 * Owns: rule matching semantics and the lookup structures. Must not touch: flow state, policy syntax, I/O on the
 * packet path.
 */
package dev.palisade.enforcement.classify;
