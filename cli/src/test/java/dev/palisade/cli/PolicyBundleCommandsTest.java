package dev.palisade.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.palisade.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offline release workflow as an operator runs it: root and signing keys, a certificate, a release of the example
 * policy and rules, verification, and each way a bundle is refused, with exit codes and reasons.
 */
class PolicyBundleCommandsTest
{
    private static final String ISSUED = "2026-11-21T12:00:00Z";
    private static final String LATER = "2026-11-22T12:00:00Z";

    @TempDir
    Path dir;

    private String root;
    private String signing;
    private String certificate;

    private String path(final String name)
    {
        return dir.resolve(name).toString();
    }

    @BeforeEach
    void keys()
    {
        root = path("root.key");
        signing = path("signing.key");
        certificate = path("signing.cert");
        assertOk(run("policy", "keygen", "--out", root));
        assertOk(run("policy", "keygen", "--out", signing, "--algorithm", "ecdsa-p256"));
        assertOk(run("policy", "certify-key", "--root-key", root, "--key", signing + ".pub", "--out", certificate,
            "--valid-from", "2026-01-01T00:00:00Z", "--valid-days", "730", "--label", "signing 2026"));
    }

    private static CliTest.Run assertOk(final CliTest.Run run)
    {
        assertEquals(0, run.exitCode(), run.out() + run.err());
        return run;
    }

    private CliTest.Run release(final String out, final String version, final String... more)
    {
        final String[] base = {"policy", "release", "--policy", "../examples/policies/branch.yaml", "--rules",
            "../examples/rules/palisade.snort3.rules", "--signing-key", signing, "--certificate", certificate,
            "--version", version, "--target", "labels:site=fra1", "--issued-at", ISSUED, "--out", out};
        final String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return run(args);
    }

    @Test
    void releaseVerifyAndInspect() throws Exception
    {
        final CliTest.Run released = assertOk(release(path("b1"), "1", "--json"));
        assertTrue(released.out().contains("\"segmentation_rules\":"), released.out());
        assertTrue(released.out().contains("\"dpi_rules\":82"), released.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(signing))));

        // Deterministic: the same inputs give the same bytes.
        assertOk(release(path("b1-again"), "1"));
        assertArrayEquals(Files.readAllBytes(Path.of(path("b1"))), Files.readAllBytes(Path.of(path("b1-again"))));

        final CliTest.Run verified = assertOk(run("policy", "verify", path("b1"), "--root", root + ".pub", "--at",
            LATER, "--dpu", "dpu-1", "--dpu-label", "site=fra1"));
        assertTrue(verified.out().contains("VERIFIED release 1 of 'branch' for labels:site=fra1"), verified.out());

        final CliTest.Run json = assertOk(run("policy", "verify", path("b1"), "--root", root + ".pub", "--at", LATER,
            "--json"));
        assertTrue(json.out().contains("\"verified\":true,\"reason\":null"), json.out());

        final CliTest.Run inspected = assertOk(run("policy", "inspect", path("b1")));
        assertTrue(inspected.out().contains("NOT VERIFIED") && inspected.out().contains("signing 2026"),
            inspected.out());
    }

    @Test
    void refusalsExitOneWithTheReason() throws Exception
    {
        assertOk(release(path("b1"), "1"));
        final String pub = root + ".pub";

        final byte[] bytes = Files.readAllBytes(Path.of(path("b1")));
        bytes[bytes.length / 2] ^= 1;
        Files.write(Path.of(path("tampered")), bytes);
        assertRefused(run("policy", "verify", path("tampered"), "--root", pub, "--at", LATER), "");

        assertOk(run("policy", "keygen", "--out", path("other.key")));
        assertRefused(run("policy", "verify", path("b1"), "--root", path("other.key.pub"), "--at", LATER),
            "unknown_root");
        assertRefused(run("policy", "verify", path("b1"), "--root", pub, "--at", "2027-01-01T00:00:00Z"), "expired");
        assertRefused(run("policy", "verify", path("b1"), "--root", pub, "--at", LATER, "--dpu", "dpu-9",
            "--dpu-label", "site=ams2"), "not_targeted");
        assertRefused(run("policy", "verify", path("b1"), "--root", pub, "--at", LATER, "--running-version", "1"),
            "version_not_newer");

        // Version 2 chains to version 1; a DPU running 1 accepts it.
        assertOk(release(path("b2"), "2", "--previous", path("b1")));
        final String digest = run("policy", "inspect", path("b1"), "--json").out().replaceAll(
            "(?s).*\"digest\":\"sha256:([0-9a-f]{64})\".*", "$1");
        assertOk(run("policy", "verify", path("b2"), "--root", pub, "--at", LATER, "--running-version", "1",
            "--running-digest", digest));
        final CliTest.Run notNewer = release(path("b0"), "1", "--previous", path("b1"));
        assertEquals(2, notNewer.exitCode());
        assertTrue(notNewer.err().contains("--version 1 is not newer than --previous (version 1)"), notNewer.err());

        // Revoke the signing key: a later release that carries the revocation is refused, and so is any release
        // signed from then on once a DPU knows of it.
        assertOk(run("policy", "revoke-key", "--root-key", root, "--key", signing + ".pub", "--from",
            "2026-11-21T00:00:00Z", "--reason", "key leaked", "--out", path("revoked.pem")));
        assertOk(release(path("b3"), "3", "--revocations", path("revoked.pem")));
        assertRefused(run("policy", "verify", path("b3"), "--root", pub, "--at", LATER), "signing_key_revoked");
        assertRefused(run("policy", "verify", path("b2"), "--root", pub, "--at", LATER, "--revocations",
            path("revoked.pem")), "signing_key_revoked");
    }

    private static void assertRefused(final CliTest.Run run, final String reason)
    {
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains(": REFUSED " + reason), run.out());
    }

    @Test
    void keysAreNeverOverwrittenAndLooseOnesAreRefused() throws Exception
    {
        final CliTest.Run again = run("policy", "keygen", "--out", root);
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("exists; key files are never overwritten"), again.err());

        Files.setPosixFilePermissions(Path.of(signing), PosixFilePermissions.fromString("rw-r--r--"));
        final CliTest.Run loose = release(path("b1"), "1");
        assertEquals(3, loose.exitCode());
        assertTrue(loose.err().contains("is readable by others") && loose.err().contains("chmod 600"), loose.err());
        assertTrue(!Files.exists(Path.of(path("b1"))), "no bundle written");

        final CliTest.Run swapped = run("policy", "certify-key", "--root-key", root + ".pub", "--key", signing + ".pub",
            "--out", path("x.cert"));
        assertEquals(3, swapped.exitCode(), swapped.err());
    }

    @Test
    void aPolicyWithErrorsMakesNoRelease() throws Exception
    {
        Files.writeString(Path.of(path("bad.yaml")), "apiVersion: palisade.dev/v1\nkind: Policy\n");
        final CliTest.Run run = run("policy", "release", "--policy", path("bad.yaml"), "--signing-key", signing,
            "--certificate", certificate, "--version", "1", "--out", path("b"));
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("no release written"), run.err());
        assertTrue(!Files.exists(Path.of(path("b"))));
    }
}
