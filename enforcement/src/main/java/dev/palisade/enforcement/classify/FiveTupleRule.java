package dev.palisade.enforcement.classify;

import dev.palisade.enforcement.packet.PacketMeta;

/**
 * One match rule on the 5-tuple. Addresses are 128-bit values in the same form as {@link PacketMeta} (IPv4 mapped
 * into {@code ::ffff:0:0/96}), with prefix lengths over those 128 bits: an IPv4 /24 is prefix 120. Port ranges are
 * inclusive; the protocol matches when {@code (protocol & protocolMask) == (value & protocolMask)}.
 * Priority is the rule's position in its list: the first rule that matches wins.
 */
public record FiveTupleRule(
    long srcHi, long srcLo, int srcPrefix,
    long dstHi, long dstLo, int dstPrefix,
    int srcPortLo, int srcPortHi,
    int dstPortLo, int dstPortHi,
    int protocol, int protocolMask)
{
    public static final int IPV4_PREFIX_BASE = 96;

    public FiveTupleRule
    {
        checkPrefix("source", srcPrefix);
        checkPrefix("destination", dstPrefix);
        checkRange("source port", srcPortLo, srcPortHi);
        checkRange("destination port", dstPortLo, dstPortHi);
        if ((protocol & ~0xFF) != 0 || (protocolMask & ~0xFF) != 0)
        {
            throw new IllegalArgumentException("protocol and mask must be 0..255, were " + protocol + "/" + protocolMask);
        }
        // Normalise: bits below the prefix are zero, so equal rules compare equal.
        srcHi &= maskHi(srcPrefix);
        srcLo &= maskLo(srcPrefix);
        dstHi &= maskHi(dstPrefix);
        dstLo &= maskLo(dstPrefix);
        protocol &= protocolMask;
    }

    /** An IPv4 rule; addresses are unsigned 32-bit values, prefixes 0..32. */
    public static FiveTupleRule ipv4(
        final long src, final int srcPrefixV4, final long dst, final int dstPrefixV4,
        final int srcPortLo, final int srcPortHi, final int dstPortLo, final int dstPortHi,
        final int protocol, final int protocolMask)
    {
        if (srcPrefixV4 < 0 || srcPrefixV4 > 32 || dstPrefixV4 < 0 || dstPrefixV4 > 32)
        {
            throw new IllegalArgumentException("IPv4 prefixes must be 0..32, were " + srcPrefixV4 + " and " + dstPrefixV4);
        }
        return new FiveTupleRule(
            0, PacketMeta.IPV4_MAPPED_PREFIX | (src & 0xFFFF_FFFFL), IPV4_PREFIX_BASE + srcPrefixV4,
            0, PacketMeta.IPV4_MAPPED_PREFIX | (dst & 0xFFFF_FFFFL), IPV4_PREFIX_BASE + dstPrefixV4,
            srcPortLo, srcPortHi, dstPortLo, dstPortHi, protocol, protocolMask);
    }

    public boolean matches(
        final long pSrcHi, final long pSrcLo, final long pDstHi, final long pDstLo,
        final int srcPort, final int dstPort, final int proto)
    {
        return (pSrcHi & maskHi(srcPrefix)) == srcHi && (pSrcLo & maskLo(srcPrefix)) == srcLo &&
            (pDstHi & maskHi(dstPrefix)) == dstHi && (pDstLo & maskLo(dstPrefix)) == dstLo &&
            srcPort >= srcPortLo && srcPort <= srcPortHi &&
            dstPort >= dstPortLo && dstPort <= dstPortHi &&
            (proto & protocolMask) == protocol;
    }

    /** @return whether this rule only matches IPv4 packets (both prefixes at least the IPv4-mapped /96). */
    public boolean isIpv4()
    {
        return srcPrefix >= IPV4_PREFIX_BASE && dstPrefix >= IPV4_PREFIX_BASE &&
            srcHi == 0 && (srcLo >>> 32) == 0xFFFF && dstHi == 0 && (dstLo >>> 32) == 0xFFFF;
    }

    /** Mask of the high 64 bits for a prefix of {@code prefix} bits out of 128. */
    public static long maskHi(final int prefix)
    {
        return prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
    }

    /** Mask of the low 64 bits for a prefix of {@code prefix} bits out of 128. */
    public static long maskLo(final int prefix)
    {
        return prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    }

    private static void checkPrefix(final String what, final int prefix)
    {
        if (prefix < 0 || prefix > 128)
        {
            throw new IllegalArgumentException(what + " prefix must be 0..128, was " + prefix);
        }
    }

    private static void checkRange(final String what, final int lo, final int hi)
    {
        if (lo < 0 || hi > 0xFFFF || lo > hi)
        {
            throw new IllegalArgumentException(what + " range must be within 0..65535 and ordered, was " + lo + "-" + hi);
        }
    }
}
