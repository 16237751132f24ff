package dev.palisade.enforcement.traffic;

import java.util.Locale;

/**
 * How large the data-carrying frames are. Control packets (handshakes, ACKs, requests, DNS) keep their natural size in
 * every mode; a mode decides the size of bulk TCP segments and of plain UDP datagrams. Sizes are on the wire including
 * the 4-byte FCS, which a capture does not hold, so a 64-byte frame is written as 60 bytes.
 */
public enum SizeMode
{
    /** Minimum-size frames (RFC 2544's 64 bytes): data segments carry only what pads a frame to 60 captured bytes. */
    SMALL_64("64"),
    /** Simple IMIX: 64, 594 and 1518-byte frames in the ratio 7:4:1 by count. */
    IMIX("imix"),
    /** Data segments fill a 1500-byte MTU (1518-byte frames). */
    LARGE_1500("1500");

    private final String option;

    SizeMode(final String option)
    {
        this.option = option;
    }

    /** @return the spelling on the command line: {@code 64}, {@code imix} or {@code 1500}. */
    public String option()
    {
        return option;
    }

    /**
     * @param value {@code 64}, {@code imix} or {@code 1500} (case-insensitive).
     * @throws IllegalArgumentException naming the accepted values.
     */
    public static SizeMode fromOption(final String value)
    {
        final String normalised = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (final SizeMode mode : values())
        {
            if (mode.option.equals(normalised))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException("size must be 64, imix or 1500, was '" + value + "'");
    }
}
