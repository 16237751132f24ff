package dev.palisade.api.fleet;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way the agent channel refuses a message, with its reason: the agent logs the close reason, and it is all an
 * operator has to find out why a DPU keeps reconnecting. Driven as {@link AgentMessageFuzzTest} drives a session (a
 * real fleet and store; {@code Run.send} also checks that each rejection closes with 4400 and that reason).
 */
class AgentMessageRejectionTest
{
    private static final String HELLO = "{\"type\":\"hello\",\"version\":0,\"digest\":null,\"counters\":{}}";
    private static final String EVIDENCE = "{\"type\":\"evidence\",\"digest\":null,$EVIDENCE}";

    private static AgentMessageFuzzTest.Harness harness;

    @BeforeAll
    static void start() throws Exception
    {
        harness = AgentMessageFuzzTest.Harness.get();
    }

    /** @return the reason the first frame of {@code frames} that is refused was refused with. */
    private static String rejection(final String... frames) throws Exception
    {
        try (AgentMessageFuzzTest.Run run = harness.open())
        {
            String reason = null;
            for (int i = 0; i < frames.length && reason == null; i++)
            {
                reason = run.send(frames[i]);
            }
            if (reason != null)
            {
                assertEquals(Fleet.CLOSE_PROTOCOL, run.channel().closeCode());
            }
            run.finish();
            return reason;
        }
    }

    /** Some certificate, PEM: the device evidence's chain must read before anything else is judged. */
    private static final String PEM = dev.palisade.attestation.pki.Pki.certificatePem(
        dev.palisade.attestation.spdm.SpdmTestDevice.create("Palisade NIC").chain().getFirst());

    @Test
    void notJson() throws Exception
    {
        assertEquals("not a JSON object", rejection("hello"));
        assertEquals("not a JSON object", rejection("[{\"type\":\"hello\"}]"));
        assertEquals("not a JSON object", rejection("{\"type\":\"hello\"} {}"));
    }

    @Test
    void unknownType() throws Exception
    {
        assertEquals("unknown message type 'goodbye'", rejection("{\"type\":\"goodbye\"}"));
        assertEquals("unknown message type 'null'", rejection("{\"version\":0}"));
        // Messages the service sends are not the agent's to send.
        assertEquals("unknown message type 'release'", rejection("{\"type\":\"release\",\"version\":1}"));
    }

    @Test
    void wrongFieldTypes() throws Exception
    {
        assertEquals("malformed hello: version must be a whole number ≥ 0",
            rejection("{\"type\":\"hello\",\"version\":\"1\"}"));
        assertEquals("malformed hello: version must be a whole number ≥ 0", rejection("{\"type\":\"hello\"}"));
        assertEquals("malformed hello: a digest is 64 lower-case hex digits",
            rejection("{\"type\":\"hello\",\"version\":0,\"digest\":\"ABC\"}"));
        assertEquals("malformed hello: counters must be an object",
            rejection("{\"type\":\"hello\",\"version\":0,\"counters\":[1,2]}"));
        assertEquals("malformed report: counters must be an object",
            rejection("{\"type\":\"report\",\"counters\":\"many\"}"));
        assertEquals("malformed evidence: nonce is required", rejection(HELLO, "{\"type\":\"evidence\"}"));
        assertTrue(rejection(HELLO, "{\"type\":\"evidence\",\"nonce\":\"*not base64*\",\"quote\":\"\"," +
            "\"signature\":\"\",\"pcrs\":\"\"}").startsWith("malformed evidence: nonce is not base64: "));
        assertEquals("malformed evidence: quote is required", rejection(HELLO, "{\"type\":\"evidence\"," +
            "\"nonce\":\"$NONCE\"}"));
    }

    @Test
    void deviceEvidenceIsCheckedAndRefusedWhenNotAskedFor() throws Exception
    {
        final String evidence = "{\"type\":\"evidence\",\"nonce\":\"$NONCE\",\"quote\":\"AAAA\"," +
            "\"signature\":\"AAAA\",\"pcrs\":\"AAAA\",\"spdm\":";
        assertEquals("malformed evidence: spdm: must be a list of {device, transcript, vca, chain}",
            rejection(HELLO, evidence + "\"nic0\"}"));
        assertEquals("malformed evidence: spdm[0].transcript: required",
            rejection(HELLO, evidence + "[{\"device\":\"nic0\"}]}"));
        assertEquals("malformed evidence: spdm[0].chain: PEM at byte 0: no -----BEGIN CERTIFICATE----- block",
            rejection(HELLO, evidence + "[{\"device\":\"nic0\",\"transcript\":\"AAAA\",\"chain\":\"x\"}]}"));
        // This service was started without device roots: its challenges say spdm false, and evidence is refused.
        assertEquals("malformed evidence: spdm: this service does not appraise device evidence (the challenge said " +
            "so)", rejection(HELLO, evidence + "[{\"device\":\"nic0\",\"transcript\":\"AAAA\",\"chain\":\"" +
            PEM.replace("\n", "\\n") + "\"}]}"));
    }

    @Test
    void negativeFractionalAndOversizedNumbers() throws Exception
    {
        for (final String version : new String[] {"-1", "1.5", "1e19", "18446744073709551616", "1e400"})
        {
            assertEquals("malformed hello: version must be a whole number ≥ 0",
                rejection("{\"type\":\"hello\",\"version\":" + version + "}"), version);
            assertEquals("malformed ack: version must be a whole number ≥ 0",
                rejection("{\"type\":\"ack\",\"version\":" + version + ",\"digest\":\"$DIGEST\"}"), version);
        }
        assertEquals("malformed report: counters longer than 16 KiB", rejection("{\"type\":\"report\"," +
            "\"counters\":{\"x\":\"" + "y".repeat(16 * 1024) + "\"}}"));
    }

    @Test
    void oneHelloPerConnection() throws Exception
    {
        // Each hello draws a nonce from the fleet's shared pool: a second one on a connection is refused.
        assertEquals("hello was already sent on this connection", rejection(HELLO, HELLO));
    }

    @Test
    void answersToReleasesNeverSent() throws Exception
    {
        assertEquals("ack of version 1, which was not sent", rejection(HELLO, "{\"type\":\"ack\",\"version\":1," +
            "\"digest\":\"$DIGEST\"}"));
        assertEquals("nack of version 1, which was not sent", rejection(HELLO, "{\"type\":\"nack\",\"version\":1," +
            "\"reason\":\"policy_invalid\"}"));
        // Evidence that is not affirming (no valid quote) earns no release, so there is still nothing to answer.
        assertEquals("ack of version 1, which was not sent", rejection(HELLO, "{\"type\":\"evidence\"," +
            "\"nonce\":\"$NONCE\",\"digest\":null,\"quote\":\"AAAA\",\"signature\":\"AAAA\",\"pcrs\":\"AAAA\"}",
            "{\"type\":\"ack\",\"version\":1,\"digest\":\"$DIGEST\"}"));
    }

    @Test
    void answersThatDoNotMatchTheReleaseSent() throws Exception
    {
        final long version = harness.release.rollout().version();
        assertEquals("ack of version " + (version + 1) + ", which was not sent", rejection(HELLO, EVIDENCE,
            "{\"type\":\"ack\",\"version\":" + (version + 1) + ",\"digest\":\"$DIGEST\"}"));
        final String other = "0".repeat(64);
        assertEquals("ack of version " + version + " with digest " + other + ", not the release's " +
            harness.release.digest(), rejection(HELLO, EVIDENCE, "{\"type\":\"ack\",\"version\":" + version +
            ",\"digest\":\"" + other + "\"}"));
    }

    @Test
    void aValidRoundIsNotRejected() throws Exception
    {
        final long version = harness.release.rollout().version();
        try (AgentMessageFuzzTest.Run run = harness.open())
        {
            assertNull(run.send(HELLO));
            assertNull(run.send(EVIDENCE));
            assertEquals(1, run.channel().count("release"), run.channel().sent().toString());
            assertNull(run.send("{\"type\":\"ack\",\"version\":" + version + ",\"digest\":\"$DIGEST\"}"));
            assertNull(run.send("{\"type\":\"report\",\"counters\":{\"packets\":7}}"));
            assertNull(run.channel().closeCode());
            run.finish();
        }
        // Reconnected, running that release: the quote is bound to its digest, and nothing newer is sent.
        try (AgentMessageFuzzTest.Run again = harness.open())
        {
            assertNull(again.send("{\"type\":\"hello\",\"version\":" + version + ",\"digest\":\"$DIGEST\"}"));
            assertNull(again.send("{\"type\":\"evidence\",\"digest\":\"$DIGEST\",$EVIDENCE1}"));
            assertEquals("affirming", again.channel().sent().getLast().getString("status"),
                again.channel().sent().toString());
            assertEquals(0, again.channel().count("release"));
            again.finish();
        }
    }

    @Test
    void aNackWithANullDetailIsRecordedNotRejected() throws Exception
    {
        // The agent NACKs with the message of the check that failed, which may be null; that NACK once broke the
        // channel (a NullPointerException, closed as malformed) and was never recorded, so the release came again.
        final long version = harness.release.rollout().version();
        assertNull(rejection(HELLO, EVIDENCE, "{\"type\":\"nack\",\"version\":" + version + ",\"reason\":" +
            "\"malformed_bundle\",\"detail\":null}"));
        assertEquals("malformed_bundle", harness.fleet.store().getDpu(AgentMessageFuzzTest.Harness.DPU)
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).lastNackReason());
        assertNull(rejection(HELLO, EVIDENCE, "{\"type\":\"nack\",\"version\":" + version + ",\"reason\":null}"));
        assertEquals("unspecified", harness.fleet.store().getDpu(AgentMessageFuzzTest.Harness.DPU)
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).lastNackReason());
    }

    @Test
    void unknownFieldsAreIgnoredNotRejected() throws Exception
    {
        // Deliberately lenient, unlike enrolment: an agent newer than the service may add a field, and refusing it
        // would disconnect that agent for good.
        assertNull(rejection("{\"type\":\"hello\",\"version\":0,\"digest\":null,\"counters\":{},\"extra\":[1]}",
            "{\"type\":\"report\",\"counters\":{},\"uptime_s\":5}"));
    }

    @Test
    void aCloseReasonFitsInACloseFrame() throws Exception
    {
        // RFC 6455, 5.5: a close frame's reason is at most 123 bytes; a longer one breaks the connection instead
        // (the agent sees 1006 and no reason). Run.send checks the length; this is the case that needs it.
        final String type = "ü".repeat(200);
        final String reason = rejection(new JsonObject().put("type", type).encode());
        assertEquals("unknown message type '" + type + "'", reason);
        try (AgentMessageFuzzTest.Run run = harness.open())
        {
            run.send(new JsonObject().put("type", type).encode());
            final String sent = run.channel().closeReason();
            assertTrue(sent.getBytes(StandardCharsets.UTF_8).length <= 123, sent);
            assertTrue(reason.startsWith(sent.substring(0, sent.length() - 1)), sent);
            run.finish();
        }
    }
}
