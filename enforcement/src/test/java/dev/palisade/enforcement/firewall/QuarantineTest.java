package dev.palisade.enforcement.firewall;

import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuarantineTest
{
    @Test
    void parsesEveryTargetForm()
    {
        assertEquals(new Quarantine.Addresses(List.of(RandomPolicies.prefix("10.0.1.10"))),
            Quarantine.Target.parse(" 10.0.1.10 "));
        assertEquals(new Quarantine.Addresses(List.of(RandomPolicies.prefix("2001:db8::/64"))),
            Quarantine.Target.parse("2001:db8::/64"));
        assertEquals(new Quarantine.Workload("web-1"), Quarantine.Target.parse("workload=web-1"));
        assertEquals(new Quarantine.Labels(Map.of("app", "web", "env", "prod")),
            Quarantine.Target.parse("app=web,env=prod"));
        assertEquals("env=prod,app=web".length(), Quarantine.Target.parse("app=web,env=prod").describe().length());
        assertEquals("10.0.1.0/24", Quarantine.Target.parse("10.0.1.0/24").describe());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                | empty quarantine target",
        "10.0.1.300        | invalid IPv4 address '10.0.1.300'",
        "10.0.1.1/24       | has host bits set; did you mean 10.0.1.0/24?",
        "workload=         | expected workload=NAME",
        "app=web,=x        | invalid label '=x'",
        "app=              | invalid label 'app='",
    })
    void rejectsBadTargetsSayingWhy(final String text, final String reason)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quarantine.Target.parse(text));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void parsesManagementAccess()
    {
        assertEquals(new Quarantine.ManagementAccess(RandomPolicies.prefix("10.0.9.9"), 6, 22, 22),
            Quarantine.ManagementAccess.parse("10.0.9.9:tcp/22"));
        assertEquals(new Quarantine.ManagementAccess(RandomPolicies.prefix("10.0.9.0/24"), -1, 0, 65535),
            Quarantine.ManagementAccess.parse("10.0.9.0/24"));
        assertEquals(new Quarantine.ManagementAccess(RandomPolicies.prefix("2001:db8::5"), 17, 5000, 5010),
            Quarantine.ManagementAccess.parse("[2001:db8::5]:udp/5000-5010"));
        assertEquals(new Quarantine.ManagementAccess(RandomPolicies.prefix("2001:db8::5"), -1, 0, 65535),
            Quarantine.ManagementAccess.parse("2001:db8::5"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.9.9:sctp/22     | unknown protocol 'sctp'",
        "10.0.9.9:tcp/ssh     | invalid port 'ssh'",
        "10.0.9.9:tcp/22-20   | invalid port range '22-20'",
        "10.0.9.9:tcp/70000   | invalid port range '70000'",
        "[2001:db8::5:tcp/22  | missing ']'",
        "nowhere:tcp/22       | invalid management peer in 'nowhere:tcp/22': invalid address 'nowhere'",
        "2001:db8::5:tcp/22   | invalid management peer",
    })
    void rejectsBadManagementAccessSayingWhy(final String text, final String reason)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Quarantine.ManagementAccess.parse(text));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void resolvesWorkloadsAndLabelsAgainstTheInventoryStrictlyOrNot() throws Exception
    {
        final CompiledPolicy policy = PolicyCompiler.compile(dev.palisade.policy.PolicyParser.parse("q.yaml", """
            apiVersion: palisade.dev/v1
            kind: Policy
            metadata: {name: q}
            inventory:
              workloads:
                - {name: web-1, labels: {app: web}, addresses: [10.0.1.10, "2001:db8::10"]}
                - {name: web-2, labels: {app: web}, addresses: [10.0.1.11]}
                - {name: db-1, labels: {app: db}, addresses: [10.0.2.10]}
            tiers: {}
            """));
        final AddressSet web = new Quarantine(List.of(Quarantine.Target.parse("app=web")), List.of()).resolve(policy);
        assertTrue(web.contains(0, 0x0000_FFFF_0A00_010AL) && web.contains(0, 0x0000_FFFF_0A00_010BL));
        assertTrue(web.contains(0x2001_0db8_0000_0000L, 0x10));
        assertTrue(!web.contains(0, 0x0000_FFFF_0A00_020AL));
        final Quarantine missing = new Quarantine(List.of(Quarantine.Target.parse("app=cache")), List.of());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> missing.resolve(policy));
        assertTrue(e.getMessage().contains("app=cache matches no workload address in the inventory of policy 'q'"),
            e.getMessage());
        assertTrue(missing.resolve(policy, false).isEmpty());
    }
}
