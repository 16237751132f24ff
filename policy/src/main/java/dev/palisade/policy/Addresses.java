package dev.palisade.policy;

import dev.palisade.policy.model.Cidr;

/**
 * Addresses as text, for the data plane and the tools: the same parser as policies use (no resolver, strict forms),
 * and the canonical way to print a 128-bit address (IPv4-mapped addresses as a dotted quad).
 */
public final class Addresses
{
    private Addresses()
    {
    }

    /**
     * Parses an IPv4 or IPv6 address or prefix ({@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code 2001:db8::/32}).
     *
     * @throws IllegalArgumentException naming the text and what was expected.
     */
    public static Cidr parseCidr(final String text)
    {
        return switch (CidrParser.parse(text))
        {
            case CidrParser.Parsed parsed -> parsed.cidr();
            case CidrParser.Invalid invalid -> throw new IllegalArgumentException(invalid.reason());
        };
    }

    /** @return the address in the usual text form: a dotted quad for IPv4-mapped addresses, RFC 5952 for IPv6. */
    public static String format(final long hi, final long lo)
    {
        return hi == 0 && (lo >>> 32) == 0xFFFF ? CidrParser.formatIpv4(lo) : CidrParser.formatIpv6(hi, lo);
    }
}
