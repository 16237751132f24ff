package dev.palisade.attestation.tpm;

import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our verdicts against tpm2-tools' {@code tpm2_checkquote}, an independent implementation, on the real swtpm quotes
 * and variants tampered in each part: both accept the genuine ones and both reject every variant.
 */
class CheckquoteCrossCheckTest
{
    @Test
    void ourVerdictIsTpm2ChecquotesOnGenuineAndTamperedQuotes(@TempDir final Path tmp) throws Exception
    {
        assumeTrue(onPath("tpm2_checkquote"), "tpm2_checkquote not installed (Debian tpm2-tools): skipping");
        final Path dir = TestData.require("attestation/swtpm-ecdsa");
        final byte[] quote = Files.readAllBytes(dir.resolve("quote.msg"));
        final byte[] sig = Files.readAllBytes(dir.resolve("quote.sig"));
        final byte[] pcrs = Files.readAllBytes(dir.resolve("quote.pcrs"));
        final String nonce = Files.readString(dir.resolve("nonce.hex")).strip();
        final byte[] rsaQuote = Files.readAllBytes(dir.resolve("quote_rsa.msg"));
        final byte[] rsaSig = Files.readAllBytes(dir.resolve("quote_rsa.sig"));

        final Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("genuine ecdsa", new Object[] {quote, sig, pcrs, nonce, "ak.pub"});
        cases.put("genuine rsassa", new Object[] {rsaQuote, rsaSig, pcrs, nonce, "ak_rsa.pub"});
        cases.put("clock changed", new Object[] {flip(quote, 4 + 2 + 36 + 34 + 7), sig, pcrs, nonce, "ak.pub"});
        cases.put("pcr digest changed", new Object[] {flip(quote, quote.length - 1), sig, pcrs, nonce, "ak.pub"});
        cases.put("signature s changed", new Object[] {quote, flip(sig, sig.length - 1), pcrs, nonce, "ak.pub"});
        cases.put("rsa signature changed", new Object[] {rsaQuote, flip(rsaSig, 100), pcrs, nonce, "ak_rsa.pub"});
        cases.put("other nonce", new Object[] {quote, sig, pcrs, "00" + nonce.substring(2), "ak.pub"});
        cases.put("pcr 16 value changed", new Object[] {quote, sig, flip(pcrs, 0x8C + 66 + 2), nonce, "ak.pub"});
        cases.put("wrong key", new Object[] {quote, sig, pcrs, nonce, "ak_rsa.pub"});

        final List<String> disagreements = new ArrayList<>();
        int i = 0;
        for (final Map.Entry<String, Object[]> c : cases.entrySet())
        {
            final Object[] v = c.getValue();
            final Path q = Files.write(tmp.resolve(i + ".msg"), (byte[])v[0]);
            final Path s = Files.write(tmp.resolve(i + ".sig"), (byte[])v[1]);
            final Path p = Files.write(tmp.resolve(i + ".pcrs"), (byte[])v[2]);
            final Path ak = dir.resolve((String)v[4]);
            i++;
            final boolean theirs = run(List.of("tpm2_checkquote", "-u", ak.toString(), "-m", q.toString(), "-s",
                s.toString(), "-f", p.toString(), "-g", "sha256", "-q", (String)v[3]));
            final TpmAppraisal ours = QuoteVerifier.appraise((byte[])v[0], (byte[])v[1],
                KeyFiles.publicKeyFromPem(Files.readString(ak)), HexFormat.of().parseHex((String)v[3]), (byte[])v[2],
                QuoteVerifier.PcrFormat.SERIALIZED, null);
            final boolean accepted = ours.status() != Status.CONTRAINDICATED;
            if (accepted != theirs)
            {
                disagreements.add(c.getKey() + ": tpm2_checkquote " + (theirs ? "accepts" : "rejects") + ", we " +
                    (accepted ? "accept" : "reject") + " " + ours.reasons());
            }
            assertEquals(c.getKey().startsWith("genuine"), accepted, c.getKey() + ": " + ours.reasons());
        }
        assertEquals(List.of(), disagreements);
    }

    private static boolean run(final List<String> command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "tpm2_checkquote did not finish");
        return process.exitValue() == 0;
    }

    static boolean onPath(final String tool)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] flip(final byte[] bytes, final int index)
    {
        final byte[] out = bytes.clone();
        out[index] ^= 0x01;
        return out;
    }
}
