package dev.palisade.enforcement.firewall;

import dev.palisade.enforcement.testing.Seeded;
import dev.palisade.policy.compile.AddressSet;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.Prefix;
import dev.palisade.enforcement.classify.Classifiers;
import dev.palisade.enforcement.classify.FiveTupleClassifier;
import dev.palisade.enforcement.classify.FiveTupleRule;
import dev.palisade.enforcement.classify.LinearClassifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The firewall program (expanded rules, first-match classifiers, chains for pass, a second set for audit, quarantine
 * in front) decides exactly as the policy reads rule by rule ({@link ReferenceFirewall}), on random policies, hosts,
 * quarantines and packets.
 */
class FirewallProgramPropertyTest
{
    private static final List<Prefix> HOST = List.of(RandomPolicies.prefix("10.9.0.0/16"),
        RandomPolicies.prefix("2001:db8:9::/48"));
    private static final int[] PACKET_PROTOCOLS = {6, 17, 1, 58, 50};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "linear"})
    void decidesAsTheRulesReadOneByOne(final String structure)
    {
        final Function<List<FiveTupleRule>, FiveTupleClassifier> classifiers =
            structure.equals("linear") ? LinearClassifier::new : Classifiers::build;
        Seeded.forEachTry("program decides as the reference (" + structure + " classifier)", 400, random ->
        {
            final CompiledPolicy policy = PolicyCompiler.compile(RandomPolicies.policy(random));
            final Quarantine quarantine = random.nextInt(3) == 0 ? randomQuarantine(random, policy) : Quarantine.NONE;
            final FirewallProgram program = new FirewallProgram.Builder(policy).host(HOST)
                .quarantine(quarantine, AddressSet.EMPTY, false).classifiers(classifiers).build(new RuleRegistry());
            final ReferenceFirewall reference = new ReferenceFirewall(policy, HOST,
                quarantine.isEmpty() ? AddressSet.EMPTY : quarantine.resolve(policy, false), quarantine.management());
            final Decision actual = new Decision();
            final Decision expected = new Decision();
            for (int p = 0; p < 300; p++)
            {
                final long[] src = RandomPolicies.randomAddress(random);
                final long[] dst = RandomPolicies.randomAddress(random);
                final int protocol = PACKET_PROTOCOLS[random.nextInt(PACKET_PROTOCOLS.length)];
                final int srcPort = port(random, protocol);
                final int dstPort = port(random, protocol);
                program.decide(src[0], src[1], dst[0], dst[1], srcPort, dstPort, protocol, actual);
                reference.decide(program, src[0], src[1], dst[0], dst[1], srcPort, dstPort, protocol, expected);
                final String packet = "packet " + p + ": proto " + protocol + " " + src[0] + ":" + src[1] + " port " +
                    srcPort + " -> " + dst[0] + ":" + dst[1] + " port " + dstPort + "\n" +
                    new String(policy.encoded(), java.nio.charset.StandardCharsets.UTF_8) + quarantine;
                assertEquals(expected.rule, actual.rule, () -> "rule, " + packet);
                assertEquals(expected.slot, actual.slot, () -> "slot, " + packet);
                assertEquals(expected.flags, actual.flags, () -> "verdict, " + packet);
                assertEquals(expected.auditRule, actual.auditRule, () -> "audit rule, " + packet);
                assertEquals(expected.auditSlot, actual.auditSlot, () -> "audit slot, " + packet);
                assertEquals(expected.auditFlags, actual.auditFlags, () -> "audit verdict, " + packet);
            }
        });
    }

    private static int port(final SplittableRandom random, final int protocol)
    {
        if (protocol == 1 || protocol == 58)
        {
            return random.nextInt(13); // ICMP type or code
        }
        if (protocol == 50)
        {
            return 0;
        }
        return random.nextInt(4) == 0 ? random.nextInt(65536) : random.nextInt(152);
    }

    private static Quarantine randomQuarantine(final SplittableRandom random, final CompiledPolicy policy)
    {
        final List<Quarantine.Target> targets = new ArrayList<>();
        final int n = 1 + random.nextInt(2);
        for (int i = 0; i < n; i++)
        {
            targets.add(switch (random.nextInt(3))
            {
                case 0 -> new Quarantine.Addresses(List.of(RandomPolicies.prefix(RandomPolicies.randomCidr(random))));
                case 1 -> new Quarantine.Workload(policy.workloads().get(random.nextInt(policy.workloads().size())).name());
                default -> new Quarantine.Labels(java.util.Map.of("app",
                    RandomPolicies.APPS.get(random.nextInt(RandomPolicies.APPS.size()))));
            });
        }
        final List<Quarantine.ManagementAccess> management = new ArrayList<>();
        if (random.nextBoolean())
        {
            management.add(new Quarantine.ManagementAccess(RandomPolicies.prefix(RandomPolicies.randomCidr(random)),
                random.nextBoolean() ? 6 : -1, 20, 22 + random.nextInt(60)));
        }
        return new Quarantine(targets, management);
    }
}
