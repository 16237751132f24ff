package dev.palisade.policy;

import dev.palisade.policy.model.Cidr;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Inventory.GroupEntry;
import dev.palisade.policy.model.Inventory.WorkloadEntry;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.Policy.TierName;
import dev.palisade.policy.model.Rule;
import dev.palisade.policy.model.Rule.Action;
import dev.palisade.policy.model.Rule.IcmpMatch;
import dev.palisade.policy.model.Rule.PortRange;
import dev.palisade.policy.model.Selector;
import dev.palisade.policy.model.SourceLocation;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.palisade.policy.Messages.describe;
import static dev.palisade.policy.Messages.quote;

/**
 * Binds a composed YAML node tree to the policy model, checking it against docs/policy-language.md. Walks the whole
 * tree and reports every problem it finds, each at the node it concerns; returns a policy only when there was none.
 * Invariant: a method that returns null has added a problem (so a null never reaches a model record of an accepted
 * policy).
 */
final class PolicyBinder
{
    /** docs/policy-language.md: "apiVersion: palisade.dev/v1 # required, exactly this". */
    static final String API_VERSION = "palisade.dev/v1";
    /** docs/policy-language.md: "kind: Policy # required, exactly this". */
    static final String KIND = "Policy";
    /** docs/policy-language.md, metadata.name: "at most 63 characters". */
    static final int MAX_NAME_CHARS = 63;
    static final int MAX_PORT = 65_535;
    static final int MAX_PROTOCOL = 255;
    static final int MAX_ICMP_VALUE = 255;

    /** docs/policy-language.md, metadata.name: {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String NAME_RULE = "expected lowercase letters, digits and '-', starting and ending with a " +
        "letter or digit, at most " + MAX_NAME_CHARS + " characters";
    private static final Pattern PORT_RANGE = Pattern.compile("([0-9]{1,5})-([0-9]{1,5})");

    private static final List<String> POLICY_KEYS = List.of("apiVersion", "kind", "metadata", "inventory", "tiers");
    private static final List<String> METADATA_KEYS = List.of("name", "description");
    private static final List<String> INVENTORY_KEYS = List.of("workloads", "groups");
    private static final List<String> WORKLOAD_KEYS = List.of("name", "labels", "addresses");
    private static final List<String> GROUP_KEYS = List.of("name", "cidrs", "labels");
    private static final List<String> RULE_KEYS =
        List.of("name", "from", "to", "protocol", "ports", "icmp", "action", "log", "audit");
    private static final List<String> SELECTOR_KEYS = List.of("labels", "group", "workload", "cidrs", "entity", "any");
    private static final List<String> ICMP_KEYS = List.of("type", "code");
    private static final List<String> TIER_NAMES = tierNames();
    private static final List<String> PROTOCOLS = List.of("any", "tcp", "udp", "icmp", "icmpv6");
    private static final List<String> ACTIONS = List.of("allow", "deny", "reject", "pass");
    private static final List<String> ENTITIES = List.of("host", "world");
    private static final int MAX_NAMES_LISTED = 10;

    /** The known keys of a mapping (first occurrences, in order), and whether it also had unknown ones. */
    private record Fields(Map<String, NodeTuple> known, boolean anyUnknown)
    {
        boolean has(final String key)
        {
            return known.containsKey(key);
        }

        NodeTuple get(final String key)
        {
            return known.get(key);
        }

        Node value(final String key)
        {
            return known.get(key).getValueNode();
        }
    }

    private final Problems problems;
    private final int maxValues;
    private int values;
    private final Map<String, SourceLocation> workloadNames = new LinkedHashMap<>();
    private final Map<String, SourceLocation> groupNames = new LinkedHashMap<>();
    private final Map<String, SourceLocation> ruleNames = new HashMap<>();
    private final Inventory fleet;
    private final Map<String, SourceLocation> fleetWorkloadNames = new LinkedHashMap<>();
    private final Map<String, SourceLocation> fleetGroupNames = new LinkedHashMap<>();
    /** What rules may refer to: set once the inventory is bound. */
    private Map<String, SourceLocation> knownWorkloads = Map.of();
    private Map<String, SourceLocation> knownGroups = Map.of();

    /**
     * @param maxValues how many nodes the walk may visit; a node reached through several aliases counts each time, so
     *                  this bounds the work a small document full of aliases can cause.
     * @param fleet     workloads and groups kept outside the policy (the policy API's inventory): rules may refer to
     *                  them, the policy may not define them again, and the bound policy's inventory holds them first.
     */
    PolicyBinder(final Problems problems, final int maxValues, final Inventory fleet)
    {
        this.problems = problems;
        this.maxValues = maxValues;
        this.fleet = fleet;
        fleet.workloads().forEach(w -> fleetWorkloadNames.put(w.name(), w.at()));
        fleet.groups().forEach(g -> fleetGroupNames.put(g.name(), g.at()));
    }

    /** A document that is only an inventory (a mapping with workloads and groups); null when a problem was added. */
    Inventory bindInventory(final Optional<Node> document)
    {
        if (document.isEmpty())
        {
            problems.add(problems.start(), "empty document; expected an inventory: a mapping with workloads and " +
                "groups");
            return null;
        }
        final Inventory inventory = inventoryOf(document.get());
        return problems.any() ? null : inventory;
    }

    /** The policy, or null when a problem was added. */
    Policy bind(final Optional<Node> document)
    {
        if (document.isEmpty())
        {
            problems.add(problems.start(),
                "empty document; expected a policy: a mapping with apiVersion, kind, metadata, inventory and tiers");
            return null;
        }
        final MappingNode root = mapping(document.get(),
            "a policy (a mapping with apiVersion, kind, metadata, inventory and tiers)");
        if (root == null)
        {
            return null;
        }
        final Fields fields = fields(root, POLICY_KEYS);
        require(root, fields, "the policy", "apiVersion", "kind", "metadata");
        exactly(fields.get("apiVersion"), "apiVersion", API_VERSION);
        exactly(fields.get("kind"), "kind", KIND);

        String name = null;
        String description = "";
        final NodeTuple metadataField = fields.get("metadata");
        final MappingNode metadata = metadataField == null ? null :
            mapping(metadataField.getValueNode(), "metadata (a mapping with name and description)");
        if (metadata != null)
        {
            final Fields metadataFields = fields(metadata, METADATA_KEYS);
            require(metadata, metadataFields, "metadata", "name");
            if (metadataFields.has("name"))
            {
                name = name(metadataFields.value("name"), "policy name");
            }
            if (metadataFields.has("description"))
            {
                description = string(metadataFields.value("description"), "the description");
            }
        }

        // The inventory first, wherever it is written: rules refer to its names.
        final Inventory own = fields.has("inventory") ? inventoryOf(fields.value("inventory")) :
            new Inventory(List.of(), List.of());
        knownWorkloads = known(workloadNames, fleetWorkloadNames);
        knownGroups = known(groupNames, fleetGroupNames);
        final Map<TierName, List<Rule>> tiers = tiers(fields.get("tiers"));
        if (name == null || description == null || own == null || tiers == null || problems.any())
        {
            return null;
        }
        final Inventory inventory = fleet.workloads().isEmpty() && fleet.groups().isEmpty() ? own :
            new Inventory(concat(fleet.workloads(), own.workloads()), concat(fleet.groups(), own.groups()));
        return new Policy(name, description, inventory, tiers, problems.at(root));
    }

    private void exactly(final NodeTuple field, final String key, final String expected)
    {
        if (field == null)
        {
            return;
        }
        final String value = string(field.getValueNode(), key);
        if (value != null && !expected.equals(value))
        {
            problems.add(field.getValueNode(), "unsupported " + key + " " + quote(value) + "; expected " + expected);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inventory (docs/policy-language.md: inventory.workloads, inventory.groups)

    private static <T> List<T> concat(final List<T> first, final List<T> second)
    {
        final List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    private Inventory inventoryOf(final Node node)
    {
        final MappingNode map = mapping(node, "the inventory (a mapping with workloads and groups)");
        if (map == null)
        {
            return null;
        }
        final Fields fields = fields(map, INVENTORY_KEYS);
        final List<WorkloadEntry> workloads = new ArrayList<>();
        final SequenceNode workloadList = fields.has("workloads") ?
            list(fields.value("workloads"), "a list of workloads (use [] for none)") : null;
        if (workloadList != null)
        {
            for (final Node item : workloadList.getValue())
            {
                if (overBudget())
                {
                    break;
                }
                final WorkloadEntry workload = workload(item);
                if (workload != null)
                {
                    workloads.add(workload);
                }
            }
        }
        final List<GroupEntry> groups = new ArrayList<>();
        final SequenceNode groupList = fields.has("groups") ?
            list(fields.value("groups"), "a list of groups (use [] for none)") : null;
        if (groupList != null)
        {
            for (final Node item : groupList.getValue())
            {
                if (overBudget())
                {
                    break;
                }
                final GroupEntry group = group(item);
                if (group != null)
                {
                    groups.add(group);
                }
            }
        }
        return new Inventory(List.copyOf(workloads), List.copyOf(groups));
    }

    private WorkloadEntry workload(final Node node)
    {
        final MappingNode map = mapping(node, "a workload (a mapping with name, labels and addresses)");
        if (map == null)
        {
            return null;
        }
        final Fields fields = fields(map, WORKLOAD_KEYS);
        require(map, fields, "a workload", "name");
        final String name = define(fields.get("name"), "workload", workloadNames, fleetWorkloadNames);
        final Map<String, String> labels = fields.has("labels") ?
            labels(fields.value("labels"), "the workload's labels", false) : Map.of();
        final List<Cidr> addresses = fields.has("addresses") ?
            cidrs(fields.value("addresses"), "the workload's addresses") : List.of();
        if (name == null || labels == null || addresses == null)
        {
            return null;
        }
        return new WorkloadEntry(name, labels, addresses, problems.at(map));
    }

    /** docs/policy-language.md: "named address sets: CIDRs and/or workloads selected by labels". */
    private GroupEntry group(final Node node)
    {
        final MappingNode map = mapping(node, "a group (a mapping with name, and cidrs and/or labels)");
        if (map == null)
        {
            return null;
        }
        final Fields fields = fields(map, GROUP_KEYS);
        require(map, fields, "a group", "name");
        final String name = define(fields.get("name"), "group", groupNames, fleetGroupNames);
        final List<Cidr> cidrs = fields.has("cidrs") ?
            cidrs(fields.value("cidrs"), "the group's cidrs") : List.of();
        final Map<String, String> labels = fields.has("labels") ?
            labels(fields.value("labels"), "the group's labels", true) : Map.of();
        if (!fields.has("cidrs") && !fields.has("labels") && !fields.anyUnknown())
        {
            problems.add(map, (name == null ? "a group" : "group " + quote(name)) +
                " has neither cidrs nor labels; expected cidrs and/or labels");
            return null;
        }
        if (name == null || cidrs == null || labels == null)
        {
            return null;
        }
        return new GroupEntry(name, cidrs, labels, problems.at(map));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tiers and rules (docs/policy-language.md: "Rules", "Evaluation")

    /** All four tiers, in evaluation order; a tier not written is empty. */
    private Map<TierName, List<Rule>> tiers(final NodeTuple field)
    {
        final Map<TierName, List<Rule>> tiers = new EnumMap<>(TierName.class);
        for (final TierName tier : TierName.values())
        {
            tiers.put(tier, List.of());
        }
        if (field == null)
        {
            return Collections.unmodifiableMap(tiers);
        }
        final MappingNode map = mapping(field.getValueNode(),
            "the tiers (a mapping of " + String.join(", ", TIER_NAMES) + " to lists of rules)");
        if (map == null)
        {
            return null;
        }
        for (final NodeTuple entry : entries(map).values())
        {
            final ScalarNode key = (ScalarNode)entry.getKeyNode();
            final TierName tier = Tag.STR.equals(key.getTag()) ? tierNamed(key.getValue()) : null;
            if (tier == null)
            {
                problems.add(key, "unknown tier " + quote(key.getValue()) + "; expected one of: " +
                    String.join(", ", TIER_NAMES));
                continue;
            }
            final SequenceNode ruleList =
                list(entry.getValueNode(), "a list of rules for tier " + tier.label() + " (use [] for none)");
            if (ruleList == null)
            {
                continue;
            }
            final List<Rule> rules = new ArrayList<>();
            for (final Node item : ruleList.getValue())
            {
                if (overBudget())
                {
                    break;
                }
                final Rule rule = rule(item);
                if (rule != null)
                {
                    rules.add(rule);
                }
            }
            tiers.put(tier, List.copyOf(rules));
        }
        return Collections.unmodifiableMap(tiers);
    }

    private Rule rule(final Node node)
    {
        final MappingNode map = mapping(node, "a rule (a mapping with " + String.join(", ", RULE_KEYS) + ")");
        if (map == null)
        {
            return null;
        }
        final SourceLocation at = problems.at(map);
        final Fields fields = fields(map, RULE_KEYS);
        final String name = define(fields.get("name"), "rule", ruleNames);
        final String rule = name == null ? "the rule" : "rule " + quote(name);
        require(map, fields, name == null ? "a rule" : rule, "name", "action");

        // "A missing from or to means any."
        final Selector from = fields.has("from") ? selector(fields.value("from"), "from") : new Selector.Any(at);
        final Selector to = fields.has("to") ? selector(fields.value("to"), "to") : new Selector.Any(at);
        final Integer protocol = fields.has("protocol") ? protocol(fields.value("protocol")) :
            Integer.valueOf(Rule.ANY_PROTOCOL);

        // "ports (only with tcp or udp ...)"
        List<PortRange> ports = List.of();
        final NodeTuple portsField = fields.get("ports");
        if (portsField != null)
        {
            ports = ports(portsField.getValueNode());
            // With an unknown key (a misspelt "protocol"?) the protocol may not be what was meant: no cascade.
            if (protocol != null && !fields.anyUnknown() && protocol != Rule.TCP && protocol != Rule.UDP)
            {
                problems.add(portsField.getKeyNode(), "ports need protocol tcp or udp; " + rule + " has protocol " +
                    protocolName(protocol));
            }
        }
        // "icmp: {type, code} (only with icmp or icmpv6)"
        IcmpMatch icmp = null;
        final NodeTuple icmpField = fields.get("icmp");
        if (icmpField != null)
        {
            icmp = icmp(icmpField.getValueNode());
            if (protocol != null && !fields.anyUnknown() && protocol != Rule.ICMP && protocol != Rule.ICMPV6)
            {
                problems.add(icmpField.getKeyNode(), "icmp needs protocol icmp or icmpv6; " + rule +
                    " has protocol " + protocolName(protocol));
            }
        }
        final Action action = fields.has("action") ? action(fields.value("action")) : null;
        final Boolean log = fields.has("log") ? bool(fields.value("log"), "log") : Boolean.FALSE;
        final Boolean audit = fields.has("audit") ? bool(fields.value("audit"), "audit") : Boolean.FALSE;
        if (name == null || from == null || to == null || protocol == null || ports == null ||
            (icmpField != null && icmp == null) || action == null || log == null || audit == null)
        {
            return null;
        }
        return new Rule(name, from, to, protocol, ports, icmp, action, log, audit, at);
    }

    /** docs/policy-language.md, "Selectors": exactly one of labels, group, workload, cidrs, entity, any. */
    private Selector selector(final Node node, final String role)
    {
        final MappingNode map = mapping(node, "a selector for '" + role + "' (a mapping with exactly one of: " +
            String.join(", ", SELECTOR_KEYS) + ")");
        if (map == null)
        {
            return null;
        }
        final Fields fields = fields(map, SELECTOR_KEYS);
        if (fields.known().isEmpty())
        {
            if (map.getValue().isEmpty())
            {
                problems.add(map, "empty selector for '" + role + "'; expected exactly one of: " +
                    String.join(", ", SELECTOR_KEYS) + " (leave out '" + role + "' to select any address)");
            }
            return null; // otherwise each unknown key was reported
        }
        if (fields.known().size() > 1)
        {
            final List<NodeTuple> forms = new ArrayList<>(fields.known().values());
            problems.add(forms.get(1).getKeyNode(), "a selector has exactly one form, this one has " +
                forms.size() + " (" + String.join(", ", fields.known().keySet()) + "); expected exactly one of: " +
                String.join(", ", SELECTOR_KEYS));
            return null;
        }
        final SourceLocation at = problems.at(map);
        final Map.Entry<String, NodeTuple> form = fields.known().entrySet().iterator().next();
        final Node value = form.getValue().getValueNode();
        return switch (form.getKey())
        {
            case "labels" ->
            {
                final Map<String, String> labels = labels(value, "the selector's labels", true);
                yield labels == null ? null : new Selector.Labels(labels, at);
            }
            case "group" ->
            {
                final String name = reference(value, "group", knownGroups, "workload", knownWorkloads);
                yield name == null ? null : new Selector.Group(name, at);
            }
            case "workload" ->
            {
                final String name = reference(value, "workload", knownWorkloads, "group", knownGroups);
                yield name == null ? null : new Selector.Workload(name, at);
            }
            case "cidrs" ->
            {
                final List<Cidr> cidrs = cidrs(value, "the selector's cidrs");
                yield cidrs == null ? null : new Selector.Cidrs(cidrs, at);
            }
            case "entity" ->
            {
                final String entity = string(value, "the entity");
                if (entity == null)
                {
                    yield null;
                }
                yield switch (entity)
                {
                    case "host" -> new Selector.Entity(Selector.Entity.Kind.HOST, at);
                    case "world" -> new Selector.Entity(Selector.Entity.Kind.WORLD, at);
                    default ->
                    {
                        problems.add(value, "unknown entity " + quote(entity) + "; expected one of: " +
                            String.join(", ", ENTITIES) + caseHint(entity, ENTITIES));
                        yield null;
                    }
                };
            }
            case "any" ->
            {
                final Boolean any = bool(value, "any");
                if (any == null)
                {
                    yield null;
                }
                if (!any)
                {
                    problems.add(value, "'any: false' selects nothing; expected any: true (or leave out '" + role +
                        "' to select any address)");
                    yield null;
                }
                yield new Selector.Any(at);
            }
            default -> throw new IllegalStateException("selector form without a case: " + form.getKey());
        };
    }

    /** A name that must be defined in the inventory ({@code group: NAME}, {@code workload: NAME}). */
    private String reference(final Node node, final String kind, final Map<String, SourceLocation> defined,
        final String otherKind, final Map<String, SourceLocation> otherDefined)
    {
        final String name = string(node, "a " + kind + " name");
        if (name == null)
        {
            return null;
        }
        if (defined.containsKey(name))
        {
            return name;
        }
        final String expected;
        if (otherDefined.containsKey(name))
        {
            expected = quote(name) + " is a " + otherKind + "; use " + otherKind + ": " + name;
        }
        else if (defined.isEmpty())
        {
            expected = "the inventory defines no " + kind + "s";
        }
        else
        {
            expected = "expected one of the inventory's " + kind + "s: " +
                Messages.join(new ArrayList<>(defined.keySet()), MAX_NAMES_LISTED);
        }
        problems.add(node, "unknown " + kind + " " + quote(name) + "; " + expected);
        return null;
    }

    /** docs/policy-language.md: "any (default), tcp, udp, icmp, icmpv6, or a number 0..255". */
    private Integer protocol(final Node node)
    {
        if (!visit(node))
        {
            return null;
        }
        final String expected = "expected one of: " + String.join(", ", PROTOCOLS) + ", or a number 0.." +
            MAX_PROTOCOL;
        if (node instanceof ScalarNode scalar && Tag.INT.equals(scalar.getTag()))
        {
            return intValue(scalar, "protocol number", 0, MAX_PROTOCOL);
        }
        if (node instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag()))
        {
            final String value = scalar.getValue();
            switch (value)
            {
                case "any":
                    return Rule.ANY_PROTOCOL;
                case "tcp":
                    return Rule.TCP;
                case "udp":
                    return Rule.UDP;
                case "icmp":
                    return Rule.ICMP;
                case "icmpv6":
                    return Rule.ICMPV6;
                default:
                    problems.add(node, "unknown protocol " + quote(value) + "; " + expected +
                        caseHint(value, PROTOCOLS));
                    return null;
            }
        }
        problems.add(node, "expected a protocol, got " + describe(node) + "; " + expected);
        return null;
    }

    private static String protocolName(final int protocol)
    {
        return switch (protocol)
        {
            case Rule.ANY_PROTOCOL -> "any (the default)";
            case Rule.TCP -> "tcp";
            case Rule.UDP -> "udp";
            case Rule.ICMP -> "icmp";
            case Rule.ICMPV6 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }

    /** docs/policy-language.md: "numbers and "lo-hi" ranges, 0..65535; absent = any". */
    private List<PortRange> ports(final Node node)
    {
        final SequenceNode list = list(node, "ports (a list of port numbers and \"lo-hi\" ranges)");
        if (list == null)
        {
            return null;
        }
        if (list.getValue().isEmpty())
        {
            // The model reads an empty list as any port; written out, [] more likely means a mistake.
            problems.add(list, "empty ports list; expected at least one port or \"lo-hi\" range " +
                "(leave out ports to match any port)");
            return null;
        }
        final List<PortRange> ports = new ArrayList<>();
        boolean valid = true;
        for (final Node item : list.getValue())
        {
            if (!visit(item))
            {
                return null;
            }
            final PortRange range = port(item);
            if (range == null)
            {
                valid = false;
            }
            else
            {
                ports.add(range);
            }
        }
        return valid ? List.copyOf(ports) : null;
    }

    private PortRange port(final Node item)
    {
        if (item instanceof ScalarNode scalar && Tag.INT.equals(scalar.getTag()))
        {
            final Integer port = intValue(scalar, "port", 0, MAX_PORT);
            return port == null ? null : new PortRange(port, port);
        }
        if (item instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag()))
        {
            final String text = scalar.getValue();
            final Matcher range = PORT_RANGE.matcher(text);
            if (!range.matches())
            {
                problems.add(item, "invalid port range " + quote(text) + "; expected a \"lo-hi\" range such as " +
                    "\"8000-8080\" (a single port is a number: 53)");
                return null;
            }
            final int lo = Integer.parseInt(range.group(1));
            final int hi = Integer.parseInt(range.group(2));
            if (lo > MAX_PORT || hi > MAX_PORT)
            {
                problems.add(item, "port range " + quote(text) + " is out of range; expected ports 0.." + MAX_PORT);
                return null;
            }
            if (lo > hi)
            {
                problems.add(item, "port range " + quote(text) + " is reversed; expected lo <= hi (" + hi + "-" +
                    lo + ")");
                return null;
            }
            return new PortRange(lo, hi);
        }
        problems.add(item, "expected a port number 0.." + MAX_PORT + " or a \"lo-hi\" range string, got " +
            describe(item));
        return null;
    }

    /** docs/policy-language.md: "icmp: {type, code}"; "code optional (any code when absent)". */
    private IcmpMatch icmp(final Node node)
    {
        final MappingNode map = mapping(node, "icmp (a mapping with type and optionally code)");
        if (map == null)
        {
            return null;
        }
        final Fields fields = fields(map, ICMP_KEYS);
        require(map, fields, "icmp", "type");
        final Integer type = fields.has("type") ?
            integer(fields.value("type"), "ICMP type", 0, MAX_ICMP_VALUE) : null;
        final Integer code = fields.has("code") ?
            integer(fields.value("code"), "ICMP code", 0, MAX_ICMP_VALUE) :
            Integer.valueOf(IcmpMatch.ANY_CODE);
        if (type == null || code == null)
        {
            return null;
        }
        return new IcmpMatch(type, code);
    }

    /** docs/policy-language.md: "action (required: allow, deny, reject, pass ...)". */
    private Action action(final Node node)
    {
        final String value = string(node, "the action");
        if (value == null)
        {
            return null;
        }
        return switch (value)
        {
            case "allow" -> Action.ALLOW;
            case "deny" -> Action.DENY;
            case "reject" -> Action.REJECT;
            case "pass" -> Action.PASS;
            default ->
            {
                problems.add(node, "unknown action " + quote(value) + "; expected one of: " +
                    String.join(", ", ACTIONS) + caseHint(value, ACTIONS));
                yield null;
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Shared value forms

    /** Labels: string keys (not empty) to string values. {@code selects}: an empty map would match everything. */
    private Map<String, String> labels(final Node node, final String what, final boolean selects)
    {
        final MappingNode map = mapping(node, what + " (a mapping of label names to values)");
        if (map == null)
        {
            return null;
        }
        if (selects && map.getValue().isEmpty())
        {
            problems.add(map, "empty labels would select every workload; expected at least one label " +
                "(to select any address, use any: true)");
            return null;
        }
        final Map<String, String> labels = new LinkedHashMap<>();
        boolean valid = true;
        for (final NodeTuple entry : entries(map).values())
        {
            final ScalarNode key = (ScalarNode)entry.getKeyNode();
            if (!Tag.STR.equals(key.getTag()) || key.getValue().isEmpty())
            {
                problems.add(key, "expected a label name (a non-empty string), got " + describe(key) +
                    quoteHint(key));
                valid = false;
                continue;
            }
            final String value = string(entry.getValueNode(), "the value of label " + quote(key.getValue()));
            if (value == null)
            {
                valid = false;
                continue;
            }
            labels.put(key.getValue(), value);
        }
        return valid ? Collections.unmodifiableMap(labels) : null;
    }

    /** Addresses and prefixes ({@link CidrParser}). An empty list is allowed: it selects nothing (a check warning). */
    private List<Cidr> cidrs(final Node node, final String what)
    {
        final SequenceNode list = list(node, what + " (a list of addresses or CIDR prefixes)");
        if (list == null)
        {
            return null;
        }
        final List<Cidr> cidrs = new ArrayList<>();
        boolean valid = true;
        for (final Node item : list.getValue())
        {
            if (!visit(item))
            {
                return null;
            }
            if (!(item instanceof ScalarNode scalar) || Tag.NULL.equals(scalar.getTag()))
            {
                problems.add(item, "expected an address or CIDR prefix (a string such as 10.0.0.0/8 or " +
                    "2001:db8::/32), got " + describe(item));
                valid = false;
                continue;
            }
            switch (CidrParser.parse(scalar.getValue()))
            {
                case CidrParser.Parsed parsed -> cidrs.add(parsed.cidr());
                case CidrParser.Invalid invalid ->
                {
                    problems.add(item, invalid.reason());
                    valid = false;
                }
            }
        }
        return valid ? List.copyOf(cidrs) : null;
    }

    /** The names a reference may use: the fleet's, then the document's own. */
    private static Map<String, SourceLocation> known(final Map<String, SourceLocation> own,
        final Map<String, SourceLocation> fleetNames)
    {
        if (fleetNames.isEmpty())
        {
            return own;
        }
        final Map<String, SourceLocation> all = new LinkedHashMap<>(fleetNames);
        all.putAll(own);
        return all;
    }

    /** A new name of a workload or group: valid, not defined before in the document nor in the fleet inventory. */
    private String define(final NodeTuple field, final String kind, final Map<String, SourceLocation> defined,
        final Map<String, SourceLocation> fleetNames)
    {
        final String name = define(field, kind, defined);
        if (name != null && fleetNames.containsKey(name))
        {
            problems.add(problems.at(field.getValueNode()), kind + " " + quote(name) + " is defined in the fleet " +
                "inventory already; refer to it by name, or rename this one");
        }
        return name;
    }

    /** A new name of a workload, group or rule: valid and not defined before in {@code defined}. */
    private String define(final NodeTuple field, final String kind, final Map<String, SourceLocation> defined)
    {
        if (field == null)
        {
            return null;
        }
        final String name = name(field.getValueNode(), kind + " name");
        if (name == null)
        {
            return null;
        }
        final SourceLocation at = problems.at(field.getValueNode());
        final SourceLocation first = defined.putIfAbsent(name, at);
        if (first != null)
        {
            final String scope = "rule".equals(kind) ? "in the policy" : "in the inventory";
            problems.add(at, "duplicate " + kind + " name " + quote(name) + " (first at " + first.line() + ":" +
                first.column() + "); " + kind + " names are unique " + scope);
        }
        return name;
    }

    /** docs/policy-language.md: {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}, at most 63 characters. */
    private String name(final Node node, final String what)
    {
        final String name = string(node, "the " + what);
        if (name == null)
        {
            return null;
        }
        if (name.length() > MAX_NAME_CHARS || !NAME.matcher(name).matches())
        {
            problems.add(node, "invalid " + what + " " + quote(name) + "; " + NAME_RULE);
            return null;
        }
        return name;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Node access: each checks the node's type and names the expected one

    /**
     * The first occurrence of each key, in order. Reports duplicates (YAML 1.2 section 3.2.1.1: keys are unique) at
     * the later key. Keys are scalars: {@link YamlScreen} has rejected the rest.
     */
    private Map<String, NodeTuple> entries(final MappingNode map)
    {
        final Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (final NodeTuple tuple : map.getValue())
        {
            final Node keyNode = tuple.getKeyNode();
            if (!visit(keyNode))
            {
                break;
            }
            if (!(keyNode instanceof ScalarNode key))
            {
                problems.add(keyNode, "a key must be a plain name, not " + describe(keyNode));
                continue;
            }
            final NodeTuple first = entries.putIfAbsent(key.getValue(), tuple);
            if (first != null)
            {
                final SourceLocation at = problems.at(first.getKeyNode());
                problems.add(key, "duplicate key " + quote(key.getValue()) + " (first at " + at.line() + ":" +
                    at.column() + "); a key may appear only once");
            }
        }
        return entries;
    }

    /** The entries whose key is one of {@code allowed}; every other key is reported as unknown. */
    private Fields fields(final MappingNode map, final List<String> allowed)
    {
        final Map<String, NodeTuple> fields = new LinkedHashMap<>();
        boolean anyUnknown = false;
        for (final Map.Entry<String, NodeTuple> entry : entries(map).entrySet())
        {
            final Node key = entry.getValue().getKeyNode();
            if (Tag.STR.equals(key.getTag()) && allowed.contains(entry.getKey()))
            {
                fields.put(entry.getKey(), entry.getValue());
            }
            else
            {
                problems.add(key, "unknown key " + quote(entry.getKey()) + "; expected one of: " +
                    String.join(", ", allowed));
                anyUnknown = true;
            }
        }
        return new Fields(fields, anyUnknown);
    }

    private void require(final MappingNode map, final Fields fields, final String where,
        final String... keys)
    {
        for (final String key : keys)
        {
            if (!fields.has(key))
            {
                problems.add(map, "missing required key '" + key + "' in " + where);
            }
        }
    }

    private MappingNode mapping(final Node node, final String what)
    {
        if (!visit(node))
        {
            return null;
        }
        if (node instanceof MappingNode map)
        {
            return map;
        }
        problems.add(node, "expected " + what + ", got " + describe(node));
        return null;
    }

    private SequenceNode list(final Node node, final String what)
    {
        if (!visit(node))
        {
            return null;
        }
        if (node instanceof SequenceNode list)
        {
            return list;
        }
        problems.add(node, "expected " + what + ", got " + describe(node));
        return null;
    }

    private String string(final Node node, final String what)
    {
        if (!visit(node))
        {
            return null;
        }
        if (node instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag()))
        {
            return scalar.getValue();
        }
        problems.add(node, "expected a string for " + what + ", got " + describe(node) + quoteHint(node));
        return null;
    }

    private Integer integer(final Node node, final String what, final int min, final int max)
    {
        if (!visit(node))
        {
            return null;
        }
        if (node instanceof ScalarNode scalar && Tag.INT.equals(scalar.getTag()))
        {
            return intValue(scalar, what, min, max);
        }
        problems.add(node, "expected an integer " + min + ".." + max + " for the " + what + ", got " +
            describe(node));
        return null;
    }

    private Integer intValue(final ScalarNode scalar, final String what, final int min, final int max)
    {
        final long value = yamlInteger(scalar.getValue());
        if (value == NOT_AN_INT && scalar.getValue().length() <= MAX_INT_DIGITS)
        {
            problems.add(scalar, "invalid " + what + " " + quote(scalar.getValue()) + "; expected an integer " + min +
                ".." + max);
            return null;
        }
        if (value == NOT_AN_INT || value < min || value > max)
        {
            problems.add(scalar, what + " " + quote(scalar.getValue()) + " is out of range; expected " + min + ".." +
                max);
            return null;
        }
        return (int)value;
    }

    /** docs/policy-language.md: "log (default false), audit (default false)". */
    private Boolean bool(final Node node, final String what)
    {
        if (!visit(node))
        {
            return null;
        }
        if (node instanceof ScalarNode scalar && Tag.BOOL.equals(scalar.getTag()))
        {
            return "true".equalsIgnoreCase(scalar.getValue());
        }
        String hint = "";
        if (node instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag()) &&
            List.of("yes", "no", "on", "off", "y", "n").contains(scalar.getValue().toLowerCase(Locale.ROOT)))
        {
            hint = " (YAML 1.2 reads " + quote(scalar.getValue()) + " as a string)";
        }
        problems.add(node, "expected true or false for " + what + ", got " + describe(node) + hint);
        return null;
    }

    /** Counts a visit; false (and one problem) once the walk has visited more than {@code maxValues} nodes. */
    private boolean visit(final Node node)
    {
        values++;
        if (values <= maxValues)
        {
            return true;
        }
        if (values == maxValues + 1)
        {
            problems.add(node, "the document has more than " + maxValues + " values (each use of an alias " +
                "counts); the policy is rejected rather than parsed slowly");
        }
        return false;
    }

    private boolean overBudget()
    {
        return values > maxValues;
    }

    private static final long NOT_AN_INT = Long.MIN_VALUE;
    private static final int MAX_INT_DIGITS = 12;

    /**
     * A YAML 1.2 core schema integer (section 10.3.2: {@code [-+]?[0-9]+}, {@code 0o[0-7]+}, {@code 0x[0-9a-fA-F]+}),
     * or {@link #NOT_AN_INT} when it is not one or too long to matter (every range here fits in 12 digits).
     */
    static long yamlInteger(final String text)
    {
        int start = 0;
        int radix = 10;
        boolean negative = false;
        if (text.startsWith("0o"))
        {
            start = 2;
            radix = 8;
        }
        else if (text.startsWith("0x"))
        {
            start = 2;
            radix = 16;
        }
        else if (text.startsWith("-") || text.startsWith("+"))
        {
            negative = text.charAt(0) == '-';
            start = 1;
        }
        final int digits = text.length() - start;
        if (digits < 1 || digits > MAX_INT_DIGITS)
        {
            return NOT_AN_INT;
        }
        long value = 0;
        for (int i = start; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            final int digit = c < 128 ? Character.digit(c, radix) : -1;
            if (digit < 0)
            {
                return NOT_AN_INT;
            }
            value = value * radix + digit;
        }
        return negative ? -value : value;
    }

    /** For a scalar YAML typed as something else: how to make it a string. */
    private static String quoteHint(final Node node)
    {
        if (node instanceof ScalarNode scalar && !Tag.STR.equals(scalar.getTag()) && !Tag.NULL.equals(scalar.getTag()))
        {
            return "; quote it to make it a string";
        }
        return "";
    }

    /** {@code (names are lowercase: tcp)} when only the case is wrong. */
    private static String caseHint(final String value, final List<String> options)
    {
        final String lower = value.toLowerCase(Locale.ROOT);
        return options.contains(lower) && !options.contains(value) ? " (names are lowercase: " + lower + ")" : "";
    }

    private static TierName tierNamed(final String label)
    {
        for (final TierName tier : TierName.values())
        {
            if (tier.label().equals(label))
            {
                return tier;
            }
        }
        return null;
    }

    private static List<String> tierNames()
    {
        final List<String> names = new ArrayList<>();
        for (final TierName tier : TierName.values())
        {
            names.add(tier.label());
        }
        return List.copyOf(names);
    }
}
