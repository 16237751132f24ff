package dev.palisade.attestation.verifier;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Issues the verifier's nonces: 32 random bytes each, valid once and for a short time, so that evidence proves it was
 * made after the challenge (freshness) and cannot be replayed. Outstanding nonces are bounded, so that asking for
 * challenges cannot exhaust the verifier's memory. Thread-safe.
 */
public final class NonceService
{
    public static final int NONCE_BYTES = 32;
    public static final long DEFAULT_LIFETIME_NS = 60_000_000_000L;
    public static final int DEFAULT_MAX_OUTSTANDING = 100_000;

    /** What {@link #redeem} found. */
    public enum Redemption
    {
        /** Issued here, unexpired, not used before: the evidence is fresh. */
        FRESH,
        /** Never issued here (or forgotten long ago). */
        UNKNOWN,
        /** Issued, but its lifetime passed before the evidence came back. */
        EXPIRED,
        /** Already answered once: a replay. */
        REPLAYED
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> outstanding = new ConcurrentHashMap<>();
    /** Redeemed nonces until their lifetime ends, to tell a replay from an unknown nonce. */
    private final Map<String, Long> redeemed = new ConcurrentHashMap<>();
    private final long lifetimeNs;
    private final int maxOutstanding;
    private final LongSupplier clock;
    /** Full-table purges of outstanding nonces happen at most this often, so refusals stay cheap under a flood. */
    private volatile long nextPurgeNs;

    public NonceService(final long lifetimeNs, final int maxOutstanding, final LongSupplier clockNs)
    {
        if (lifetimeNs <= 0 || maxOutstanding <= 0)
        {
            throw new IllegalArgumentException("lifetime and capacity must be positive");
        }
        this.lifetimeNs = lifetimeNs;
        this.maxOutstanding = maxOutstanding;
        this.clock = clockNs;
        this.nextPurgeNs = clockNs.getAsLong();
    }

    public NonceService()
    {
        this(DEFAULT_LIFETIME_NS, DEFAULT_MAX_OUTSTANDING, System::nanoTime);
    }

    /**
     * @return a fresh nonce.
     * @throws IllegalStateException when {@code maxOutstanding} nonces are unanswered and unexpired (the caller should
     *                               answer "try later", e.g. HTTP 503).
     */
    public byte[] issue()
    {
        final long now = clock.getAsLong();
        if (outstanding.size() >= maxOutstanding)
        {
            if (now - nextPurgeNs >= 0)
            {
                purge(outstanding, now);
                nextPurgeNs = now + lifetimeNs / 16;
            }
            if (outstanding.size() >= maxOutstanding)
            {
                throw new IllegalStateException(maxOutstanding + " challenges are outstanding; try again later");
            }
        }
        final byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        outstanding.put(HexFormat.of().formatHex(nonce), now + lifetimeNs);
        return nonce;
    }

    /** Consumes {@code nonce}: only the first redemption within its lifetime is {@link Redemption#FRESH}. */
    public Redemption redeem(final byte[] nonce)
    {
        final long now = clock.getAsLong();
        final String key = HexFormat.of().formatHex(nonce);
        final Long expiry = outstanding.remove(key);
        if (expiry == null)
        {
            final Long used = redeemed.get(key);
            return used != null && used - now > 0 ? Redemption.REPLAYED : Redemption.UNKNOWN;
        }
        if (expiry - now < 0)
        {
            return Redemption.EXPIRED;
        }
        redeemed.put(key, expiry);
        if (redeemed.size() > maxOutstanding)
        {
            // Only for telling replays from unknown nonces (both are refused): drop expired ones, and all of them if
            // that frees too little, so that the cost stays constant per redemption.
            purge(redeemed, now);
            if (redeemed.size() > maxOutstanding / 2)
            {
                redeemed.clear();
            }
        }
        return Redemption.FRESH;
    }

    public int outstanding()
    {
        return outstanding.size();
    }

    private static void purge(final Map<String, Long> map, final long now)
    {
        for (final Iterator<Map.Entry<String, Long>> it = map.entrySet().iterator(); it.hasNext(); )
        {
            if (it.next().getValue() - now < 0)
            {
                it.remove();
            }
        }
    }
}
