package dev.palisade.attestation.tpm;

import dev.palisade.attestation.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TCG event logs: the replay agrees with tpm2-tools' {@code tpm2_eventlog} (an independent parser) on every PCR of
 * both banks, a log makes a quote's PCRs explainable event by event, and a damaged log is refused, never thrown.
 */
class EventLogTest
{
    private static final int EV_POST_CODE = 0x1;
    private static final int EV_SEPARATOR = 0x4;
    private static final int EV_S_CRTM_VERSION = 0x8;
    private static final int EV_IPL = 0xD;
    private static final int EV_EFI_ACTION = 0x8000_0007;

    /** A crypto-agile log with SHA-1 and SHA-256 banks, a locality-3 start, and typical boot events. */
    static byte[] sampleLog(final String bootloaderCommand)
    {
        return sampleLog(bootloaderCommand, true);
    }

    static byte[] sampleLog(final String bootloaderCommand, final boolean startupLocality)
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final ByteArrayOutputStream spec = new ByteArrayOutputStream();
        spec.writeBytes("Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII));
        le32(spec, 0);
        spec.writeBytes(new byte[] {0, 2, 0, 2});
        le32(spec, 2);
        le16(spec, TpmAlgorithm.SHA1);
        le16(spec, 20);
        le16(spec, TpmAlgorithm.SHA256);
        le16(spec, 32);
        spec.write(0);
        le32(log, 0);
        le32(log, EventLog.EV_NO_ACTION);
        log.writeBytes(new byte[20]);
        le32(log, spec.size());
        log.writeBytes(spec.toByteArray());
        final byte[] locality = Arrays.copyOf("StartupLocality\0".getBytes(StandardCharsets.US_ASCII), 17);
        locality[16] = 3;
        if (startupLocality)
        {
            event(log, 0, EventLog.EV_NO_ACTION, locality, null);
        }
        event(log, 0, EV_S_CRTM_VERSION, "CRTM v1.0".getBytes(StandardCharsets.US_ASCII), null);
        event(log, 0, EV_POST_CODE, "POST CODE".getBytes(StandardCharsets.US_ASCII), null);
        for (int pcr = 0; pcr < 8; pcr++)
        {
            event(log, pcr, EV_SEPARATOR, new byte[4], null);
        }
        event(log, 8, EV_IPL, bootloaderCommand.getBytes(StandardCharsets.US_ASCII), null);
        event(log, 4, EV_EFI_ACTION, "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII),
            null);
        return log.toByteArray();
    }

    private static void event(final ByteArrayOutputStream log, final int pcr, final int type, final byte[] data,
        final byte[] measured)
    {
        final byte[] m = measured == null ? data : measured;
        le32(log, pcr);
        le32(log, type);
        le32(log, 2);
        le16(log, TpmAlgorithm.SHA1);
        log.writeBytes(type == EventLog.EV_NO_ACTION ? new byte[20] : TpmAlgorithm.hash(TpmAlgorithm.SHA1, m));
        le16(log, TpmAlgorithm.SHA256);
        log.writeBytes(type == EventLog.EV_NO_ACTION ? new byte[32] : TpmAlgorithm.hash(TpmAlgorithm.SHA256, m));
        le32(log, data.length);
        log.writeBytes(data);
    }

    private static void le32(final ByteArrayOutputStream out, final int v)
    {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private static void le16(final ByteArrayOutputStream out, final int v)
    {
        out.write(v);
        out.write(v >>> 8);
    }

    @Test
    void theReplayAgreesWithTpm2Eventlog(@TempDir final Path tmp) throws Exception
    {
        assumeTrue(CheckquoteCrossCheckTest.onPath("tpm2_eventlog"), "tpm2_eventlog not installed: skipping");
        // Without a StartupLocality event: tpm2-tools 5.4 extends that EV_NO_ACTION event into PCR 0 instead of
        // starting PCR 0 at the locality as the PC Client PFP (section 10.4.5.3) says; see the next test.
        final byte[] bytes = sampleLog("grub_cmd linux /vmlinuz", false);
        final Path file = Files.write(tmp.resolve("log.bin"), bytes);
        final Process p = new ProcessBuilder("tpm2_eventlog", file.toString()).redirectErrorStream(true).start();
        final String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), yaml);
        final Map<String, String> theirs = new TreeMap<>();
        String bank = null;
        final Matcher m = Pattern.compile("(?m)^  (sha1|sha256):$|^    (\\d+)\\s*: 0x([0-9a-fA-F]+)$")
            .matcher(yaml.substring(yaml.indexOf("\npcrs:")));
        while (m.find())
        {
            if (m.group(1) != null)
            {
                bank = m.group(1);
            }
            else
            {
                theirs.put(bank + ":" + m.group(2), m.group(3).toLowerCase());
            }
        }
        final EventLog log = EventLog.parse(bytes);
        assertTrue(log.cryptoAgile());
        assertEquals(12, log.events().size());
        final Map<String, String> ours = new TreeMap<>();
        log.replay().banks().forEach((alg, values) -> values.forEach((pcr, value) ->
            ours.put(TpmAlgorithm.hashName(alg) + ":" + pcr, HexFormat.of().formatHex(value))));
        assertEquals(18, theirs.size(), yaml);
        assertEquals(theirs, ours);
    }

    @Test
    void aStartupLocalityEventStartsPcr0AtTheLocalityAndIsNotExtended() throws Exception
    {
        final PcrValues replayed = EventLog.parse(sampleLog("x", true)).replay();
        byte[] expected = new byte[32];
        expected[31] = 3;
        for (final String measured : new String[] {"CRTM v1.0", "POST CODE"})
        {
            expected = TpmAlgorithm.hash(TpmAlgorithm.SHA256, expected,
                TpmAlgorithm.hash(TpmAlgorithm.SHA256, measured.getBytes(StandardCharsets.US_ASCII)));
        }
        expected = TpmAlgorithm.hash(TpmAlgorithm.SHA256, expected, TpmAlgorithm.hash(TpmAlgorithm.SHA256, new byte[4]));
        assertEquals(HexFormat.of().formatHex(expected),
            HexFormat.of().formatHex(replayed.value(TpmAlgorithm.SHA256, 0)));
    }

    @Test
    void aLogExplainsTheQuotedPcrsAndATamperedOneIsCaught()
    {
        final byte[] bytes = sampleLog("grub_cmd linux /vmlinuz");
        final PcrValues replayed;
        try
        {
            replayed = EventLog.parse(bytes).replay();
        }
        catch (final TpmFormatException e)
        {
            throw new AssertionError(e);
        }
        // A DPU whose PCRs 4 and 8 hold what the log says: extend a software attester with the same measurements.
        final SoftwareAttester dpu = new SoftwareAttester();
        dpu.extend(4, TpmAlgorithm.hash(TpmAlgorithm.SHA256, new byte[4]));
        dpu.extend(4, TpmAlgorithm.hash(TpmAlgorithm.SHA256,
            "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII)));
        dpu.extend(8, TpmAlgorithm.hash(TpmAlgorithm.SHA256, "grub_cmd linux /vmlinuz".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(HexFormat.of().formatHex(replayed.value(TpmAlgorithm.SHA256, 8)),
            HexFormat.of().formatHex(dpu.pcr(8)));
        final byte[] nonce = new byte[32];
        final SoftwareAttester.Quote q = dpu.quote(nonce, 4, 8);

        final TpmAppraisal withLog = QuoteVerifier.appraise(q.attest(), q.signature(), dpu.publicKey(), nonce, null,
            QuoteVerifier.PcrFormat.AUTO, null, bytes);
        assertEquals(Status.WARNING, withLog.status(), withLog.reasons()::toString);
        assertEquals(Boolean.TRUE, withLog.eventLogValid());
        assertEquals(Boolean.TRUE, withLog.pcrDigestValid(), "the log stands for the PCR values");

        final byte[] altered = sampleLog("grub_cmd linux /evil00"); // same length, another kernel
        final TpmAppraisal wrong = QuoteVerifier.appraise(q.attest(), q.signature(), dpu.publicKey(), nonce, null,
            QuoteVerifier.PcrFormat.AUTO, null, altered);
        assertEquals("eventlog_mismatch", wrong.reasons().get(0).code());

        final TpmAppraisal withValues = QuoteVerifier.appraise(q.attest(), q.signature(), dpu.publicKey(), nonce,
            q.pcrValues(), QuoteVerifier.PcrFormat.VALUES, null, altered);
        assertEquals("eventlog_mismatch", withValues.reasons().get(0).code());
        assertTrue(withValues.reasons().get(0).message().contains("sha256 PCR 8"), withValues.reasons()::toString);
    }

    @Test
    void damagedLogsAreRefusedWithTheirPlace()
    {
        final byte[] bytes = sampleLog("grub_cmd linux /vmlinuz");
        int refused = 0;
        for (int length = 0; length < bytes.length; length++)
        {
            try
            {
                EventLog.parse(Arrays.copyOf(bytes, length));
            }
            catch (final TpmFormatException e)
            {
                refused++;
            }
        }
        // Cuts that fall exactly between events leave a shorter, valid log.
        assertTrue(refused > bytes.length - 20, refused + " of " + bytes.length);
        final byte[] huge = bytes.clone();
        final int firstEventEnd = 32 + 37; // the first event's header and its Spec ID data (2 algorithms)
        huge[firstEventEnd + 4 + 4 + 4 + 2 + 20 + 2 + 32 + 3] = 0x7F; // the locality event's eventSize, top byte
        final TpmFormatException e = assertThrows(TpmFormatException.class, () -> EventLog.parse(huge));
        assertTrue(e.getMessage().contains("eventSize"), e.getMessage());
        final TpmAppraisal a = QuoteVerifier.appraise(new byte[0], new byte[0], new SoftwareAttester().publicKey(),
            new byte[32], null, QuoteVerifier.PcrFormat.AUTO, null, huge);
        assertEquals(Status.CONTRAINDICATED, a.status());
    }
}
