package dev.palisade.enforcement.agent.channel;

import dev.palisade.attestation.spdm.SpdmTestDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command an agent reaches an SPDM device through, run for real ({@code /bin/sh} scripts standing in for the
 * vendor's requester tool): the nonce is passed on, the JSON it prints is read, and a command that fails, hangs,
 * floods or prints something else is an error that says which and why.
 */
class CommandSpdmDeviceTest
{
    private static final SpdmTestDevice NIC = SpdmTestDevice.create("Palisade NIC");
    private static final byte[] NONCE = HexFormat.of().parseHex("5a".repeat(32));

    @TempDir
    Path dir;

    /** A script printing {@code output} (with $1 the nonce argument), exiting with {@code exit}. */
    private CommandSpdmDevice script(final String body, final Path chain, final Duration timeout) throws IOException
    {
        final Path script = dir.resolve("measure.sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        return new CommandSpdmDevice("nic0", List.of("/bin/sh", script.toString(), "--nonce={nonce}"), chain,
            timeout);
    }

    private CommandSpdmDevice printing(final String json, final Path chain) throws IOException
    {
        final Path out = dir.resolve("out.json");
        Files.writeString(out, json);
        return script("cat '" + out + "'", chain, Duration.ofSeconds(10));
    }

    @Test
    void theNonceIsPassedOnAndTheEvidenceReadBack() throws Exception
    {
        final byte[] transcript = NIC.measure(NONCE);
        final Path out = dir.resolve("out.json");
        Files.writeString(out, new JsonObject().put("transcript", "0x" + HexFormat.of().formatHex(transcript))
            .put("vca", HexFormat.of().formatHex(NIC.vca())).put("chain", NIC.chainPem()).encode());
        final Path seen = dir.resolve("nonce");
        final CommandSpdmDevice device = script("echo \"$1\" > '" + seen + "'; cat '" + out + "'", null,
            Duration.ofSeconds(10));
        final SpdmDevice.Evidence evidence = device.measure(NONCE);
        assertEquals("--nonce=" + "5a".repeat(32), Files.readString(seen).strip());
        assertArrayEquals(transcript, evidence.transcript());
        assertArrayEquals(NIC.vca(), evidence.vca());
        assertEquals(NIC.chainPem(), evidence.chainPem());

        final JsonArray wire = SpdmDevice.measureAll(List.of(device), NONCE);
        assertEquals("nic0", wire.getJsonObject(0).getString("device"));
        assertArrayEquals(transcript, Base64.getDecoder().decode(wire.getJsonObject(0).getString("transcript")));
    }

    @Test
    void theChainComesFromTheConfiguredFileWhenTheCommandPrintsNone() throws Exception
    {
        final Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, NIC.chainPem());
        final SpdmDevice.Evidence evidence = printing("{\"transcript\": \"01 02 03\"}", chain).measure(NONCE);
        assertEquals(NIC.chainPem(), evidence.chainPem());
        assertArrayEquals(new byte[] {1, 2, 3}, evidence.transcript());
        assertNull(evidence.vca());
        final IOException none = assertThrows(IOException.class, () -> printing("{\"transcript\": \"01\"}", null)
            .measure(NONCE));
        assertTrue(none.getMessage().contains("printed no 'chain', and no chain file"), none.getMessage());
    }

    @Test
    void eachWayTheCommandCanFailIsNamed() throws Exception
    {
        final String chain = new JsonObject().put("chain", NIC.chainPem()).encode();
        assertFails(script("echo 'device not found: /dev/mst/mt41692' >&2; exit 3", null, Duration.ofSeconds(10)),
            "exited with 3: device not found: /dev/mst/mt41692");
        assertFails(script("sleep 30", null, Duration.ofMillis(300)), "did not answer within");
        assertFails(printing("measurements follow", null), "did not print a JSON object");
        assertFails(printing("[1, 2]", null), "did not print a JSON object");
        assertFails(printing(chain, null), "printed no 'transcript'");
        assertFails(printing("{\"transcript\": \"0g\", \"chain\": \"x\"}", null), "'transcript'");
        assertFails(printing("{\"transcript\": 12}", null), "'transcript' printed by");
        assertFails(printing("{\"transcript\": \"01\", \"vca\": \"abc\"}", null), "'vca'");
        assertFails(printing("{\"transcript\": \"01\", \"chain\": \"not pem\"}", null), "the device's chain");
        assertFails(printing("{\"transcript\": \"01\", \"chain\": 7}", null), "is not PEM text");
        assertFails(script("yes 00", null, Duration.ofSeconds(1)), "did not answer within");
        assertFails(script("head -c 400000 /dev/zero", null, Duration.ofSeconds(10)),
            "printed more than");
        assertThrows(IllegalArgumentException.class, () -> new CommandSpdmDevice("nic0", List.of("measure"), null,
            Duration.ofSeconds(1)));
    }

    @Test
    void aFailingDeviceFailsTheWholeEvidenceAndIsNamed() throws Exception
    {
        final CommandSpdmDevice broken = script("exit 1", null, Duration.ofSeconds(10));
        final IOException e = assertThrows(IOException.class, () -> SpdmDevice.measureAll(List.of(broken), NONCE));
        assertTrue(e.getMessage().startsWith("SPDM device 'nic0': "), e.getMessage());
    }

    private static void assertFails(final CommandSpdmDevice device, final String says)
    {
        final IOException e = assertThrows(IOException.class, () -> device.measure(NONCE));
        assertTrue(e.getMessage().contains(says), "expected '" + says + "' in: " + e.getMessage());
    }
}
