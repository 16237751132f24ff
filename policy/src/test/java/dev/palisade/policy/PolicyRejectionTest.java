package dev.palisade.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One fixture per failure mode (policies/reject/), each rejected with exactly one problem at the written line:column
 * whose message says what was wrong and what was expected.
 */
class PolicyRejectionTest
{
    static Path fixture(final String name)
    {
        try
        {
            final var url = PolicyRejectionTest.class.getResource("/policies/" + name);
            assertNotNull(url, "fixture " + name);
            return Path.of(url.toURI());
        }
        catch (final URISyntaxException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        # spec: "an unknown key anywhere is an error, never ignored"
        unknown-key-top.yaml              | 3:1   | unknown key 'spec'; expected one of: apiVersion, kind, metadata, inventory, tiers
        unknown-key-metadata.yaml         | 5:3   | unknown key 'namespace'; expected one of: name, description
        unknown-key-inventory.yaml        | 10:3  | unknown key 'services'; expected one of: workloads, groups
        unknown-key-workload.yaml         | 9:7   | unknown key 'address'; expected one of: name, labels, addresses
        unknown-key-group.yaml            | 12:7  | unknown key 'cidr'; expected one of: name, cidrs, labels
        unknown-key-rule.yaml             | 18:7  | unknown key 'prot'; expected one of: name, from, to, protocol, ports, icmp, action, log, audit
        unknown-key-selector.yaml         | 16:14 | unknown key 'groups'; expected one of: labels, group, workload, cidrs, entity, any
        unknown-key-icmp.yaml             | 19:23 | unknown key 'kode'; expected one of: type, code
        unknown-tier.yaml                 | 14:3  | unknown tier 'app'; expected one of: emergency, platform, application, baseline
        duplicate-key.yaml                | 21:7  | duplicate key 'action' (first at 20:7)
        # CIDRs: IPv4 and IPv6, a bare address is a host prefix, host bits must be zero
        cidr-ipv4-octet.yaml              | 12:31 | invalid IPv4 address '10.0.300.0/24': '300' is out of range; expected 0..255
        cidr-ipv6-malformed.yaml          | 9:30  | invalid IPv6 address '2001:db8::1::2': '::' may appear only once
        cidr-not-an-address.yaml          | 17:20 | invalid address 'web-1'; expected an IPv4 or IPv6 address or prefix
        cidr-host-bits.yaml               | 12:15 | '10.0.1.5/24' has host bits set; did you mean 10.0.1.0/24?
        cidr-host-bits-ipv6.yaml          | 12:31 | '2001:db8::1/32' has host bits set; did you mean 2001:db8::/32?
        cidr-bad-prefix.yaml              | 12:15 | invalid prefix length in '10.0.0.0/33'; expected /0../32 for IPv4
        cidr-wrong-type.yaml              | 12:31 | expected an address or CIDR prefix (a string such as 10.0.0.0/8 or 2001:db8::/32), got a mapping
        # ports: only with tcp or udp; numbers and "lo-hi" ranges, 0..65535
        port-out-of-range.yaml            | 19:20 | port '70000' is out of range; expected 0..65535
        port-range-reversed.yaml          | 19:15 | port range '9000-8000' is reversed; expected lo <= hi (8000-9000)
        port-range-malformed.yaml         | 19:15 | invalid port range 'http'; expected a "lo-hi" range such as "8000-8080"
        ports-empty.yaml                  | 19:14 | empty ports list; expected at least one port
        ports-with-icmp.yaml              | 19:7  | ports need protocol tcp or udp; rule 'web-in' has protocol icmp
        ports-without-protocol.yaml       | 18:7  | ports need protocol tcp or udp; rule 'web-in' has protocol any (the default)
        # icmp: only with icmp or icmpv6
        icmp-with-tcp.yaml                | 19:7  | icmp needs protocol icmp or icmpv6; rule 'web-in' has protocol tcp
        icmp-type-out-of-range.yaml       | 19:20 | ICMP type '300' is out of range; expected 0..255
        # protocol: any, tcp, udp, icmp, icmpv6 or 0..255
        unknown-protocol.yaml             | 18:17 | unknown protocol 'sctp'; expected one of: any, tcp, udp, icmp, icmpv6, or a number 0..255
        protocol-out-of-range.yaml        | 18:17 | protocol number '256' is out of range; expected 0..255
        # selectors: exactly one form; references to the inventory
        selector-two-forms.yaml           | 16:27 | a selector has exactly one form, this one has 2 (group, cidrs)
        selector-empty.yaml               | 16:13 | empty selector for 'from'; expected exactly one of: labels, group, workload, cidrs, entity, any
        selector-any-false.yaml           | 16:19 | 'any: false' selects nothing; expected any: true
        selector-unknown-entity.yaml      | 16:22 | unknown entity 'internet'; expected one of: host, world
        selector-empty-labels.yaml        | 16:22 | empty labels would select every workload
        unknown-group.yaml                | 16:21 | unknown group 'corpp'; expected one of the inventory's groups: corp
        unknown-workload.yaml             | 17:22 | unknown workload 'web-2'; expected one of the inventory's workloads: web-1
        workload-used-as-group.yaml       | 16:21 | unknown group 'web-1'; 'web-1' is a workload; use workload: web-1
        group-without-members.yaml        | 13:7  | group 'empty' has neither cidrs nor labels; expected cidrs and/or labels
        # names: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63, unique
        duplicate-rule-name.yaml          | 22:13 | duplicate rule name 'web-in' (first at 15:13); rule names are unique in the policy
        duplicate-workload-name.yaml      | 10:13 | duplicate workload name 'web-1' (first at 7:13)
        bad-rule-name.yaml                | 15:13 | invalid rule name 'Web_In'; expected lowercase letters, digits and '-'
        bad-policy-name-too-long.yaml     | 4:9   | at most 63 characters
        # required keys
        missing-action.yaml               | 15:7  | missing required key 'action' in rule 'web-in'
        missing-rule-name.yaml            | 15:7  | missing required key 'name' in a rule
        missing-api-version.yaml          | 1:1   | missing required key 'apiVersion' in the policy
        missing-metadata-name.yaml        | 4:3   | missing required key 'name' in metadata
        wrong-api-version.yaml            | 1:13  | unsupported apiVersion 'palisade.dev/v2'; expected palisade.dev/v1
        wrong-kind.yaml                   | 2:7   | unsupported kind 'NetworkPolicy'; expected Policy
        # wrong types name the expected type
        wrong-type-list-for-mapping.yaml  | 3:11  | expected metadata (a mapping with name and description), got a list
        wrong-type-mapping-for-list.yaml  | 19:14 | expected ports (a list of port numbers and "lo-hi" ranges), got a mapping
        wrong-type-string-for-bool.yaml   | 21:12 | expected true or false for log, got a string 'yes'
        wrong-type-int-for-string.yaml    | 8:32  | expected a string for the value of label 'tier', got an integer '1'; quote it
        wrong-type-null-for-list.yaml     | 14:15 | expected a list of rules for tier application (use [] for none), got null
        top-level-list.yaml               | 1:1   | expected a policy (a mapping with apiVersion, kind, metadata, inventory and tiers), got a list
        # the document itself
        empty.yaml                        | 1:1   | empty document; expected a policy
        comments-only.yaml                | 1:1   | empty document; expected a policy
        yaml-syntax.yaml                  | 10:9  | invalid YAML: expected ',' or ']'
        yaml-tab-indent.yaml              | 4:1   | invalid YAML: found character '\\t(TAB)' that cannot start any token
        control-character.yaml            | 4:11  | invalid character U+0007
        not-utf8.yaml                     | 4:12  | not valid UTF-8 (byte offset 62)
        multiple-documents.yaml           | 21:1  | a second YAML document starts here; expected exactly one document
        merge-key.yaml                    | 20:7  | merge keys ('<<') are not supported
        yaml-tag.yaml                     | 20:15 | YAML tags are not part of the policy language (found '!!str')
        yaml-tag-malformed.yaml           | 1:1   | YAML tags are not part of the policy language
        alias-bomb.yaml                   | 6:45  | more than 16 aliases to mappings or lists
        recursive-alias.yaml              | 5:9   | alias '*m' refers to a node that contains it
        too-deep.yaml                     | 4:23  | nested more than 16 levels deep
        """)
    void rejectsWithOneLocatedProblem(final String file, final String lineColumn, final String message) throws Exception
    {
        final Path path = fixture("reject/" + file);
        final PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse(path));
        final List<PolicyProblem> problems = e.problems();
        assertEquals(1, problems.size(), () -> "one problem expected:\n" + e.getMessage());
        final PolicyProblem problem = problems.get(0);
        assertEquals(path.toString(), problem.at().source());
        assertEquals(lineColumn, problem.at().line() + ":" + problem.at().column(), problem::toString);
        assertTrue(problem.message().contains(message.replace("\\\\", "\\")),
            () -> "message of " + file + ":\n  " + problem.message() + "\nshould contain\n  " + message);
        assertTrue(e.getMessage().startsWith(path + ":" + lineColumn + ": "), e.getMessage());
    }
}
