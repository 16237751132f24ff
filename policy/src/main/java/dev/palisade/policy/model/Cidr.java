package dev.palisade.policy.model;

/**
 * An address prefix in 128 bits, IPv4 mapped into {@code ::ffff:0:0/96} (an IPv4 /24 has prefix 120), the form the
 * data plane uses. Host bits are zero. {@code text} keeps how it was written, for messages.
 */
public record Cidr(long hi, long lo, int prefix, boolean ipv4, String text)
{
    public static final int IPV4_BASE = 96;
    public static final long IPV4_MAPPED = 0x0000_FFFF_0000_0000L;

    @Override
    public String toString()
    {
        return text;
    }
}
