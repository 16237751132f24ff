package dev.palisade.policy.analysis;

import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Policy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyAnalyzerTest
{
    private static final String HEADER = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata:
          name: t
        inventory:
          workloads:
            - name: web-1
              labels: {app: web}
              addresses: [10.0.1.10]
            - name: db-1
              labels: {app: db}
              addresses: [10.0.2.10]
        tiers:
        """;

    static List<Finding> analyze(final String tiers) throws Exception
    {
        final Policy policy = PolicyParser.parse("t.yaml", HEADER + tiers);
        return PolicyAnalyzer.analyze(policy, PolicyCompiler.compile(policy));
    }

    static String summary(final List<Finding> findings)
    {
        return findings.stream().map(f -> f.kind().label() + ":" + f.rule() + (f.other() == null ? "" : "<" + f.other()))
            .toList().toString();
    }

    @Test
    void reportsARuleShadowedByAnEarlierBroaderOne() throws Exception
    {
        final List<Finding> findings = analyze("""
              application:
                - name: deny-web
                  from: {labels: {app: web}}
                  action: deny
                - name: web-to-db
                  from: {labels: {app: web}}
                  to: {labels: {app: db}}
                  protocol: tcp
                  ports: [5432]
                  action: allow
            """);
        assertEquals("[shadowed:web-to-db<deny-web]", summary(findings));
        final Finding finding = findings.get(0);
        assertEquals(18, finding.at().line(), "located at the shadowed rule (line 18 of the document)");
        assertTrue(finding.message().contains("can never match"), finding.message());
    }

    @Test
    void reportsRedundancyBackwardAndForward() throws Exception
    {
        assertEquals("[redundant:again<web-any]", summary(analyze("""
              application:
                - name: web-any
                  from: {labels: {app: web}}
                  action: allow
                - name: again
                  from: {labels: {app: web}}
                  protocol: tcp
                  action: allow
            """)));
        assertEquals("[redundant:narrow<broad]", summary(analyze("""
              application:
                - name: narrow
                  from: {labels: {app: web}}
                  protocol: tcp
                  ports: [443]
                  action: allow
                - name: broad
                  from: {labels: {app: web}}
                  protocol: tcp
                  action: allow
            """)));
    }

    @Test
    void aConflictingRuleInBetweenMakesTheNarrowRuleMatter() throws Exception
    {
        final List<Finding> findings = analyze("""
              application:
                - name: narrow
                  from: {labels: {app: web}}
                  protocol: tcp
                  ports: [443]
                  action: allow
                - name: block-tcp
                  protocol: tcp
                  action: deny
                - name: broad
                  from: {labels: {app: web}}
                  action: allow
            """);
        assertTrue(findings.stream().noneMatch(f -> f.kind() == Finding.Kind.REDUNDANT), summary(findings));
        assertTrue(findings.stream().anyMatch(f -> f.kind() == Finding.Kind.OVERLAP && f.rule().equals("broad") &&
            "block-tcp".equals(f.other())), summary(findings));
    }

    @Test
    void auditRulesShadowNothingAndPassOnlyHidesItsOwnTier() throws Exception
    {
        assertEquals("[]", summary(analyze("""
              platform:
                - name: staged-deny
                  action: deny
                  audit: true
                - name: web-pass
                  from: {labels: {app: web}}
                  action: pass
              application:
                - name: web-to-db
                  from: {labels: {app: web}}
                  to: {labels: {app: db}}
                  action: allow
            """)));
        assertEquals("[shadowed:web-to-db<web-pass]", summary(analyze("""
              application:
                - name: web-pass
                  from: {labels: {app: web}}
                  action: pass
                - name: web-to-db
                  from: {labels: {app: web}}
                  to: {labels: {app: db}}
                  action: allow
            """)));
    }

    @Test
    void reportsAllowDenyOverlapsWhereNeitherCoversTheOther() throws Exception
    {
        assertEquals("[overlap:deny-to-db<web-out]", summary(analyze("""
              application:
                - name: web-out
                  from: {labels: {app: web}}
                  protocol: tcp
                  action: allow
                - name: deny-to-db
                  to: {labels: {app: db}}
                  action: deny
            """)));
    }

    @Test
    void reportsSelectorsThatSelectNothing() throws Exception
    {
        assertEquals("[empty_selector:ghost]", summary(analyze("""
              application:
                - name: ghost
                  from: {labels: {app: cache}}
                  action: allow
            """)));
    }

    @Test
    void theHostIsNeitherCoveredByNorCoveringLiteralSets() throws Exception
    {
        assertEquals("[]", summary(analyze("""
              platform:
                - name: host-dns
                  from: {entity: host}
                  protocol: udp
                  ports: [53]
                  action: allow
                - name: web-dns
                  from: {labels: {app: web}}
                  protocol: udp
                  ports: [53]
                  action: allow
            """)));
        assertEquals("[shadowed:host-dns<deny-all]", summary(analyze("""
              platform:
                - name: deny-all
                  action: deny
                - name: host-dns
                  from: {entity: host}
                  protocol: udp
                  ports: [53]
                  action: allow
            """)));
    }

    @Test
    void adjacentPortRangesTogetherCover() throws Exception
    {
        assertEquals("[redundant:mid<two-ranges]", summary(analyze("""
              application:
                - name: two-ranges
                  protocol: tcp
                  ports: ["1000-1999", "2000-2999"]
                  action: allow
                - name: mid
                  protocol: tcp
                  ports: ["1500-2500"]
                  action: allow
            """)));
    }
}
