package dev.palisade.benchmarks;

import java.util.Arrays;

/**
 * Repeated timings of one piece of work, summarised as best, median and worst rates. The median is the figure to
 * quote; the spread says how noisy the machine was.
 *
 * @param unitsPerSecond one rate per measured round, in ascending order.
 */
public record Measurement(double[] unitsPerSecond)
{
    public static Measurement of(final double[] rates)
    {
        final double[] sorted = rates.clone();
        Arrays.sort(sorted);
        return new Measurement(sorted);
    }

    public double median()
    {
        final int n = unitsPerSecond.length;
        return n == 0 ? 0 : (n % 2 == 1 ? unitsPerSecond[n / 2] : (unitsPerSecond[n / 2 - 1] + unitsPerSecond[n / 2]) / 2);
    }

    public double best()
    {
        return unitsPerSecond.length == 0 ? 0 : unitsPerSecond[unitsPerSecond.length - 1];
    }

    public double worst()
    {
        return unitsPerSecond.length == 0 ? 0 : unitsPerSecond[0];
    }

    public int rounds()
    {
        return unitsPerSecond.length;
    }
}
