package dev.palisade.enforcement.firewall;

import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.Prefix;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The DPU's management plane as the data plane sees it: the DPU's own management addresses and the peers that manage
 * it. Two things are built from it:
 * <ul>
 * <li>{@link SelfProtection} keeps the host away from <em>every</em> port of the management addresses, before any
 *     policy is consulted;</li>
 * <li>the fail-closed program ({@link FirewallProgram#failClosed}), run while the DPU has no valid policy, lets the
 *     peers open connections to the endpoints' protocol and ports, lets the DPU open connections to its peers, and
 *     drops everything else.</li>
 * </ul>
 *
 * @param endpoints the DPU's management addresses (at least one); an endpoint's protocol and ports say what peers may
 *                  open to it under the fail-closed program, never what the host may reach (nothing).
 * @param peers     the networks that manage this DPU: operators, the policy service, the verifier. May be empty, when
 *                  management does not cross the data plane (an out-of-band port): fail-closed then drops everything.
 */
public record ManagementPlane(List<Endpoint> endpoints, List<Prefix> peers)
{
    private static final String ENDPOINT_USAGE = "; expected ADDRESS[/LENGTH][:PROTO[/PORT[-PORT]]] such as " +
        "192.0.2.10, 192.0.2.10:tcp/8443 or [2001:db8::10]:tcp/8443";

    public ManagementPlane
    {
        endpoints = List.copyOf(endpoints);
        peers = List.copyOf(peers);
        if (endpoints.isEmpty())
        {
            throw new IllegalArgumentException("no management address: a DPU needs at least one (the address its " +
                "management API listens on), so that self-protection knows what to keep the host away from");
        }
    }

    /**
     * One of the DPU's management addresses and what listens on it.
     *
     * @param protocol IP protocol number, or -1 for any.
     * @param portLo   first destination port (0..65535); with {@code portHi}, the inclusive range.
     */
    public record Endpoint(Prefix address, int protocol, int portLo, int portHi)
    {
        public Endpoint
        {
            Objects.requireNonNull(address, "address");
            if (protocol < -1 || protocol > 255)
            {
                throw new IllegalArgumentException("protocol must be -1 (any) or 0..255, was " + protocol);
            }
            if (portLo < 0 || portHi > 0xFFFF || portLo > portHi)
            {
                throw new IllegalArgumentException("port range must be within 0..65535 and ordered, was " + portLo +
                    "-" + portHi);
            }
        }

        /**
         * Parses {@code ADDRESS[/LENGTH][:PROTO[/PORT[-PORT]]]}: {@code 192.0.2.10}, {@code 192.0.2.10:tcp/8443},
         * {@code [2001:db8::10]:tcp/22}, {@code 192.0.2.8/30:udp/161-162}.
         *
         * @throws IllegalArgumentException saying what was wrong and what is expected.
         */
        public static Endpoint parse(final String text)
        {
            final Quarantine.AddressAndPorts parsed = Quarantine.AddressAndPorts.parse(text,
                "management address", "management address", ENDPOINT_USAGE);
            return new Endpoint(parsed.prefix(), parsed.protocol(), parsed.portLo(), parsed.portHi());
        }
    }

    /**
     * Parses endpoints ({@link Endpoint#parse}) and peers (addresses or prefixes).
     *
     * @throws IllegalArgumentException naming the entry that is wrong and what is expected.
     */
    public static ManagementPlane parse(final List<String> endpoints, final List<String> peers)
    {
        final List<Endpoint> parsedEndpoints = new ArrayList<>();
        for (final String text : endpoints)
        {
            parsedEndpoints.add(Endpoint.parse(text));
        }
        return new ManagementPlane(parsedEndpoints, parsePrefixes(peers, "management peer"));
    }

    /**
     * Parses addresses or prefixes ({@code 10.0.0.5}, {@code 10.0.0.0/24}, {@code 2001:db8::/64}).
     *
     * @param what names the list in errors ("host address").
     * @throws IllegalArgumentException naming the entry that is wrong.
     */
    public static List<Prefix> parsePrefixes(final List<String> texts, final String what)
    {
        final List<Prefix> prefixes = new ArrayList<>();
        for (final String text : texts)
        {
            try
            {
                prefixes.add(Quarantine.parseCidr(text.strip()));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("invalid " + what + " '" + text + "': " + ex.getMessage() +
                    "; expected an address or prefix such as 10.0.0.5, 10.0.0.0/24 or 2001:db8::/64", ex);
            }
        }
        return List.copyOf(prefixes);
    }

    /** @return the management addresses, as a normal set (every port of each). */
    public AddressSet addresses()
    {
        final List<Prefix> prefixes = new ArrayList<>(endpoints.size());
        for (final Endpoint endpoint : endpoints)
        {
            prefixes.add(endpoint.address());
        }
        return AddressSet.of(prefixes);
    }
}
