package dev.palisade.enforcement.pipeline;

import dev.palisade.dpi.engine.AlertSink;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.engine.InspectionCounters;
import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.counters.WorkerCounters;
import dev.palisade.enforcement.firewall.EventSink;
import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.RuleCounters;
import dev.palisade.enforcement.firewall.RuleStats;
import dev.palisade.enforcement.firewall.SelfProtection;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs the data plane over a capture offline. Packets are read in place from the mapped file. With one worker the
 * caller's thread does everything; with N workers the caller's thread plays the NIC: it hashes each packet's flow
 * key symmetrically (as RSS does), appends a descriptor to that worker's batch, and hands full batches over a
 * single-producer single-consumer queue to worker threads, which hand them back empty. Counters are summed at the end.
 */
public final class ReplayEngine
{
    /** Batches in flight per worker (the depth of its "receive ring"). */
    static final int QUEUE_BATCHES = 64;
    static final long PROGRESS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How far behind the reader the file's pages are let go. Far more than the packets in flight (a worker's queue
     * holds at most 64 batches), and releasing too early only costs a re-read, never correctness.
     */
    static final long RELEASE_LAG_BYTES = 64L << 20;

    /** Told about progress about once a second on long replays (from the replaying thread). */
    @FunctionalInterface
    public interface ProgressListener
    {
        void progress(long packets, long bytesRead, long fileBytes, long elapsedNs);

        ProgressListener NONE = (packets, bytesRead, fileBytes, elapsedNs) -> {};
    }

    private final DataPlaneConfig config;
    private final int workerCount;
    private Firewall firewall;
    private EventSink events = EventSink.NONE;
    private DpiEngine dpi;
    private AlertSink alerts = AlertSink.NONE;
    private ReplySink replies = ReplySink.NONE;
    private SelfProtection selfProtection;

    public ReplayEngine(final DataPlaneConfig config, final int workerCount)
    {
        if (workerCount < 1 || workerCount > 256)
        {
            throw new IllegalArgumentException("workers must be 1..256, was " + workerCount);
        }
        this.config = config;
        this.workerCount = workerCount;
    }

    /** Enforces {@code firewall}'s policy on the replayed traffic, sending events to {@code sink}. */
    public ReplayEngine firewall(final Firewall value, final EventSink sink)
    {
        this.firewall = value;
        this.events = sink;
        return this;
    }

    /** Inspects what passes with {@code engine}'s rules, sending alerts to {@code sink}. */
    public ReplayEngine inspection(final DpiEngine engine, final AlertSink sink)
    {
        this.dpi = engine;
        this.alerts = sink;
        return this;
    }

    /**
     * Drops packets from the host side to the DPU's management addresses before anything else sees them (in replay
     * the host side is the host's addresses: {@link SelfProtection.HostSide#addresses}). Events go to the firewall's
     * sink.
     */
    public ReplayEngine selfProtection(final SelfProtection value)
    {
        this.selfProtection = value;
        return this;
    }

    /** Sends the resets and unreachables that reject rules owe to {@code sink} (by default they are only counted). */
    public ReplayEngine replies(final ReplySink sink)
    {
        this.replies = sink;
        return this;
    }

    public ReplaySummary replay(final Path capture) throws IOException
    {
        return replay(capture, ProgressListener.NONE);
    }

    /**
     * @throws dev.palisade.enforcement.capture.CaptureFormatException when the file is damaged (the error names the
     *                                                                 byte offset).
     */
    public ReplaySummary replay(final Path capture, final ProgressListener progress) throws IOException
    {
        final Worker[] workers = new Worker[workerCount];
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            for (int i = 0; i < workerCount; i++)
            {
                workers[i] = new Worker(i, config, firewall, events, dpi, alerts, selfProtection).replies(replies);
            }
            final DirectBuffer[] segments = new DirectBuffer[reader.segmentCount()];
            for (int i = 0; i < segments.length; i++)
            {
                segments[i] = reader.segment(i);
            }
            final long startNs = System.nanoTime();
            if (workerCount == 1)
            {
                replayInline(reader, segments, workers[0], progress, startNs);
            }
            else
            {
                replayDispatched(reader, segments, workers, progress, startNs);
            }
            for (final Worker worker : workers)
            {
                worker.finish(); // the workers have stopped: flows still open end with the capture
            }
            final long elapsedNs = System.nanoTime() - startNs;
            final WorkerCounters[] counters = new WorkerCounters[workerCount];
            for (int i = 0; i < workerCount; i++)
            {
                counters[i] = workers[i].counters();
            }
            List<RuleStats> rules = List.of();
            if (firewall != null)
            {
                final List<RuleCounters> snapshots = new ArrayList<>();
                for (final Worker worker : workers)
                {
                    snapshots.add(worker.firewall().snapshot()); // the workers have stopped
                }
                rules = RuleStats.sum(firewall.registry(), snapshots);
            }
            events.flush(); // the firewall's events and self-protection's
            InspectionCounters inspection = null;
            if (dpi != null)
            {
                inspection = new InspectionCounters();
                for (final Worker worker : workers)
                {
                    inspection.add(worker.inspector().counters());
                }
            }
            return ReplaySummary.of(capture.toString(), elapsedNs, counters, rules).withInspection(inspection);
        }
        finally
        {
            for (final Worker worker : workers)
            {
                if (worker != null)
                {
                    worker.close();
                }
            }
        }
    }

    private void replayInline(final CaptureReader reader, final DirectBuffer[] segments, final Worker worker,
        final ProgressListener progress, final long startNs) throws IOException
    {
        final PacketBatch batch = new PacketBatch(config.batchSize());
        batch.buffers(segments);
        long nextProgressNs = startNs + PROGRESS_INTERVAL_NS;
        long packets = 0;
        long sequence = 0;
        while (reader.next())
        {
            batch.add(reader.segmentIndex(), reader.packetOffset(), reader.capturedLength(), reader.wireLength(),
                reader.linkType(), reader.timestampNs());
            batch.number[batch.count - 1] = ++sequence;
            if (batch.isFull())
            {
                packets += worker.process(batch);
                batch.clear();
                if ((packets & 0xFFFF) < batch.capacity())
                {
                    reader.releaseBefore(reader.position() - RELEASE_LAG_BYTES);
                    final long now = System.nanoTime();
                    if (now >= nextProgressNs)
                    {
                        progress.progress(packets, reader.position(), reader.fileLength(), now - startNs);
                        nextProgressNs = now + PROGRESS_INTERVAL_NS;
                    }
                }
            }
        }
        worker.process(batch);
    }

    private void replayDispatched(final CaptureReader reader, final DirectBuffer[] segments, final Worker[] workers,
        final ProgressListener progress, final long startNs) throws IOException
    {
        final int n = workers.length;
        final WorkerAgent[] agents = new WorkerAgent[n];
        final AgentRunner[] runners = new AgentRunner[n];
        final PacketBatch[] filling = new PacketBatch[n];
        final long[] dispatched = new long[n];
        final IdleStrategy idle = new BackoffIdleStrategy();
        try
        {
            for (int i = 0; i < n; i++)
            {
                agents[i] = new WorkerAgent(workers[i], config.batchSize(), segments);
                runners[i] = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, agents[i]);
                AgentRunner.startOnThread(runners[i]);
                filling[i] = agents[i].takeEmpty(idle);
            }

            final PacketParser parser = new PacketParser();
            final PacketMeta meta = new PacketMeta();
            long nextProgressNs = startNs + PROGRESS_INTERVAL_NS;
            long packets = 0;
            long sequence = 0;
            while (reader.next())
            {
                final int segment = reader.segmentIndex();
                final int offset = reader.packetOffset();
                final int result = parser.parse(segments[segment], offset, reader.capturedLength(), reader.wireLength(),
                    reader.linkType(), meta);
                final int w = result == 0 && meta.l3 != PacketMeta.L3_NONE ? workerFor(meta.flowHash, n) : 0;
                final PacketBatch batch = filling[w];
                batch.add(segment, offset, reader.capturedLength(), reader.wireLength(), reader.linkType(),
                    reader.timestampNs());
                batch.number[batch.count - 1] = ++sequence;
                if (batch.isFull())
                {
                    agents[w].submit(batch, idle);
                    dispatched[w]++;
                    filling[w] = agents[w].takeEmpty(idle);
                }
                if ((++packets & 0xFFFF) == 0)
                {
                    reader.releaseBefore(reader.position() - RELEASE_LAG_BYTES);
                    final long now = System.nanoTime();
                    if (now >= nextProgressNs)
                    {
                        progress.progress(packets, reader.position(), reader.fileLength(), now - startNs);
                        nextProgressNs = now + PROGRESS_INTERVAL_NS;
                    }
                }
            }
            for (int w = 0; w < n; w++)
            {
                if (filling[w].count > 0)
                {
                    agents[w].submit(filling[w], idle);
                    dispatched[w]++;
                }
            }
            for (int w = 0; w < n; w++)
            {
                idle.reset();
                while (agents[w].processedBatches() < dispatched[w])
                {
                    if (agents[w].failure() != null)
                    {
                        throw new IllegalStateException("worker " + w + " failed", agents[w].failure());
                    }
                    idle.idle();
                }
            }
        }
        finally
        {
            for (final AgentRunner runner : runners)
            {
                if (runner != null)
                {
                    runner.close();
                }
            }
        }
    }

    /**
     * Maps a flow hash to a worker. Uses the low half of the hash: the flow table indexes with the high half, so
     * the two choices stay independent and each worker's table is used evenly.
     */
    public static int workerFor(final long flowHash, final int workers)
    {
        return (int)(((flowHash & 0xFFFF_FFFFL) * workers) >>> 32);
    }

    /** Runs one worker on its own thread, fed full batches and returning them empty. */
    static final class WorkerAgent implements Agent
    {
        private final Worker worker;
        private final OneToOneConcurrentArrayQueue<PacketBatch> full = new OneToOneConcurrentArrayQueue<>(QUEUE_BATCHES);
        private final OneToOneConcurrentArrayQueue<PacketBatch> empty = new OneToOneConcurrentArrayQueue<>(QUEUE_BATCHES);
        private volatile long processedBatches;
        private volatile Throwable failure;

        WorkerAgent(final Worker worker, final int batchSize, final DirectBuffer[] segments)
        {
            this.worker = worker;
            for (int i = 0; i < QUEUE_BATCHES; i++)
            {
                final PacketBatch batch = new PacketBatch(batchSize);
                batch.buffers(segments);
                empty.offer(batch);
            }
        }

        PacketBatch takeEmpty(final IdleStrategy idle)
        {
            idle.reset();
            PacketBatch batch;
            while ((batch = empty.poll()) == null)
            {
                checkAlive();
                idle.idle();
            }
            batch.clear();
            return batch;
        }

        void submit(final PacketBatch batch, final IdleStrategy idle)
        {
            idle.reset();
            while (!full.offer(batch))
            {
                checkAlive();
                idle.idle();
            }
        }

        private void checkAlive()
        {
            if (failure != null)
            {
                throw new IllegalStateException("worker " + worker.id() + " failed", failure);
            }
        }

        long processedBatches()
        {
            return processedBatches;
        }

        Throwable failure()
        {
            return failure;
        }

        @Override
        public int doWork()
        {
            final PacketBatch batch = full.poll();
            if (batch == null)
            {
                return 0;
            }
            try
            {
                final int n = worker.process(batch);
                empty.offer(batch);
                processedBatches = processedBatches + 1;
                return n;
            }
            catch (final Throwable t)
            {
                failure = t;
                throw t;
            }
        }

        @Override
        public String roleName()
        {
            return "palisade-worker-" + worker.id();
        }
    }
}
