package dev.palisade.policy.bundle;

import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which DPUs a release is for, in a canonical text form that the release signs:
 * <ul>
 * <li>{@code all}: every DPU;</li>
 * <li>{@code dpus:ID,ID,…}: these DPUs (ids sorted, no repeats);</li>
 * <li>{@code labels:KEY=VALUE,…}: DPUs that carry every one of these labels (sorted by key).</li>
 * </ul>
 * Release versions grow per target, so two selectors that are equal as text are the same target.
 */
public record TargetSelector(Kind kind, SortedSet<String> dpus, SortedMap<String, String> labels)
{
    /** DPU ids, label keys and label values: letters, digits and {@code . _ -}, 1 to 63 characters. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public enum Kind
    {
        ALL, DPUS, LABELS
    }

    public TargetSelector
    {
        dpus = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(dpus));
        labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static TargetSelector all()
    {
        return new TargetSelector(Kind.ALL, new TreeSet<>(), new TreeMap<>());
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException saying what is wrong and what is accepted.
     */
    public static TargetSelector parse(final String text)
    {
        if (text.equals("all"))
        {
            return all();
        }
        if (text.startsWith("dpus:"))
        {
            final TreeSet<String> ids = new TreeSet<>();
            for (final String id : text.substring(5).split(",", -1))
            {
                requireToken(id, "DPU id", text);
                if (!ids.add(id))
                {
                    throw new IllegalArgumentException("target '" + text + "' names DPU '" + id + "' twice");
                }
            }
            return new TargetSelector(Kind.DPUS, ids, new TreeMap<>());
        }
        if (text.startsWith("labels:"))
        {
            final TreeMap<String, String> wanted = new TreeMap<>();
            for (final String pair : text.substring(7).split(",", -1))
            {
                final int equals = pair.indexOf('=');
                if (equals < 0)
                {
                    throw new IllegalArgumentException("target '" + text + "': '" + pair + "' is not KEY=VALUE");
                }
                final String key = pair.substring(0, equals);
                final String value = pair.substring(equals + 1);
                requireToken(key, "label key", text);
                requireToken(value, "label value", text);
                if (wanted.put(key, value) != null)
                {
                    throw new IllegalArgumentException("target '" + text + "' gives label '" + key + "' twice");
                }
            }
            return new TargetSelector(Kind.LABELS, new TreeSet<>(), wanted);
        }
        throw new IllegalArgumentException("target '" + text + "' is not one of: all, dpus:ID[,ID…], " +
            "labels:KEY=VALUE[,KEY=VALUE…]");
    }

    /** @return whether {@code token} may be a DPU id, label key or label value in a selector. */
    public static boolean isToken(final String token)
    {
        return TOKEN.matcher(token).matches();
    }

    private static void requireToken(final String token, final String what, final String text)
    {
        if (!TOKEN.matcher(token).matches())
        {
            throw new IllegalArgumentException("target '" + text + "': " + what + " '" + token + "' must be 1 to 63 " +
                "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /** @return whether the DPU {@code dpuId} with {@code dpuLabels} is a target. */
    public boolean matches(final String dpuId, final Map<String, String> dpuLabels)
    {
        return switch (kind)
        {
            case ALL -> true;
            case DPUS -> dpus.contains(dpuId);
            case LABELS -> dpuLabels.entrySet().containsAll(labels.entrySet());
        };
    }

    /** @return the canonical text form, which {@link #parse} reads back to an equal selector. */
    @Override
    public String toString()
    {
        return switch (kind)
        {
            case ALL -> "all";
            case DPUS -> "dpus:" + String.join(",", dpus);
            case LABELS ->
            {
                final StringBuilder out = new StringBuilder("labels:");
                labels.forEach((key, value) -> out.append(out.length() > 7 ? "," : "").append(key).append('=')
                    .append(value));
                yield out.toString();
            }
        };
    }
}
