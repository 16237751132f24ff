package dev.palisade.enforcement.agent;

import dev.palisade.enforcement.firewall.Firewall;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest
{
    private static final Path FILE = Path.of("/etc/palisade/agent.yaml");

    static final String FULL = """
        id: dpu-r12-07
        labels: {rack: r12, site: fra1}
        data_dir: /var/lib/palisade
        policy_service:
          host: 192.0.2.1
          port: 8443
          ca: agent-ca.pem
          root_key: keys/policy-root.pub
          max_backoff: 20s
        attester: swtpm
        management:
          address: 192.0.2.10
          port: 9443
          certificate: mgmt.pem
          key: mgmt.key
          client_ca: operators-ca.pem
          peers: [192.0.2.0/24]
        host_addresses: [10.0.0.0/24, "2001:db8:1::/64"]
        dataplane:
          workers: 4
          replay: ../captures/t.pcap
          established_flows: keep
        rule_variables: {HOME_NET: "[10.0.0.0/8]"}
        """;

    private static List<String> problems(final String yaml)
    {
        return assertThrows(AgentConfig.ConfigException.class, () -> AgentConfig.parse(FILE, yaml)).problems();
    }

    private static void assertProblem(final List<String> problems, final String start, final String contains)
    {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(start) && p.contains(contains)),
            "no problem '" + start + "…" + contains + "' in " + problems);
    }

    @Test
    void readsEverySettingAndResolvesPathsAgainstTheFile() throws Exception
    {
        final AgentConfig config = AgentConfig.parse(FILE, FULL);
        assertEquals("dpu-r12-07", config.id());
        assertEquals(Map.of("rack", "r12", "site", "fra1"), config.labels());
        assertEquals(Path.of("/var/lib/palisade"), config.dataDir());
        assertEquals(Path.of("/var/lib/palisade/events.jsonl"), config.eventsFile());
        assertEquals("192.0.2.1", config.serviceHost());
        assertEquals(8443, config.servicePort());
        assertEquals(Path.of("/etc/palisade/agent-ca.pem"), config.serviceCa());
        assertEquals(Path.of("/etc/palisade/keys/policy-root.pub"), config.rootKey());
        assertEquals(Duration.ofSeconds(20), config.maxBackoff());
        assertEquals(AgentConfig.Attester.SWTPM, config.attester());
        assertEquals("192.0.2.10", config.managementAddress());
        assertEquals(9443, config.managementPort());
        assertEquals(1, config.managementPlane().endpoints().size());
        assertEquals(9443, config.managementPlane().endpoints().get(0).portLo());
        assertEquals(1, config.managementPlane().peers().size());
        assertEquals(2, config.hostAddresses().size());
        assertEquals(4, config.workers());
        assertEquals(Path.of("/etc/captures/t.pcap"), config.replay());
        assertEquals(Firewall.EstablishedFlows.KEEP, config.establishedFlows());
        assertEquals("[10.0.0.0/8]", config.ruleVariables().get("HOME_NET"));
    }

    @Test
    void defaultsWhereSilent() throws Exception
    {
        final AgentConfig config = AgentConfig.parse(FILE, FULL.replace("  port: 8443\n", "")
            .replace("  max_backoff: 20s\n", "").replace("attester: swtpm\n", "")
            .replace("dataplane:\n  workers: 4\n  replay: ../captures/t.pcap\n  established_flows: keep\n", ""));
        assertEquals(8443, config.servicePort());
        assertEquals(Duration.ofSeconds(30), config.maxBackoff());
        assertEquals(AgentConfig.Attester.TPM, config.attester(), "a real TPM unless told otherwise");
        assertEquals(1, config.workers());
        assertNull(config.replay());
        assertEquals(Firewall.EstablishedFlows.RECHECK, config.establishedFlows());
    }

    @Test
    void reportsEveryProblemAtOnceEachWithItsKey()
    {
        final List<String> problems = problems(FULL.replace("id: dpu-r12-07", "id: 'bad id!'")
            .replace("attester: swtpm", "attester: hsm").replace("  port: 9443", "  port: 70000")
            .replace("  max_backoff: 20s", "  max_backoff: soon").replace("workers: 4", "workers: 0")
            .replace("established_flows: keep", "established_flows: sometimes") + "colour: blue\n");
        assertProblem(problems, "id:", "not a DPU id");
        assertProblem(problems, "attester:", "tpm, swtpm, software");
        assertProblem(problems, "management.port:", "0..65535");
        assertProblem(problems, "policy_service.max_backoff:", "duration");
        assertProblem(problems, "dataplane.workers:", "1..64");
        assertProblem(problems, "dataplane.established_flows:", "recheck or keep");
        assertProblem(problems, "colour:", "unknown key");
        assertEquals(7, problems.size(), problems.toString());
    }

    @Test
    void missingSectionsAndKeysAreNamed()
    {
        final List<String> problems = problems("labels: {a: b}\n");
        assertProblem(problems, "id:", "missing");
        assertProblem(problems, "data_dir:", "missing");
        assertProblem(problems, "policy_service:", "missing");
        assertProblem(problems, "management:", "missing");
        assertProblem(problems, "host_addresses:", "missing");
        final List<String> inner = problems(FULL.replace("  ca: agent-ca.pem\n", "").replace("  address: 192.0.2.10\n",
            ""));
        assertProblem(inner, "policy_service.ca:", "missing");
        assertProblem(inner, "management.address:", "missing");
    }

    @Test
    void emptySectionsNameEachMissingKey()
    {
        final List<String> problems = problems(FULL.replaceAll("(?s)policy_service:.*?attester:", "policy_service: {}\nattester:")
            .replaceAll("(?s)management:.*?host_addresses:", "management: {}\nhost_addresses:"));
        assertProblem(problems, "policy_service.host:", "missing");
        assertProblem(problems, "policy_service.ca:", "missing");
        assertProblem(problems, "policy_service.root_key:", "missing");
        assertProblem(problems, "management.address:", "missing");
        assertProblem(problems, "management.certificate:", "missing");
        assertProblem(problems, "management.client_ca:", "missing");
    }

    @Test
    void theManagementPlaneMustNotBeTheHostsSide()
    {
        assertProblem(problems(FULL.replace("address: 192.0.2.10", "address: 10.0.0.7")), "management.address:",
            "among host_addresses");
        assertProblem(problems(FULL.replace("peers: [192.0.2.0/24]", "peers: [10.0.0.0/16]")), "management.peers:",
            "overlaps host_addresses");
        assertProblem(problems(FULL.replace("address: 192.0.2.10", "address: \"0:0:0:0:0:0:0:0\"")),
            "management.address:", "wildcard");
    }

    @Test
    void badAddressesSayWhichAndWhatIsExpected()
    {
        assertProblem(problems(FULL.replace("[10.0.0.0/24, \"2001:db8:1::/64\"]", "[10.0.0.0/33]")),
            "host_addresses:", "10.0.0.0/33");
        assertProblem(problems(FULL.replace("peers: [192.0.2.0/24]", "peers: [corp]")), "management:", "corp");
        assertProblem(problems(FULL.replace("peers: [192.0.2.0/24]", "peers: 192.0.2.0/24")), "management.peers:",
            "a list");
        assertProblem(problems(FULL.replace("labels: {rack: r12, site: fra1}", "labels: [r12]")), "labels:",
            "mapping");
        assertProblem(problems(FULL.replace("address: 192.0.2.10", "address: 0.0.0.0")), "management.address:",
            "wildcard");
        assertProblem(problems(FULL.replace("address: 192.0.2.10", "address: mgmt.example")), "management:",
            "mgmt.example");
    }

    @Test
    void notYamlOrNotAMappingIsSaidPlainly()
    {
        assertProblem(problems("id: [unclosed"), "not YAML", "");
        assertProblem(problems("- a\n- b\n"), "expected a mapping at the top", "");
        assertProblem(problems("id: a\nid: b\n"), "not YAML", "");
        final AgentConfig.ConfigException e = assertThrows(AgentConfig.ConfigException.class,
            () -> AgentConfig.parse(FILE, "labels: {a: b}\n"));
        assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
    }

    @Test
    void spdmDevicesAreReadWithTheirCommandChainAndTimeout() throws Exception
    {
        final AgentConfig config = AgentConfig.parse(FILE, FULL + """
            spdm_devices:
              - name: nic0
                command: [/opt/vendor/spdm-measure, --nonce, "{nonce}"]
                chain: nic0-chain.pem
                timeout: 5s
              - {name: bmc, command: [measure, "--nonce={nonce}"]}
            """);
        assertEquals(2, config.spdmDevices().size());
        final AgentConfig.SpdmDeviceConfig nic = config.spdmDevices().get(0);
        assertEquals("nic0", nic.name());
        assertEquals(List.of("/opt/vendor/spdm-measure", "--nonce", "{nonce}"), nic.command());
        assertEquals(Path.of("/etc/palisade/nic0-chain.pem"), nic.chain());
        assertEquals(Duration.ofSeconds(5), nic.timeout());
        assertNull(config.spdmDevices().get(1).chain());
        assertEquals(Duration.ofSeconds(10), config.spdmDevices().get(1).timeout());
        assertTrue(AgentConfig.parse(FILE, FULL).spdmDevices().isEmpty());
    }

    @Test
    void everySpdmDeviceProblemIsReportedWithItsKey()
    {
        final List<String> problems = problems(FULL + """
            spdm_devices:
              - name: nic0
                command: [/opt/vendor/spdm-measure]
              - name: nic0
                command: measure
                timeout: forever
              - name: ../x
                command: [m, "{nonce}"]
                serial: 7
              - just-a-name
            """);
        assertProblem(problems, "spdm_devices[0].command", "no argument contains {nonce}");
        assertProblem(problems, "spdm_devices[1].name", "used by another device");
        assertProblem(problems, "spdm_devices[1].command", "expected a list of arguments");
        assertProblem(problems, "spdm_devices[1].timeout", "not a duration");
        assertProblem(problems, "spdm_devices[2].name", "not a device name");
        assertProblem(problems, "spdm_devices[2].serial", "");
        assertProblem(problems, "spdm_devices[3]", "expected a mapping");
        assertProblem(problems(FULL + "spdm_devices: nic0\n"), "spdm_devices", "expected a list");
    }
}
