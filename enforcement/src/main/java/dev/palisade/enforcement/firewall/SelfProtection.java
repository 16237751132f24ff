package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.Prefix;

import java.util.List;
import java.util.Objects;

/**
 * Keeps the host away from the DPU itself: a packet from the host side addressed to one of the DPU's management
 * addresses is dropped before conntrack, the firewall or inspection see it, so no policy can let it through (not an
 * allow rule, not the quarantine's management allow-list, not a DPI pass rule) and it cannot disturb the state of a
 * management connection either. The host shares the data path with the DPU and nothing else (DESIGN.md, trust model).
 * <p>
 * Every port and protocol of a management address is covered: the ports of a {@link ManagementPlane.Endpoint} say
 * what peers may reach under the fail-closed program, not what the host may. Addresses are compared in the form
 * conntrack tracks, which for an overlay packet is the inner packet's.
 * <p>
 * Immutable, shared by all workers; {@link #protects} is called for every IP packet and allocates nothing. Both
 * address lists are scanned linearly: they are a DPU's own few prefixes.
 */
public final class SelfProtection
{
    /**
     * Says whether a packet came from the host side. In replay there are no ports, so the host side is the host's
     * addresses ({@link #addresses}); a live data path knows the port a packet arrived on ({@link #port}).
     */
    @FunctionalInterface
    public interface HostSide
    {
        /** The ingress port of a packet whose source does not say (replay, captures). */
        int PORT_UNKNOWN = -1;

        /**
         * Called on the packet path: must not allocate, block or throw.
         *
         * @param ingressPort the data-plane port the packet arrived on, or {@link #PORT_UNKNOWN}.
         */
        boolean fromHost(PacketMeta meta, int ingressPort);

        /**
         * The host side is every packet whose source is one of the host's addresses (the same addresses the policy's
         * {@code host} entity binds to). A host that forges another source is not caught this way; a port is.
         *
         * @throws IllegalArgumentException when {@code host} is empty: then nothing would be the host side.
         */
        static HostSide addresses(final List<Prefix> host)
        {
            if (host.isEmpty())
            {
                throw new IllegalArgumentException("no host addresses: self-protection by address needs the host's " +
                    "own addresses (or prefixes) to tell the host side from the network side");
            }
            final PrefixMatcher matcher = new PrefixMatcher(AddressSet.of(host));
            return (meta, ingressPort) -> matcher.contains(meta.srcHi, meta.srcLo);
        }

        /** The host side is every packet that arrived on data-plane port {@code hostPort}, whatever its source. */
        static HostSide port(final int hostPort)
        {
            if (hostPort < 0)
            {
                throw new IllegalArgumentException("the host port must be >= 0, was " + hostPort);
            }
            return (meta, ingressPort) -> ingressPort == hostPort;
        }
    }

    private final AddressSet managementAddresses;
    private final PrefixMatcher management;
    private final HostSide hostSide;

    /**
     * @param managementAddresses the DPU's own addresses; every port of each is protected.
     * @param hostSide            how a packet from the host side is recognised.
     * @throws IllegalArgumentException when there is no management address: there would be nothing to protect.
     */
    public SelfProtection(final AddressSet managementAddresses, final HostSide hostSide)
    {
        this.managementAddresses = Objects.requireNonNull(managementAddresses, "managementAddresses");
        this.hostSide = Objects.requireNonNull(hostSide, "hostSide");
        if (managementAddresses.isEmpty())
        {
            throw new IllegalArgumentException("no management address to protect: configure the DPU's management " +
                "addresses");
        }
        this.management = new PrefixMatcher(managementAddresses);
    }

    /** Protects {@code plane}'s addresses from every packet whose source is one of {@code host}. */
    public static SelfProtection byHostAddresses(final ManagementPlane plane, final List<Prefix> host)
    {
        return new SelfProtection(plane.addresses(), HostSide.addresses(host));
    }

    /**
     * @param ingressPort the port the packet arrived on, or {@link HostSide#PORT_UNKNOWN}.
     * @return whether the packet must be dropped: it is from the host side and to a management address.
     */
    public boolean protects(final PacketMeta meta, final int ingressPort)
    {
        // The destination first: it rules out nearly every packet with one or two compares.
        return management.contains(meta.dstHi, meta.dstLo) && hostSide.fromHost(meta, ingressPort);
    }

    public AddressSet managementAddresses()
    {
        return managementAddresses;
    }

    public HostSide hostSide()
    {
        return hostSide;
    }

    /** Membership in a few prefixes, by masks in flat arrays: no objects touched per packet. */
    static final class PrefixMatcher
    {
        private final long[] networkHi;
        private final long[] networkLo;
        private final long[] maskHi;
        private final long[] maskLo;

        PrefixMatcher(final AddressSet set)
        {
            final List<Prefix> prefixes = set.prefixes();
            final int n = prefixes.size();
            networkHi = new long[n];
            networkLo = new long[n];
            maskHi = new long[n];
            maskLo = new long[n];
            for (int i = 0; i < n; i++)
            {
                final Prefix prefix = prefixes.get(i);
                networkHi[i] = prefix.hi();
                networkLo[i] = prefix.lo();
                maskHi[i] = Prefix.maskHi(prefix.length());
                maskLo[i] = Prefix.maskLo(prefix.length());
            }
        }

        boolean contains(final long hi, final long lo)
        {
            final int n = networkHi.length;
            for (int i = 0; i < n; i++)
            {
                if ((hi & maskHi[i]) == networkHi[i] && (lo & maskLo[i]) == networkLo[i])
                {
                    return true;
                }
            }
            return false;
        }
    }
}
