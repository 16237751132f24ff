package dev.palisade.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** Formatting for readable (non-JSON) output: aligned key/value lines and human units. */
final class Output
{
    private Output()
    {
    }

    static void row(final PrintWriter out, final String key, final Object value)
    {
        out.printf(Locale.ROOT, "  %-22s %s%n", key, value);
    }

    static String count(final long n)
    {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String rate(final double perSecond, final String unit)
    {
        if (perSecond >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2f M%s", perSecond / 1e6, unit);
        }
        if (perSecond >= 1e3)
        {
            return String.format(Locale.ROOT, "%.1f k%s", perSecond / 1e3, unit);
        }
        return String.format(Locale.ROOT, "%.0f %s", perSecond, unit);
    }

    static String bytes(final long n)
    {
        if (n >= 1L << 30)
        {
            return String.format(Locale.ROOT, "%.2f GiB", n / (double)(1L << 30));
        }
        if (n >= 1L << 20)
        {
            return String.format(Locale.ROOT, "%.1f MiB", n / (double)(1L << 20));
        }
        if (n >= 1L << 10)
        {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }

    static double round(final double value, final int decimals)
    {
        final double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
