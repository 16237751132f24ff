package dev.palisade.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyCommandTest
{
    @TempDir
    Path dir;

    private static final String VALID = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata:
          name: shop
        inventory:
          workloads:
            - name: web-1
              labels: {app: web}
              addresses: [10.0.1.10]
        tiers:
          application:
            - name: deny-web
              from: {labels: {app: web}}
              action: deny
            - name: web-https
              from: {labels: {app: web}}
              protocol: tcp
              ports: [443]
              action: allow
        """;

    private Path write(final String name, final String text) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void validPolicyWithWarningsExitsZeroAndLocatesThem() throws IOException
    {
        final Path file = write("shop.yaml", VALID);
        final CliTest.Run run = CliTest.run("policy", "check", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("shop.yaml:15:7: warning: shadowed: rule 'web-https'"), run.out());
        assertTrue(run.out().contains("valid, policy 'shop': 2 rules"), run.out());
        assertTrue(run.out().contains("digest sha256:"), run.out());
    }

    @Test
    void invalidPolicyExitsOneWithEveryProblemLocated() throws IOException
    {
        final Path file = write("bad.yaml", VALID.replace("protocol: tcp", "prot: tcp").replace("action: deny",
            "action: drop"));
        final CliTest.Run run = CliTest.run("policy", "check", file.toString());
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("bad.yaml:14:"), run.out());
        assertTrue(run.out().contains("bad.yaml:17:"), run.out());
        assertTrue(run.out().contains("unknown key 'prot'"), run.out());
        assertTrue(run.out().contains("2 errors; the policy cannot be used"), run.out());
    }

    @Test
    void jsonCarriesWarningsAndDigest() throws IOException
    {
        final Path file = write("shop.yaml", VALID);
        final CliTest.Run run = CliTest.run("policy", "check", file.toString(), "--json");
        assertEquals(0, run.exitCode(), run.err());
        final String json = run.out().trim();
        assertTrue(json.contains("\"valid\":true"), json);
        assertTrue(json.contains("\"kind\":\"shadowed\",\"rule\":\"web-https\",\"line\":15"), json);
        assertTrue(json.matches("(?s).*\"digest\":\"sha256:[0-9a-f]{64}\".*"), json);

        final CliTest.Run bad = CliTest.run("policy", "check", write("b.json", "{").toString(), "--json");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.out().contains("\"valid\":false"), bad.out());
    }

    @Test
    void missingFileIsARuntimeErrorNamingIt()
    {
        final CliTest.Run run = CliTest.run("policy", "check", dir.resolve("absent.yaml").toString());
        assertEquals(3, run.exitCode());
        assertTrue(run.err().contains("absent.yaml"), run.err());
    }
}
