package dev.palisade.attestation.verifier;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The attester's side of continuous attestation: on an interval (with jitter, so a fleet does not answer in step),
 * take a fresh challenge, make evidence for it, and hand it in. A round that fails is retried sooner, with backoff,
 * up to the interval; the verifier's results expire, so an attester that stops answering lapses by itself and no
 * round here needs to succeed for safety, only for availability.
 */
public final class ContinuousAttestation implements AutoCloseable
{
    /** One attestation round: challenge, evidence, submission. Throws when any step fails. */
    @FunctionalInterface
    public interface Round
    {
        void run() throws Exception;
    }

    private final ScheduledExecutorService scheduler;
    private final Round round;
    private final long intervalNs;
    private final long firstRetryNs;
    private final Consumer<Exception> onFailure;
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;
    private long retryNs;
    /** Told each delay chosen before the next round (tests). */
    private java.util.function.LongConsumer scheduled = delay -> { };

    /**
     * @param interval   time between successful rounds (a tenth of it as jitter).
     * @param firstRetry the delay after a first failure; doubles per failure, up to {@code interval}.
     * @param onFailure  told of each failed round (logging, events).
     */
    public ContinuousAttestation(final Round round, final Duration interval, final Duration firstRetry,
        final Consumer<Exception> onFailure)
    {
        if (interval.isNegative() || interval.isZero() || firstRetry.isNegative() || firstRetry.isZero())
        {
            throw new IllegalArgumentException("interval and retry delay must be positive");
        }
        this.round = round;
        this.intervalNs = interval.toNanos();
        this.firstRetryNs = Math.min(firstRetry.toNanos(), intervalNs);
        this.retryNs = firstRetryNs;
        this.onFailure = onFailure;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "palisade-attestation");
            t.setDaemon(true);
            return t;
        });
    }

    ContinuousAttestation onSchedule(final java.util.function.LongConsumer listener)
    {
        this.scheduled = listener;
        return this;
    }

    /** Runs the first round now, then keeps going until {@link #close}. */
    public ContinuousAttestation start()
    {
        scheduler.execute(this::runOnce);
        return this;
    }

    private void runOnce()
    {
        if (closed)
        {
            return;
        }
        long delay;
        try
        {
            round.run();
            succeeded.incrementAndGet();
            retryNs = firstRetryNs;
            delay = intervalNs - ThreadLocalRandom.current().nextLong(intervalNs / 10 + 1);
        }
        catch (final Exception e)
        {
            failed.incrementAndGet();
            onFailure.accept(e);
            delay = retryNs;
            retryNs = Math.min(retryNs * 2, intervalNs);
        }
        if (!closed)
        {
            scheduled.accept(delay);
            scheduler.schedule(this::runOnce, delay, TimeUnit.NANOSECONDS);
        }
    }

    public long succeeded()
    {
        return succeeded.get();
    }

    public long failed()
    {
        return failed.get();
    }

    @Override
    public void close()
    {
        closed = true;
        scheduler.shutdownNow();
        try
        {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
