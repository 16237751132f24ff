package dev.palisade.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * JMH: one batch of established-flow packets through parse + conntrack + counters. Scores are per packet. Run with
 * {@code -prof gc} to see the allocation rate: the fast path should allocate nothing.
 * <pre>
 * ./palisade bench jmh FastPathBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true"})
public class FastPathBenchmark
{
    static final int BATCH = 256;

    @Param({"1000", "1000000"})
    int flows;

    private FastPathScenario scenario;
    private int next;

    @Setup(Level.Trial)
    public void setUp()
    {
        scenario = new FastPathScenario(flows, Math.max(2 * flows, 1 << 16), BATCH, 42);
        scenario.establish();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        scenario.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int fastPath()
    {
        final int i = next;
        next = i + 1 == scenario.batchCount() ? 0 : i + 1;
        return scenario.runBatch(i);
    }
}
