package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.firewall.Firewall;
import dev.palisade.enforcement.firewall.ManagementPlane;
import dev.palisade.policy.compile.Prefix;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The agent's configuration file ({@code palisade agent --config FILE}), YAML:
 * <pre>
 * id: dpu-r12-07                    # as registered with the policy service
 * labels: {rack: r12}               # as registered: releases target by them
 * data_dir: /var/lib/palisade       # the kept release, the events file
 * policy_service:
 *   host: 192.0.2.1
 *   port: 8443
 *   ca: /etc/palisade/agent-ca.pem          # whom to trust for the service's TLS
 *   root_key: /etc/palisade/policy-root.pub # the pinned policy root: releases must chain to it
 *   max_backoff: 30s
 * attester: tpm                     # tpm (/dev/tpmrm0), swtpm (a local software TPM, for labs) or software (dev)
 * spdm_devices:                     # SPDM responders measured beside each quote when the service asks (optional)
 *   - name: nic0
 *     command: [/opt/vendor/spdm-measure, --nonce, "{nonce}"]  # prints {transcript, vca, chain} (JSON, hex)
 *     chain: /etc/palisade/nic0-chain.pem   # when the command prints no chain
 *     timeout: 10s
 * management:
 *   address: 192.0.2.10             # the management API binds this address and nothing else
 *   port: 9443                    # 0 takes any free port (tests)
 *   certificate: /etc/palisade/mgmt.pem
 *   key: /etc/palisade/mgmt.key
 *   client_ca: /etc/palisade/operators-ca.pem
 *   peers: [192.0.2.0/24]           # who manages the DPU: fail-closed still lets them in
 * host_addresses: [10.0.0.0/24]     # the server behind the DPU: the policy's 'host', kept off the management plane
 * dataplane:
 *   workers: 2
 *   replay: /captures/traffic.pcap  # a capture to run through the data plane (live ports come later)
 *   established_flows: recheck      # recheck | keep, when a new release arrives
 * rule_variables: {HOME_NET: "[10.0.0.0/8]"}
 * </pre>
 * Relative paths are relative to the file. Every problem is reported at once, each with its key.
 */
public record AgentConfig(
    Path source,
    String id,
    Map<String, String> labels,
    Path dataDir,
    String serviceHost,
    int servicePort,
    Path serviceCa,
    Path rootKey,
    Duration maxBackoff,
    Attester attester,
    String managementAddress,
    int managementPort,
    Path managementCertificate,
    Path managementKey,
    Path managementClientCa,
    ManagementPlane managementPlane,
    List<Prefix> hostAddresses,
    int workers,
    Path replay,
    Firewall.EstablishedFlows establishedFlows,
    Map<String, String> ruleVariables,
    List<SpdmDeviceConfig> spdmDevices)
{
    /**
     * An SPDM responder reached through a command: see {@code CommandSpdmDevice}.
     *
     * @param command argv; one argument contains {@code {nonce}}.
     * @param chain   the device's certificate chain (PEM) when the command prints none, or null.
     */
    public record SpdmDeviceConfig(String name, List<String> command, Path chain, Duration timeout)
    {
    }

    /** How the agent proves what it runs. */
    public enum Attester
    {
        /** The DPU's TPM through the kernel's resource manager. */
        TPM,
        /** A software TPM (swtpm) started by the agent: a lab stand-in with the TPM's protocol. */
        SWTPM,
        /** No TPM: a key in memory. Proves nothing; the policy service accepts it only in dev mode. */
        SOFTWARE;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The configuration cannot be used: every problem found, each naming its key. */
    public static final class ConfigException extends Exception
    {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        ConfigException(final Path file, final List<String> problems)
        {
            super(file + ": " + (problems.size() == 1 ? problems.get(0) : problems.size() + " problems:\n  - " +
                String.join("\n  - ", problems)));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems()
        {
            return problems;
        }
    }

    public static final String EVENTS_FILE = "events.jsonl";
    public static final int MAX_CONFIG_BYTES = 1024 * 1024;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Set<String> TOP = Set.of("id", "labels", "data_dir", "policy_service", "attester",
        "management", "host_addresses", "dataplane", "rule_variables", "spdm_devices");
    private static final Set<String> SPDM_DEVICE = Set.of("name", "command", "chain", "timeout");
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    private static final int MAX_SPDM_DEVICES = 8;
    private static final Set<String> SERVICE = Set.of("host", "port", "ca", "root_key", "max_backoff");
    private static final Set<String> MANAGEMENT = Set.of("address", "port", "certificate", "key", "client_ca",
        "peers");
    private static final Set<String> DATAPLANE = Set.of("workers", "replay", "established_flows");

    /** The events file (JSON lines) in the data directory. */
    public Path eventsFile()
    {
        return dataDir.resolve(EVENTS_FILE);
    }

    /** The directory trusted boot keeps releases in. */
    public Path bundleDir()
    {
        return dataDir.resolve("bundles");
    }

    /** @throws ConfigException listing every problem, each with its key and what to write instead. */
    public static AgentConfig load(final Path file) throws IOException, ConfigException
    {
        final long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES)
        {
            throw new ConfigException(file, List.of("the file is " + size + " bytes; an agent configuration is " +
                "at most " + MAX_CONFIG_BYTES));
        }
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses {@code text} as if read from {@code file} (relative paths resolve against its folder). */
    public static AgentConfig parse(final Path file, final String text) throws ConfigException
    {
        final Object root;
        try
        {
            root = new Load(LoadSettings.builder().setMaxAliasesForCollections(10).setAllowDuplicateKeys(false)
                .build()).loadFromString(text);
        }
        catch (final RuntimeException e)
        {
            throw new ConfigException(file, List.of("not YAML: " + e.getMessage().lines().findFirst().orElse("")));
        }
        if (!(root instanceof Map<?, ?> top))
        {
            throw new ConfigException(file, List.of("expected a mapping at the top (id:, policy_service:, " +
                "management:…); see 'palisade agent --help'"));
        }
        final Reader r = new Reader(file.toAbsolutePath().getParent());
        r.unknown("", top, TOP);
        final String id = r.string(top, "id", null);
        if (id != null && !ID.matcher(id).matches())
        {
            r.problem("id: '" + id + "' is not a DPU id (letters, digits, '.', '_', ':', '-'; at most 128)");
        }
        final Map<String, String> labels = r.strings(top, "labels");
        final Path dataDir = r.path(top, "data_dir", "data_dir", true);

        final Map<?, ?> service = r.section(top, "policy_service", SERVICE, true);
        final String serviceHost = r.string(service, "host", "policy_service.");
        final int servicePort = r.port(service, "port", "policy_service.", 8443);
        final Path serviceCa = r.path(service, "ca", "policy_service.ca", true);
        final Path rootKey = r.path(service, "root_key", "policy_service.root_key", true);
        final Duration maxBackoff = r.duration(service, "max_backoff", "policy_service.max_backoff",
            Duration.ofSeconds(30));

        Attester attester = Attester.TPM;
        final Object attesterValue = top.get("attester");
        if (attesterValue != null)
        {
            try
            {
                attester = Attester.valueOf(String.valueOf(attesterValue).strip().toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException e)
            {
                r.problem("attester: '" + attesterValue + "' is not one of tpm, swtpm, software");
            }
        }

        final Map<?, ?> management = r.section(top, "management", MANAGEMENT, true);
        final String managementAddress = r.string(management, "address", "management.");
        final int managementPort = r.integer(management, "port", "management.port", 0, 65535, 9443); // 0: any free
        final Path certificate = r.path(management, "certificate", "management.certificate", true);
        final Path key = r.path(management, "key", "management.key", true);
        final Path clientCa = r.path(management, "client_ca", "management.client_ca", true);
        final List<String> peers = r.list(management, "peers", "management.peers");
        ManagementPlane plane = null;
        if (managementAddress != null && wildcard(managementAddress))
        {
            r.problem("management.address: " + managementAddress + " is a wildcard: the API would listen on every " +
                "interface, the host-facing one included; give the DPU's management address itself");
        }
        else if (managementAddress != null)
        {
            try
            {
                plane = ManagementPlane.parse(List.of((managementAddress.indexOf(':') >= 0 ? "[" + managementAddress +
                    "]" : managementAddress) + ":tcp/" + managementPort), peers);
            }
            catch (final IllegalArgumentException e)
            {
                r.problem("management: " + e.getMessage());
            }
        }
        List<Prefix> host = List.of();
        try
        {
            host = ManagementPlane.parsePrefixes(r.list(top, "host_addresses", "host_addresses"), "host address");
        }
        catch (final IllegalArgumentException e)
        {
            r.problem("host_addresses: " + e.getMessage());
        }
        if (plane != null)
        {
            for (final Prefix h : host)
            {
                for (final ManagementPlane.Endpoint endpoint : plane.endpoints())
                {
                    if (h.intersects(endpoint.address()))
                    {
                        r.problem("management.address: " + managementAddress + " is among host_addresses: the " +
                            "management API would listen on the host's side; give the DPU's own management address");
                    }
                }
                for (final Prefix peer : plane.peers())
                {
                    if (h.intersects(peer))
                    {
                        r.problem("management.peers: a peer overlaps host_addresses: the host would be let in to " +
                            "manage the DPU; list only the management network's addresses");
                        break;
                    }
                }
            }
        }
        if (host.isEmpty() && !r.hasProblem("host_addresses"))
        {
            r.problem("host_addresses: missing; list the addresses of the server behind this DPU (the policy's " +
                "'host'), such as [10.0.0.5]: self-protection keeps them away from the management plane");
        }

        final Map<?, ?> dataplane = r.section(top, "dataplane", DATAPLANE, false);
        final int workers = r.integer(dataplane, "workers", "dataplane.workers", 1, 64, 1);
        final Path replay = r.path(dataplane, "replay", "dataplane.replay", false);
        Firewall.EstablishedFlows established = Firewall.EstablishedFlows.RECHECK;
        final Object establishedValue = dataplane == null ? null : dataplane.get("established_flows");
        if (establishedValue != null)
        {
            try
            {
                established = Firewall.EstablishedFlows.valueOf(String.valueOf(establishedValue).strip()
                    .toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException e)
            {
                r.problem("dataplane.established_flows: '" + establishedValue + "' is not recheck or keep");
            }
        }
        final Map<String, String> variables = r.strings(top, "rule_variables");
        final List<SpdmDeviceConfig> devices = spdmDevices(r, top.get("spdm_devices"));
        r.throwIfAny(file);
        return new AgentConfig(file, id, labels, dataDir, serviceHost, servicePort, serviceCa, rootKey, maxBackoff,
            attester, managementAddress, managementPort, certificate, key, clientCa, plane, host, workers, replay,
            established, variables, devices);
    }

    private static List<SpdmDeviceConfig> spdmDevices(final Reader r, final Object value)
    {
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof List<?> list))
        {
            r.problem("spdm_devices: expected a list of {name, command, chain, timeout}");
            return List.of();
        }
        if (list.size() > MAX_SPDM_DEVICES)
        {
            r.problem("spdm_devices: " + list.size() + " devices; the policy service takes at most " +
                MAX_SPDM_DEVICES);
        }
        final List<SpdmDeviceConfig> devices = new ArrayList<>();
        final Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++)
        {
            final String where = "spdm_devices[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> device))
            {
                r.problem(where + ": expected a mapping {name, command, chain, timeout}");
                continue;
            }
            r.unknown(where + ".", device, SPDM_DEVICE);
            final String name = r.string(device, "name", where + ".");
            if (name != null && !DEVICE_NAME.matcher(name).matches())
            {
                r.problem(where + ".name: '" + name + "' is not a device name (letters, digits, '.', '_', '-'; at " +
                    "most 32)");
            }
            else if (name != null && !names.add(name))
            {
                r.problem(where + ".name: '" + name + "' is used by another device");
            }
            final Object commandValue = device.get("command");
            List<String> command = List.of();
            if (!(commandValue instanceof List<?> argv) || argv.isEmpty() ||
                argv.stream().anyMatch(a -> a == null || a instanceof Map<?, ?> || a instanceof List<?>))
            {
                r.problem(where + ".command: expected a list of arguments such as [/opt/vendor/spdm-measure, " +
                    "--nonce, \"{nonce}\"]");
            }
            else
            {
                command = argv.stream().map(String::valueOf).toList();
                if (command.stream().noneMatch(a -> a.contains("{nonce}")))
                {
                    r.problem(where + ".command: no argument contains {nonce}: the device must sign over the " +
                        "verifier's nonce, or its evidence is refused as stale");
                }
            }
            final Path chain = r.path(device, "chain", where + ".chain", false);
            final Duration timeout = r.duration(device, "timeout", where + ".timeout", Duration.ofSeconds(10));
            devices.add(new SpdmDeviceConfig(name, command, chain, timeout));
        }
        return List.copyOf(devices);
    }

    /** @return whether {@code address} is an IP literal for every interface (0.0.0.0, ::, 0:0:0:0:0:0:0:0…). */
    private static boolean wildcard(final String address)
    {
        final String text = address.startsWith("[") && address.endsWith("]") ?
            address.substring(1, address.length() - 1) : address;
        try
        {
            final dev.palisade.policy.model.Cidr cidr = dev.palisade.policy.Addresses.parseCidr(text);
            return cidr.hi() == 0 && (cidr.lo() == 0 || cidr.ipv4() && cidr.lo() == dev.palisade.policy.model.Cidr
                .IPV4_MAPPED);
        }
        catch (final IllegalArgumentException e)
        {
            return false; // not an address at all: ManagementPlane says so
        }
    }

    /** Reads values out of the YAML tree, collecting problems rather than stopping at the first. */
    private static final class Reader
    {
        private final Path base;
        private final List<String> problems = new ArrayList<>();

        Reader(final Path base)
        {
            this.base = base;
        }

        void problem(final String text)
        {
            problems.add(text);
        }

        boolean hasProblem(final String key)
        {
            return problems.stream().anyMatch(p -> p.startsWith(key + ":"));
        }

        void throwIfAny(final Path file) throws ConfigException
        {
            if (!problems.isEmpty())
            {
                throw new ConfigException(file, problems);
            }
        }

        void unknown(final String prefix, final Map<?, ?> map, final Set<String> known)
        {
            for (final Object k : map.keySet())
            {
                if (!known.contains(String.valueOf(k)))
                {
                    problems.add(prefix + k + ": unknown key; known here: " + String.join(", ", new TreeSet<>(known)));
                }
            }
        }

        Map<?, ?> section(final Map<?, ?> top, final String key, final Set<String> known, final boolean required)
        {
            final Object value = top.get(key);
            if (value == null)
            {
                if (required)
                {
                    problems.add(key + ": missing; it needs " + String.join(", ", new TreeSet<>(known)));
                }
                return null;
            }
            if (!(value instanceof Map<?, ?> map))
            {
                problems.add(key + ": expected a mapping (" + String.join(", ", new TreeSet<>(known)) + ")");
                return null;
            }
            unknown(key + ".", map, known);
            return map;
        }

        /**
         * @param map    the section, or null when it is absent or invalid (already reported: nothing more is said).
         * @param prefix the section with its dot ("management."), or null at the top (then the key is the name).
         */
        String string(final Map<?, ?> map, final String key, final String prefix)
        {
            final String name = (prefix == null ? "" : prefix) + key;
            final Object value = map == null ? null : map.get(key);
            if (value == null)
            {
                if (map != null)
                {
                    problems.add(name + ": missing");
                }
                return null;
            }
            if (value instanceof Map<?, ?> || value instanceof List<?>)
            {
                problems.add(name + ": expected a single value");
                return null;
            }
            final String text = String.valueOf(value).strip();
            if (text.isEmpty())
            {
                problems.add(name + ": empty");
                return null;
            }
            return text;
        }

        int port(final Map<?, ?> map, final String key, final String prefix, final int fallback)
        {
            return integer(map, key, prefix + key, 1, 65535, fallback);
        }

        int integer(final Map<?, ?> map, final String key, final String name, final int min, final int max,
            final int fallback)
        {
            final Object value = map == null ? null : map.get(key);
            if (value == null)
            {
                return fallback;
            }
            if (!(value instanceof Integer || value instanceof Long) || ((Number)value).longValue() < min ||
                ((Number)value).longValue() > max)
            {
                problems.add(name + ": '" + value + "' is not a whole number in " + min + ".." + max);
                return fallback;
            }
            return ((Number)value).intValue();
        }

        Duration duration(final Map<?, ?> map, final String key, final String name, final Duration fallback)
        {
            final Object value = map == null ? null : map.get(key);
            if (value == null)
            {
                return fallback;
            }
            final String text = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
            try
            {
                final Duration d;
                if (text.endsWith("ms"))
                {
                    d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
                }
                else if (text.endsWith("s"))
                {
                    d = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
                }
                else if (text.endsWith("m"))
                {
                    d = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
                }
                else
                {
                    throw new NumberFormatException();
                }
                if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofHours(1)) > 0)
                {
                    throw new NumberFormatException();
                }
                return d;
            }
            catch (final NumberFormatException e)
            {
                problems.add(name + ": '" + value + "' is not a duration such as 500ms, 30s or 5m (at most 1 hour)");
                return fallback;
            }
        }

        Path path(final Map<?, ?> map, final String key, final String name, final boolean required)
        {
            final Object value = map == null ? null : map.get(key);
            if (value == null)
            {
                if (required && map != null)
                {
                    problems.add(name + ": missing");
                }
                return null;
            }
            if (value instanceof Map<?, ?> || value instanceof List<?>)
            {
                problems.add(name + ": expected a path");
                return null;
            }
            final String text = String.valueOf(value).strip();
            if (text.isEmpty() || text.indexOf('\0') >= 0)
            {
                problems.add(name + ": not a path");
                return null;
            }
            return base == null ? Path.of(text) : base.resolve(text).normalize();
        }

        List<String> list(final Map<?, ?> map, final String key, final String name)
        {
            final Object value = map == null ? null : map.get(key);
            if (value == null)
            {
                return List.of();
            }
            if (!(value instanceof List<?> list))
            {
                problems.add(name + ": expected a list such as [10.0.0.5, 10.0.1.0/24]");
                return List.of();
            }
            final List<String> out = new ArrayList<>(list.size());
            for (final Object item : list)
            {
                out.add(String.valueOf(item));
            }
            return out;
        }

        Map<String, String> strings(final Map<?, ?> map, final String key)
        {
            final Object value = map.get(key);
            if (value == null)
            {
                return Map.of();
            }
            if (!(value instanceof Map<?, ?> entries))
            {
                problems.add(key + ": expected a mapping of names to values");
                return Map.of();
            }
            final Map<String, String> out = new LinkedHashMap<>();
            for (final Map.Entry<?, ?> e : entries.entrySet())
            {
                if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?> || e.getValue() == null)
                {
                    problems.add(key + "." + e.getKey() + ": expected a single value");
                    continue;
                }
                out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
            return out;
        }
    }
}
