package dev.palisade.enforcement.firewall;

import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.policy.model.Cidr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An emergency isolation: every flow from or to a quarantined address is dropped, whatever the policy's tiers say,
 * and flows already open are cut at their next packet. Only the management allow-list gets through: connections that
 * a management peer opens to a quarantined workload on the listed protocol and ports (an incident responder's SSH, a
 * forensics agent).
 *
 * @param targets    what is quarantined: addresses or prefixes, workloads by name, workloads by labels.
 * @param management connections still allowed to quarantined workloads.
 */
public record Quarantine(List<Target> targets, List<ManagementAccess> management)
{
    public static final Quarantine NONE = new Quarantine(List.of(), List.of());

    public Quarantine
    {
        targets = List.copyOf(targets);
        management = List.copyOf(management);
    }

    public boolean isEmpty()
    {
        return targets.isEmpty();
    }

    /** What to quarantine. */
    public sealed interface Target
    {
        /** @return the target as it would be written ({@link #parse}'s form). */
        String describe();

        /**
         * Parses {@code 10.0.1.10}, {@code 10.0.1.0/24}, {@code 2001:db8::10}, {@code workload=web-1} or labels
         * {@code app=web} / {@code app=web,env=prod} (every label must match).
         *
         * @throws IllegalArgumentException saying what was wrong and what is expected.
         */
        static Target parse(final String text)
        {
            Objects.requireNonNull(text, "text");
            final String trimmed = text.strip();
            if (trimmed.isEmpty())
            {
                throw new IllegalArgumentException("empty quarantine target; expected an address or prefix " +
                    "(10.0.1.10, 10.0.1.0/24), workload=NAME, or labels (app=web,env=prod)");
            }
            if (trimmed.indexOf('=') < 0)
            {
                return new Addresses(List.of(parseCidr(trimmed)));
            }
            if (trimmed.startsWith("workload="))
            {
                final String name = trimmed.substring("workload=".length());
                if (name.isEmpty() || name.indexOf(',') >= 0)
                {
                    throw new IllegalArgumentException("invalid quarantine target '" + trimmed +
                        "': expected workload=NAME with one workload name");
                }
                return new Workload(name);
            }
            final Map<String, String> labels = new LinkedHashMap<>();
            for (final String pair : trimmed.split(",", -1))
            {
                final int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1)
                {
                    throw new IllegalArgumentException("invalid label '" + pair + "' in quarantine target '" +
                        trimmed + "': expected key=value pairs separated by commas, such as app=web,env=prod");
                }
                labels.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            return new Labels(labels);
        }
    }

    /** Literal addresses or prefixes. */
    public record Addresses(List<Prefix> prefixes) implements Target
    {
        public Addresses
        {
            prefixes = List.copyOf(prefixes);
        }

        @Override
        public String describe()
        {
            return String.join(",", prefixes.stream().map(p ->
                dev.palisade.policy.Addresses.format(p.hi(), p.lo()) + "/" +
                (p.hi() == 0 && (p.lo() >>> 32) == 0xFFFF && p.length() >= 96 ? p.length() - 96 : p.length()))
                .toList());
        }
    }

    /** The workload of this name in the policy's inventory. */
    public record Workload(String name) implements Target
    {
        public Workload
        {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String describe()
        {
            return "workload=" + name;
        }
    }

    /** Every workload of the policy's inventory that carries all these labels. */
    public record Labels(Map<String, String> labels) implements Target
    {
        public Labels
        {
            labels = Map.copyOf(new java.util.TreeMap<>(labels));
        }

        @Override
        public String describe()
        {
            return String.join(",", new java.util.TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
    }

    /**
     * Connections a management peer may open to a quarantined workload.
     *
     * @param protocol IP protocol number, or -1 for any.
     * @param portLo   first destination port (0..65535); with {@code portHi}, the inclusive range.
     */
    public record ManagementAccess(Prefix peer, int protocol, int portLo, int portHi)
    {
        public ManagementAccess
        {
            Objects.requireNonNull(peer, "peer");
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
         * Parses {@code PEER[:PROTO[/PORT[-PORT]]]}: {@code 10.0.0.5}, {@code 10.0.0.0/24:tcp/22},
         * {@code [2001:db8::5]:tcp/22}, {@code 10.0.0.5:udp/5000-5010}.
         */
        public static ManagementAccess parse(final String text)
        {
            final AddressAndPorts parsed = AddressAndPorts.parse(text, "management access", "management peer",
                "; expected PEER[:PROTO[/PORT[-PORT]]] such as 10.0.0.5:tcp/22, 10.0.0.0/24, or " +
                "[2001:db8::5]:tcp/22");
            return new ManagementAccess(parsed.prefix(), parsed.protocol(), parsed.portLo(), parsed.portHi());
        }
    }

    /**
     * An address or prefix with an optional protocol and destination port range, as written in
     * {@code ADDRESS[:PROTO[/PORT[-PORT]]]}: shared by the management allow-list and the DPU's management addresses
     * ({@link ManagementPlane.Endpoint}).
     *
     * @param protocol IP protocol number, or -1 for any.
     */
    record AddressAndPorts(Prefix prefix, int protocol, int portLo, int portHi)
    {
        private static final java.util.regex.Pattern PROTOCOL_SUFFIX =
            java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9]*(/.*)?");

        /**
         * @param thing       what the whole text is, for errors ("management access").
         * @param addressNoun what the address part is, for errors ("management peer").
         * @param usage       appended to every error: what is expected, with examples.
         */
        static AddressAndPorts parse(final String text, final String thing, final String addressNoun,
            final String usage)
        {
            String peerText = text.strip();
            String rest = "";
            if (peerText.startsWith("["))
            {
                final int close = peerText.indexOf(']');
                if (close < 0)
                {
                    throw new IllegalArgumentException("missing ']' in " + thing + " '" + text + "'" + usage);
                }
                rest = peerText.substring(close + 1);
                peerText = peerText.substring(1, close);
                if (!rest.isEmpty() && !rest.startsWith(":"))
                {
                    throw new IllegalArgumentException("unexpected '" + rest + "' after ']' in '" + text + "'" + usage);
                }
                rest = rest.isEmpty() ? "" : rest.substring(1);
            }
            else
            {
                // An IPv4 peer (or a mistyped name) with a protocol: "10.0.0.5:tcp/22". An IPv6 peer with a
                // protocol needs brackets; a bare IPv6 address has colons but no "PROTO[/PORTS]" after the first.
                final int colon = peerText.indexOf(':');
                if (colon > 0 && PROTOCOL_SUFFIX.matcher(peerText.substring(colon + 1)).matches())
                {
                    rest = peerText.substring(colon + 1);
                    peerText = peerText.substring(0, colon);
                }
            }
            final Prefix peer;
            try
            {
                peer = parseCidr(peerText);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("invalid " + addressNoun + " in '" + text + "': " +
                    ex.getMessage() + usage, ex);
            }
            if (rest.isEmpty())
            {
                return new AddressAndPorts(peer, -1, 0, 0xFFFF);
            }
            final int slash = rest.indexOf('/');
            final String protocolText = (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
            final int protocol = switch (protocolText)
            {
                case "tcp" -> 6;
                case "udp" -> 17;
                case "icmp" -> 1;
                case "icmpv6" -> 58;
                default -> throw new IllegalArgumentException("unknown protocol '" + protocolText + "' in '" + text +
                    "'; expected tcp, udp, icmp or icmpv6" + usage);
            };
            if (slash < 0)
            {
                return new AddressAndPorts(peer, protocol, 0, 0xFFFF);
            }
            final String ports = rest.substring(slash + 1);
            final int dash = ports.indexOf('-');
            final int lo;
            final int hi;
            try
            {
                lo = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
                hi = dash < 0 ? lo : Integer.parseInt(ports.substring(dash + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("invalid port '" + ports + "' in '" + text + "'" + usage, ex);
            }
            if (lo < 0 || hi > 0xFFFF || lo > hi)
            {
                throw new IllegalArgumentException("invalid port range '" + ports + "' in '" + text +
                    "': expected 0..65535, low before high" + usage);
            }
            return new AddressAndPorts(peer, protocol, lo, hi);
        }
    }

    /**
     * Resolves the targets against a policy's inventory.
     *
     * @throws IllegalArgumentException when a workload name or label set names nothing in the inventory: a
     *                                  quarantine that silently isolates nobody is worse than an error.
     */
    public AddressSet resolve(final CompiledPolicy policy)
    {
        return resolve(policy, true);
    }

    /** As {@link #resolve(CompiledPolicy)}; unless {@code strict}, a target that names nothing resolves to nothing. */
    public AddressSet resolve(final CompiledPolicy policy, final boolean strict)
    {
        final List<AddressSet> parts = new ArrayList<>();
        for (final Target target : targets)
        {
            final AddressSet set = switch (target)
            {
                case Addresses addresses -> AddressSet.of(addresses.prefixes());
                case Workload workload -> policy.workloads().stream()
                    .filter(w -> w.name().equals(workload.name()))
                    .map(CompiledPolicy.CompiledWorkload::addresses)
                    .findFirst()
                    .orElse(AddressSet.EMPTY);
                case Labels labels -> policy.workloadsWithLabels(labels.labels());
            };
            if (set.isEmpty() && strict)
            {
                throw new IllegalArgumentException("quarantine target " + target.describe() + " matches no " +
                    "workload address in the inventory of policy '" + policy.name() + "'; check the name or labels");
            }
            parts.add(set);
        }
        return AddressSet.union(parts);
    }

    static Prefix parseCidr(final String text)
    {
        final Cidr cidr = dev.palisade.policy.Addresses.parseCidr(text);
        return Prefix.of(cidr);
    }
}
