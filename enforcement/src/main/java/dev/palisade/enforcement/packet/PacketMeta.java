package dev.palisade.enforcement.packet;

/**
 * What the parser learned about one packet: offsets into the frame, the 5-tuple, and the flow key in canonical form.
 * One instance per worker, overwritten for every packet; fields are public for the hot path, in the manner of a C
 * struct. Offsets are absolute indices into the buffer the frame was parsed from.
 * <p>
 * Addresses are held as 128-bit values in two longs; IPv4 addresses are IPv4-mapped ({@code ::ffff:a.b.c.d}, RFC 4291
 * section 2.5.5.2) so that one flow table serves both families.
 */
public final class PacketMeta
{
    public static final int L3_NONE = 0;
    public static final int L3_IPV4 = 4;
    public static final int L3_IPV6 = 6;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_IPIP = 4;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_IPV6 = 41;
    public static final int PROTO_GRE = 47;
    public static final int PROTO_ESP = 50;
    public static final int PROTO_ICMPV6 = 58;

    public static final int FRAGMENT_NONE = 0;
    /** First fragment: the transport header is present. */
    public static final int FRAGMENT_FIRST = 1;
    /** A later fragment: no transport header, so ports are zero in the key. */
    public static final int FRAGMENT_LATER = 2;

    public static final int NO_VLAN = -1;
    public static final int NO_VNI = -1;
    /** Bit set in {@link #zone} when the zone is an overlay VNI, so VNI 0 and "no overlay" never share flows. */
    public static final int ZONE_VNI_FLAG = 1 << 24;

    public static final int ZONE_ID_MASK = 0x00FF_FFFF;

    public static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    // Frame
    public int frameOffset;
    public int capturedLength;
    public int wireLength;
    public int linkType;

    // Link layer
    public int etherType;
    public int vlanCount;
    public int outerVlan;
    public int innerVlan;

    // Overlay
    public int tunnelDepth;
    public int vni;

    // Network layer
    public int l3;
    public int l3Offset;
    public int ttl;
    public int fragment;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;

    // Transport layer
    public int protocol;
    public int l4Offset;
    public int srcPort;
    public int dstPort;
    public int tcpFlags;
    public long tcpSeq;
    public long tcpAck;
    public int tcpWindow;
    public int icmpType;
    public int icmpCode;
    public int payloadOffset;
    /** Payload bytes present in the capture (may be less than on the wire when the capture was snapped). */
    public int payloadLength;

    // Flow key in canonical order: endpoint A is the lower (address, port), so both directions give one key.
    // key0..key3: addresses A and B; key4: port A (16) | port B (16) | protocol (8) | zone id (24);
    // key5: the zone's kind (1 when the zone is an overlay VNI, else 0).
    public int zone;
    public long key0;
    public long key1;
    public long key2;
    public long key3;
    public long key4;
    public long key5;
    /** True when this packet travels from endpoint B to endpoint A of the canonical key. */
    public boolean keyReversed;
    public long flowHash;

    /**
     * Set by the parser's fast path once it has written the fields that are constant for its packet shape (untagged
     * Ethernet, IPv4, no tunnel…), so that the next fast-path packet in this struct need not write them again; cleared
     * by {@link #reset}. Only the parser writes a meta's fields, which is what makes this safe.
     */
    boolean commonShapeWritten;

    /** Makes the parser's fast path write every field of the next packet again (for tests that poison fields). */
    void forgetShape()
    {
        commonShapeWritten = false;
    }

    public void reset(final int frameOffset, final int capturedLength, final int wireLength, final int linkType)
    {
        commonShapeWritten = false;
        this.frameOffset = frameOffset;
        this.capturedLength = capturedLength;
        this.wireLength = wireLength;
        this.linkType = linkType;
        etherType = 0;
        vlanCount = 0;
        outerVlan = NO_VLAN;
        innerVlan = NO_VLAN;
        tunnelDepth = 0;
        vni = NO_VNI;
        zone = 0;
        resetNetwork();
    }

    /** Forgets network and transport fields, for a fresh start on an inner (decapsulated) packet. */
    void resetNetwork()
    {
        l3 = L3_NONE;
        l3Offset = -1;
        ttl = 0;
        fragment = FRAGMENT_NONE;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        protocol = 0;
        l4Offset = -1;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        tcpSeq = 0;
        tcpAck = 0;
        tcpWindow = 0;
        icmpType = -1;
        icmpCode = -1;
        payloadOffset = -1;
        payloadLength = 0;
    }

    public boolean isIp()
    {
        return l3 != L3_NONE;
    }

    public boolean isIpv4()
    {
        return l3 == L3_IPV4;
    }

    /** @return the IPv4 source as an unsigned 32-bit value; only meaningful when {@link #isIpv4()}. */
    public long srcIpv4()
    {
        return srcLo & 0xFFFF_FFFFL;
    }

    public long dstIpv4()
    {
        return dstLo & 0xFFFF_FFFFL;
    }

    /**
     * Builds the canonical flow key and its hash from the 5-tuple and zone. Both directions of a conversation get the
     * same key and hash (the hash is symmetric, as RSS must be for share-nothing workers), and {@link #keyReversed}
     * says which direction this packet travels.
     */
    public void computeFlowKey()
    {
        final boolean reversed = compareEndpoints() > 0;
        keyReversed = reversed;
        if (reversed)
        {
            key0 = dstHi;
            key1 = dstLo;
            key2 = srcHi;
            key3 = srcLo;
            key4 = ((long)dstPort << 48) | ((long)srcPort << 32) | ((long)protocol << 24) | (zone & ZONE_ID_MASK);
        }
        else
        {
            key0 = srcHi;
            key1 = srcLo;
            key2 = dstHi;
            key3 = dstLo;
            key4 = ((long)srcPort << 48) | ((long)dstPort << 32) | ((long)protocol << 24) | (zone & ZONE_ID_MASK);
        }
        key5 = zone >>> 24;
        flowHash = hash(key0, key1, key2, key3, key4, key5);
    }

    private int compareEndpoints()
    {
        int c = Long.compareUnsigned(srcHi, dstHi);
        if (c != 0)
        {
            return c;
        }
        c = Long.compareUnsigned(srcLo, dstLo);
        if (c != 0)
        {
            return c;
        }
        return Integer.compare(srcPort, dstPort);
    }

    /**
     * Per-process secret folded into every flow hash, so that an attacker who knows the algorithm cannot choose
     * 5-tuples that pile onto one table slot or one worker (hash flooding). Set {@code palisade.flowhash.seed} to make
     * runs reproducible (benchmarks, tests).
     */
    static final long SEED = initialSeed();

    private static final long M0 = 0x9E37_79B9_7F4A_7C15L;
    private static final long M1 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long M2 = 0x1656_67B1_9E37_79F9L;
    private static final long M3 = 0xD6E8_FEB8_6659_FD93L;
    private static final long M4 = 0xFF51_AFD7_ED55_8CCDL;
    private static final long M5 = 0xC4CE_B9FE_1A85_EC53L;

    private static long initialSeed()
    {
        final String configured = System.getProperty("palisade.flowhash.seed");
        if (configured != null)
        {
            return Long.decode(configured);
        }
        return new java.security.SecureRandom().nextLong();
    }

    /**
     * A keyed 64-bit hash of a flow key. The six words are multiplied by distinct odd constants independently (so the
     * CPU does the multiplies in parallel rather than in a chain), summed, and finished with the Murmur3/SplitMix
     * avalanche so that every input bit reaches both halves: the high half picks the table slot, the low half the
     * worker.
     */
    public static long hash(final long k0, final long k1, final long k2, final long k3, final long k4, final long k5)
    {
        long h = SEED + (k0 ^ SEED) * M0 + (k1 + SEED) * M1 + (k2 ^ SEED) * M2 + (k3 + SEED) * M3 + (k4 ^ SEED) * M4 +
            (k5 + SEED) * M5;
        h ^= h >>> 32;
        h *= 0xBF58_476D_1CE4_E5B9L;
        h ^= h >>> 29;
        h *= 0x94D0_49BB_1331_11EBL;
        return h ^ (h >>> 32);
    }
}
