package dev.palisade.attestation.verifier;

import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.Ear;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The latest attestation result of every attester, as the relying party (the policy service) sees it: an attester is
 * trusted only while its latest result is affirming and has not expired. One whose result lapses (no fresh evidence
 * within the result's lifetime) or fails becomes contraindicated, and listeners hear of every change of status, so
 * that policy can be withheld and an event raised. Thread-safe.
 */
public final class AttestationLedger
{
    /** One attester's standing. */
    public record Entry(String id, Status status, Status lastResultStatus, long expiresAtSeconds, String token,
        List<Reason> reasons)
    {
    }

    /** Told when an attester's status changes (from any thread that records or sweeps). */
    @FunctionalInterface
    public interface Listener
    {
        void changed(String id, Status from, Status to, List<Reason> reasons);
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final LongSupplier clockSeconds;

    public AttestationLedger(final LongSupplier clockSeconds)
    {
        this.clockSeconds = clockSeconds;
    }

    public void addListener(final Listener listener)
    {
        listeners.add(listener);
    }

    void record(final String id, final Ear ear, final String token, final List<Reason> reasons)
    {
        final Entry next = new Entry(id, ear.status(), ear.status(), ear.expiresAtSeconds(), token, List.copyOf(reasons));
        final Entry previous = entries.put(id, next);
        final Status from = previous == null ? Status.NONE : current(previous, clockSeconds.getAsLong());
        if (from != next.status())
        {
            listeners.forEach(l -> l.changed(id, from, next.status(), next.reasons()));
        }
    }

    /** The attester's status now: NONE if never attested, CONTRAINDICATED once its result has lapsed. */
    public Status status(final String id)
    {
        final Entry e = entries.get(id);
        return e == null ? Status.NONE : current(e, clockSeconds.getAsLong());
    }

    /** Whether the attester may receive policy now: its latest result is affirming and unexpired. */
    public boolean trusted(final String id)
    {
        return status(id) == Status.AFFIRMING;
    }

    public Entry entry(final String id)
    {
        return entries.get(id);
    }

    /**
     * Marks every attester whose result lapsed since the last sweep as contraindicated, telling the listeners; call it
     * on an interval. @return how many lapsed.
     */
    public int sweep()
    {
        final long now = clockSeconds.getAsLong();
        int lapsed = 0;
        for (final Entry e : entries.values())
        {
            if (e.status() != Status.CONTRAINDICATED && now >= e.expiresAtSeconds())
            {
                final List<Reason> reasons = List.of(new Reason("attestation_lapsed", "no fresh evidence since the " +
                    "result that expired at " + e.expiresAtSeconds()));
                final Entry lapsedEntry = new Entry(e.id(), Status.CONTRAINDICATED, e.lastResultStatus(),
                    e.expiresAtSeconds(), e.token(), reasons);
                if (entries.replace(e.id(), e, lapsedEntry))
                {
                    lapsed++;
                    listeners.forEach(l -> l.changed(e.id(), e.status(), Status.CONTRAINDICATED, reasons));
                }
            }
        }
        return lapsed;
    }

    private static Status current(final Entry e, final long now)
    {
        return now >= e.expiresAtSeconds() ? Status.CONTRAINDICATED : e.status();
    }
}
