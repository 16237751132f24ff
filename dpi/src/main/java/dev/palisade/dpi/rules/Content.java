package dev.palisade.dpi.rules;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A {@code content} match with its modifiers. Positions are bytes; null means unset. {@code distance} and
 * {@code within} are relative to the end of the previous match in the same buffer.
 */
public record Content(byte[] bytes, boolean negated, boolean nocase, Buffer buffer, Integer offset, Integer depth,
    Integer distance, Integer within, boolean fastPattern, boolean startsWith, boolean endsWith)
{
    Content withNocase()
    {
        return new Content(bytes, negated, true, buffer, offset, depth, distance, within, fastPattern, startsWith,
            endsWith);
    }

    Content withBuffer(final Buffer value)
    {
        return new Content(bytes, negated, nocase, value, offset, depth, distance, within, fastPattern, startsWith,
            endsWith);
    }

    Content withFastPattern()
    {
        return new Content(bytes, negated, nocase, buffer, offset, depth, distance, within, true, startsWith, endsWith);
    }

    Content withStartsWith()
    {
        return new Content(bytes, negated, nocase, buffer, offset, depth, distance, within, fastPattern, true, endsWith);
    }

    Content withEndsWith()
    {
        return new Content(bytes, negated, nocase, buffer, offset, depth, distance, within, fastPattern, startsWith,
            true);
    }

    /** @param name offset, depth, distance or within. */
    Content withPosition(final String name, final int value)
    {
        return new Content(bytes, negated, nocase, buffer,
            name.equals("offset") ? Integer.valueOf(value) : offset,
            name.equals("depth") ? Integer.valueOf(value) : depth,
            name.equals("distance") ? Integer.valueOf(value) : distance,
            name.equals("within") ? Integer.valueOf(value) : within,
            fastPattern, startsWith, endsWith);
    }

    public boolean relative()
    {
        return distance != null || within != null;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Content c && Arrays.equals(bytes, c.bytes) && negated == c.negated && nocase == c.nocase &&
            buffer == c.buffer && java.util.Objects.equals(offset, c.offset) && java.util.Objects.equals(depth, c.depth) &&
            java.util.Objects.equals(distance, c.distance) && java.util.Objects.equals(within, c.within) &&
            fastPattern == c.fastPattern && startsWith == c.startsWith && endsWith == c.endsWith;
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(bytes) * 31 + buffer.hashCode();
    }

    @Override
    public String toString()
    {
        return "Content[" + (negated ? "!" : "") + "|" + HexFormat.ofDelimiter(" ").formatHex(bytes) + "| " + buffer +
            (nocase ? " nocase" : "") + (offset != null ? " offset " + offset : "") + (depth != null ? " depth " + depth : "") +
            (distance != null ? " distance " + distance : "") + (within != null ? " within " + within : "") +
            (fastPattern ? " fast_pattern" : "") + (startsWith ? " startswith" : "") + (endsWith ? " endswith" : "") + "]";
    }
}
