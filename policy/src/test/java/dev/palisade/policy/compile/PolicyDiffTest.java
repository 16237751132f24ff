package dev.palisade.policy.compile;

import dev.palisade.policy.PolicyParser;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PolicyDiffTest
{
    private static final String BASE = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: p}
        inventory:
          workloads:
            - {name: web, labels: {app: web}, addresses: [10.1.0.0/24]}
            - {name: db, labels: {app: db}, addresses: [10.2.0.0/24]}
        tiers:
          application:
            - {name: a, from: {workload: web}, to: {workload: db}, protocol: tcp, ports: [5432], action: allow}
            - {name: b, from: {any: true}, to: {workload: db}, protocol: tcp, action: deny}
            - {name: c, from: {any: true}, to: {entity: host}, protocol: udp, ports: [53], action: allow}
        """;

    private static CompiledPolicy compile(final String text) throws Exception
    {
        return PolicyCompiler.compile(PolicyParser.parse("p.yaml", text));
    }

    private static List<String> describe(final List<PolicyDiff.Change> changes)
    {
        return changes.stream().map(c -> c.kind().label() + " " + c.rule() + (c.fields().isEmpty() ? "" :
            " " + c.fields())).toList();
    }

    @Test
    void sameRulesReformattedAreNoChange() throws Exception
    {
        assertEquals(List.of(), PolicyDiff.diff(compile(BASE), compile(BASE.replace("{any: true}",
            "{ any: true }") + "\n# a comment\n")));
    }

    @Test
    void addedRemovedChangedAndMoved() throws Exception
    {
        final String next = BASE
            .replace("ports: [5432], action: allow}", "ports: [5432, 6432], action: allow}")
            .replace("    - {name: b, from: {any: true}, to: {workload: db}, protocol: tcp, action: deny}\n", "")
            .replace("    - {name: c,", "    - {name: d, from: {any: true}, to: {entity: world}, action: deny}\n" +
                "    - {name: c,");
        assertEquals(List.of("removed b", "changed a [ports]", "added d"), describe(PolicyDiff.diff(compile(BASE),
            compile(next))));
        final String reordered = BASE.replace(
            "    - {name: b, from: {any: true}, to: {workload: db}, protocol: tcp, action: deny}\n", "")
            .replace("  application:\n", "  application:\n    - {name: b, from: {any: true}, to: {workload: db}, " +
                "protocol: tcp, action: deny}\n");
        assertEquals(List.of("moved b", "moved a"), describe(PolicyDiff.diff(compile(BASE), compile(reordered))));
    }

    @Test
    void anInventoryChangeIsAChangeOfWhatARuleMatches() throws Exception
    {
        assertEquals(List.of("changed a [to]", "changed b [to]"), describe(PolicyDiff.diff(compile(BASE),
            compile(BASE.replace("10.2.0.0/24", "10.2.0.0/23")))));
    }
}
