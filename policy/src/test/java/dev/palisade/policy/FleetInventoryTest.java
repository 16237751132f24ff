package dev.palisade.policy;

import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Policies against a fleet inventory kept outside them (the policy API's). */
class FleetInventoryTest
{
    private static final String FLEET = """
        workloads:
          - name: web
            labels: {app: web}
            addresses: [10.1.0.0/24]
        groups:
          - name: resolvers
            cidrs: [10.9.9.9]
        """;

    private static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: p}
        inventory:
          workloads:
            - name: db
              labels: {app: db}
              addresses: [10.2.0.0/24]
        tiers:
          application:
            - {name: web-db, from: {workload: web}, to: {workload: db}, protocol: tcp, ports: [5432], action: allow}
            - {name: dns, from: {labels: {app: web}}, to: {group: resolvers}, protocol: udp, ports: [53],
               action: allow}
        """;

    @Test
    void rulesReferToTheFleetsNamesAndTheInventoryHoldsBoth() throws Exception
    {
        final Inventory fleet = PolicyParser.parseInventory("inventory", FLEET);
        final Policy policy = PolicyParser.parse("p.yaml", POLICY, fleet);
        assertEquals(List.of("web", "db"), policy.inventory().workloads().stream().map(w -> w.name()).toList());
        assertEquals("resolvers", policy.inventory().groups().getFirst().name());
        // The fleet's labelled workload is selected by the label selector too.
        assertEquals(2, PolicyCompiler.compile(policy).rules().size());
    }

    @Test
    void withoutTheFleetTheSameDocumentNamesWhatIsUnknown()
    {
        final PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse("p.yaml", POLICY));
        assertTrue(e.problems().stream().anyMatch(p -> p.message().startsWith("unknown workload 'web'")),
            e.problems().toString());
    }

    @Test
    void aPolicyMayNotDefineAFleetNameAgain() throws Exception
    {
        final Inventory fleet = PolicyParser.parseInventory("inventory", FLEET);
        final PolicyException e = assertThrows(PolicyException.class, () -> PolicyParser.parse("p.yaml",
            POLICY.replace("name: db", "name: web").replace("{workload: db}", "{workload: web}"), fleet));
        final PolicyProblem problem = e.problems().getFirst();
        assertTrue(problem.message().contains("'web' is defined in the fleet inventory already"), problem.message());
        assertEquals(6, problem.at().line());
    }

    @Test
    void inventoryDocumentsAreCheckedLikeAPolicysInventory()
    {
        final PolicyException unknown = assertThrows(PolicyException.class, () -> PolicyParser.parseInventory(
            "inventory", "workloads: []\nservices: []\n"));
        assertTrue(unknown.problems().getFirst().message().startsWith("unknown key 'services'"),
            unknown.problems().toString());
        assertEquals(2, unknown.problems().getFirst().at().line());
        final PolicyException badCidr = assertThrows(PolicyException.class, () -> PolicyParser.parseInventory(
            "inventory", "groups:\n  - {name: g, cidrs: [10.0.0.300]}\n"));
        assertEquals(2, badCidr.problems().getFirst().at().line());
        assertThrows(PolicyException.class, () -> PolicyParser.parseInventory("inventory", ""));
        assertThrows(PolicyException.class, () -> PolicyParser.parseInventory("inventory", "[1, 2]"));
    }
}
