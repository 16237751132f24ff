/** Benchmarks: JMH micro-benchmarks and the scenarios behind {@code palisade bench}. */
package dev.palisade.benchmarks;
