package dev.palisade.enforcement.testing;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small harness for property tests: a number of tries, each with its own {@link SplittableRandom} derived from a
 * fixed base seed and the try number, so any failure can be reproduced from the seed and try number in its message.
 * The base seed is {@value #DEFAULT_SEED} unless {@code -D}{@value #SEED_PROPERTY}{@code =N} gives another, which runs
 * another sequence of inputs; {@link #random(int)} gives any one try's generator.
 * <p>
 * Used instead of the property-testing library these tests once used, whose licence from version 1.10 on carries an
 * "Anti-AI Usage Clause" asking that AI coding agents not use it; these tests were written by one. There is no
 * shrinking, so generators should favour small and boundary values themselves ({@link #between}, {@link #anyLong}),
 * as such libraries do.
 */
public final class Seeded
{
    public static final String SEED_PROPERTY = "palisade.property.seed";
    public static final long DEFAULT_SEED = 0x5EED_F00DL;
    public static final long SEED = Long.getLong(SEED_PROPERTY, DEFAULT_SEED);

    /** One try of a property, given its own generator. */
    @FunctionalInterface
    public interface TryBody
    {
        void run(SplittableRandom random);
    }

    private Seeded()
    {
    }

    /** @return the generator of try {@code attempt} under the base seed. */
    public static SplittableRandom random(final int attempt)
    {
        return new SplittableRandom(SEED * 1_000_003L + attempt);
    }

    /**
     * Runs {@code body} for tries 0 to {@code tries - 1}, stopping at the first that throws.
     *
     * @throws AssertionError naming the property, the try and the seed, with the failure as its cause.
     */
    public static void forEachTry(final String name, final int tries, final TryBody body)
    {
        for (int attempt = 0; attempt < tries; attempt++)
        {
            try
            {
                body.run(random(attempt));
            }
            catch (final RuntimeException | AssertionError ex)
            {
                throw failure(name, attempt, tries, null, ex);
            }
        }
    }

    /**
     * Generates an input per try and checks {@code property} of it; as {@link #forEachTry}, but a failure also shows
     * the input (its {@code toString}).
     */
    public static <T> void forAll(
        final String name,
        final int tries,
        final Function<SplittableRandom, ? extends T> generator,
        final Consumer<? super T> property)
    {
        for (int attempt = 0; attempt < tries; attempt++)
        {
            T input = null;
            try
            {
                input = generator.apply(random(attempt));
                property.accept(input);
            }
            catch (final RuntimeException | AssertionError ex)
            {
                throw failure(name, attempt, tries, input, ex);
            }
        }
    }

    private static AssertionError failure(
        final String name, final int attempt, final int tries, final Object input, final Throwable cause)
    {
        final String what = cause instanceof AssertionError && cause.getMessage() != null ?
            cause.getMessage() : cause.toString();
        return new AssertionError(name + ": try " + attempt + " of " + tries + " failed (seed " + SEED + ", -D" +
            SEED_PROPERTY + "=" + SEED + "): " + what + (input != null ? "\n    input: " + input : ""), cause);
    }

    /** @return an index into {@code weights}, each chosen with a probability proportional to its weight. */
    public static int weighted(final SplittableRandom random, final int... weights)
    {
        int total = 0;
        for (final int weight : weights)
        {
            total += weight;
        }
        int pick = random.nextInt(total);
        for (int i = 0; i < weights.length; i++)
        {
            pick -= weights[i];
            if (pick < 0)
            {
                return i;
            }
        }
        throw new IllegalStateException("weights " + total);
    }

    /**
     * A value in {@code [min, max]}: 1 in 8 one of the ends ({@code min}, {@code min + 1}, {@code max - 1},
     * {@code max}); 3 in 8 biased towards {@code min} (a random bit length, then a value of at most that many bits
     * above {@code min}), so that every order of magnitude of the range gets tried; else uniform.
     */
    public static long between(final SplittableRandom random, final long min, final long max)
    {
        if (max < min || max - min < 0)
        {
            throw new IllegalArgumentException("[" + min + ", " + max + "]");
        }
        final long range = max - min;
        final int pick = random.nextInt(8);
        if (pick == 0)
        {
            final int end = random.nextInt(4);
            return end == 0 ? min : end == 1 ? Math.min(min + 1, max) : end == 2 ? Math.max(max - 1, min) : max;
        }
        if (pick <= 3)
        {
            final int bits = random.nextInt(1 + 64 - Long.numberOfLeadingZeros(range));
            return min + upTo(random, bits == 0 ? 0 : Math.min(range, -1L >>> (64 - bits)));
        }
        return min + upTo(random, range);
    }

    private static long upTo(final SplittableRandom random, final long bound)
    {
        return bound == Long.MAX_VALUE ? random.nextLong() >>> 1 : random.nextLong(bound + 1);
    }

    /** As {@link #between(SplittableRandom, long, long)}, for ints. */
    public static int between(final SplittableRandom random, final int min, final int max)
    {
        return (int)between(random, (long)min, (long)max);
    }

    /**
     * Any long: 1 in 8 one of 0, 1, -1, {@link Long#MIN_VALUE}, {@code MIN_VALUE + 1}, {@code MAX_VALUE - 1},
     * {@link Long#MAX_VALUE}; 3 in 8 a small one of either sign (a random bit length, then a value of at most that
     * many bits); else uniform.
     */
    public static long anyLong(final SplittableRandom random)
    {
        final int pick = random.nextInt(8);
        if (pick == 0)
        {
            final long[] edges = { 0, 1, -1, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE };
            return edges[random.nextInt(edges.length)];
        }
        if (pick <= 3)
        {
            final int bits = random.nextInt(64);
            final long magnitude = bits == 0 ? 0 : random.nextLong() >>> (64 - bits);
            return random.nextBoolean() ? magnitude : -magnitude;
        }
        return random.nextLong();
    }
}
