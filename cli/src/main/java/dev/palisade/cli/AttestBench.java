package dev.palisade.cli;

import dev.palisade.attestation.Status;
import dev.palisade.attestation.ear.EarSigner;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.SoftwareAttester;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.attestation.tpm.TpmAppraisal;
import dev.palisade.attestation.verifier.AttestationLedger;
import dev.palisade.attestation.verifier.NonceService;
import dev.palisade.attestation.verifier.PolicyBinding;
import dev.palisade.attestation.verifier.TpmAttestationVerifier;
import dev.palisade.benchmarks.Measurement;
import dev.palisade.policy.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade bench attest}: quote appraisals per second on one core. */
@Command(
    name = "attest",
    description = {
        "Quote appraisals per second on one thread: ECDSA P-256 TPM quotes (TPMS_ATTEST + TPMT_SIGNATURE, two SHA-256 " +
            "PCRs) parsed, signature verified, nonce and PCR digest checked, compared with reference values.",
        "",
        "Two figures: the appraisal alone, and the verifier's whole round per quote (redeem the nonce, bind the " +
            "policy digest, appraise, build and sign the EAR with ES256, record it). Quotes come from a software " +
            "attester in the TPM's formats, one attestation key per DPU.",
        "",
        "Example: palisade bench attest --dpus 100 --json"},
    sortOptions = false)
final class AttestBench implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dpus", paramLabel = "N", defaultValue = "100",
        description = "Attesters, each with its own key (default: ${DEFAULT-VALUE}).")
    int dpus;

    @Option(names = "--quotes", paramLabel = "N", defaultValue = "2000",
        description = "Quotes appraised per round (default: ${DEFAULT-VALUE}).")
    int quotes;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "7", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--swtpm", description = "Instead: the latency of the whole challenge → quote → appraise round " +
        "trip with a real software TPM (swtpm, started on loopback and stopped afterwards) through our TPM client.")
    boolean swtpm;

    @Option(names = "--round-trips", paramLabel = "N", defaultValue = "200",
        description = "With --swtpm: measured round trips after 20 unmeasured ones (default: ${DEFAULT-VALUE}).")
    int roundTrips;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception
    {
        if (swtpm)
        {
            return roundTrips();
        }
        if (dpus < 1 || dpus > 100_000 || quotes < 1 || quotes > 1_000_000 || rounds < 1 || warmup < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--dpus must be 1..100000, --quotes 1..1000000, --rounds >= 1, --warmup >= 0");
        }
        final PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bench attest: %d attesters, %s quotes a round…%n", dpus, Output.count(quotes));
        err.flush();
        final SoftwareAttester[] attesters = new SoftwareAttester[dpus];
        final PcrReference[] references = new PcrReference[dpus];
        final byte[] policy = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bench policy".getBytes());
        for (int i = 0; i < dpus; i++)
        {
            attesters[i] = new SoftwareAttester();
            attesters[i].extend(16, TpmAlgorithm.hash(TpmAlgorithm.SHA256, ("firmware " + i).getBytes()));
            references[i] = PcrReference.parse("pcrs: {sha256: {0: " + HexFormat.of().formatHex(attesters[i].pcr(0)) +
                ", 16: " + HexFormat.of().formatHex(attesters[i].pcr(16)) + "}}");
        }
        // Appraisal alone: quotes made ahead, over fixed nonces.
        final byte[][] nonces = new byte[quotes][];
        final SoftwareAttester.Quote[] made = new SoftwareAttester.Quote[quotes];
        final java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < quotes; i++)
        {
            nonces[i] = new byte[32];
            random.nextBytes(nonces[i]);
            made[i] = attesters[i % dpus].quote(nonces[i], 0, 16);
        }
        final double[] appraisals = new double[rounds];
        for (int r = -warmup; r < rounds; r++)
        {
            final long start = System.nanoTime();
            for (int i = 0; i < quotes; i++)
            {
                final TpmAppraisal a = QuoteVerifier.appraise(made[i].attest(), made[i].signature(),
                    attesters[i % dpus].publicKey(), nonces[i], made[i].pcrValues(), QuoteVerifier.PcrFormat.VALUES,
                    references[i % dpus]);
                if (a.status() != Status.AFFIRMING)
                {
                    throw new IllegalStateException("bench quote not affirmed: " + a.reasons());
                }
            }
            if (r >= 0)
            {
                appraisals[r] = quotes * 1e9 / (System.nanoTime() - start);
                err.printf(Locale.ROOT, "bench attest: appraisal round %d/%d  %s%n", r + 1, rounds,
                    Output.rate(appraisals[r], "quotes/s"));
                err.flush();
            }
        }
        // The verifier's whole round: challenge issued, quote made ahead, then appraised, EAR signed and recorded.
        final TpmAttestationVerifier verifier = new TpmAttestationVerifier(
            new NonceService(NonceService.DEFAULT_LIFETIME_NS, quotes * 2, System::nanoTime), EarSigner.generate("bench"),
            new AttestationLedger(() -> System.currentTimeMillis() / 1000), 300,
            () -> System.currentTimeMillis() / 1000, "bench");
        final TpmAttestationVerifier.Attester[] known = new TpmAttestationVerifier.Attester[dpus];
        for (int i = 0; i < dpus; i++)
        {
            known[i] = new TpmAttestationVerifier.Attester("dpu-" + i, attesters[i].publicKey(), references[i], policy);
        }
        final double[] rounds2 = new double[rounds];
        for (int r = -warmup; r < rounds; r++)
        {
            final TpmAttestationVerifier.Evidence[] evidence = new TpmAttestationVerifier.Evidence[quotes];
            for (int i = 0; i < quotes; i++)
            {
                final byte[] nonce = verifier.challenge();
                final SoftwareAttester.Quote q = attesters[i % dpus].quote(PolicyBinding.qualifyingData(nonce, policy),
                    0, 16);
                evidence[i] = new TpmAttestationVerifier.Evidence(nonce, q.attest(), q.signature(), q.pcrValues(),
                    QuoteVerifier.PcrFormat.VALUES);
            }
            final long start = System.nanoTime();
            for (int i = 0; i < quotes; i++)
            {
                if (verifier.appraise(known[i % dpus], evidence[i]).status() != Status.AFFIRMING)
                {
                    throw new IllegalStateException("bench round not affirmed");
                }
            }
            if (r >= 0)
            {
                rounds2[r] = quotes * 1e9 / (System.nanoTime() - start);
                err.printf(Locale.ROOT, "bench attest: verifier round %d/%d  %s%n", r + 1, rounds,
                    Output.rate(rounds2[r], "quotes/s"));
                err.flush();
            }
        }
        final Measurement appraisal = Measurement.of(appraisals);
        final Measurement whole = Measurement.of(rounds2);
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", "attest");
            m.put("dpus", dpus);
            m.put("quotes_per_round", quotes);
            m.put("appraisals_per_second", BenchCommand.rates(appraisal, 1));
            m.put("verifier_rounds_per_second", BenchCommand.rates(whole, 1));
            m.put("us_per_appraisal", Output.round(1e6 / appraisal.median(), 1));
            m.put("java", Runtime.version().toString());
            out.println(Json.write(m));
        }
        else
        {
            out.println("Quote appraisal, ECDSA P-256, one thread, " + dpus + " attesters");
            Output.row(out, "appraisal", String.format(Locale.ROOT, "%,.0f quotes/s median (%.1f µs each; best %,.0f)",
                appraisal.median(), 1e6 / appraisal.median(), appraisal.best()));
            Output.row(out, "with nonce + EAR", String.format(Locale.ROOT, "%,.0f quotes/s median (%.1f µs each)",
                whole.median(), 1e6 / whole.median()));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** Round trips against swtpm: the verifier's challenge, the TPM's quote and PCR read, the verifier's appraisal. */
    private int roundTrips() throws Exception
    {
        if (roundTrips < 1 || roundTrips > 100_000)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--round-trips must be 1..100000");
        }
        final PrintWriter err = spec.commandLine().getErr();
        final java.nio.file.Path state = java.nio.file.Files.createTempDirectory("palisade-swtpm-");
        final int[] pcrs = {0, 16};
        final byte[] policy = TpmAlgorithm.hash(TpmAlgorithm.SHA256, "bench policy".getBytes());
        final long[] latencies = new long[roundTrips];
        long setupNs;
        try (dev.palisade.attestation.tpm.client.SwtpmProcess process =
                 dev.palisade.attestation.tpm.client.SwtpmProcess.start(state);
             dev.palisade.attestation.tpm.client.Tpm2 tpm = process.client())
        {
            err.printf(Locale.ROOT, "bench attest: swtpm pid %d on 127.0.0.1:%d; creating EK and AK…%n", process.pid(),
                process.port());
            err.flush();
            final long setupStart = System.nanoTime();
            final var ek = tpm.createEk(dev.palisade.attestation.tpm.client.KeyType.RSA);
            final var ak = tpm.createAttestationKey(ek.handle(), dev.palisade.attestation.tpm.client.KeyType.ECC);
            setupNs = System.nanoTime() - setupStart;
            final Map<Integer, byte[]> golden = tpm.pcrRead(TpmAlgorithm.SHA256, pcrs);
            final PcrReference reference = PcrReference.parse("pcrs: {sha256: {0: " +
                HexFormat.of().formatHex(golden.get(0)) + ", 16: " + HexFormat.of().formatHex(golden.get(16)) + "}}");
            final TpmAttestationVerifier verifier = new TpmAttestationVerifier(new NonceService(),
                EarSigner.generate("bench"), new AttestationLedger(() -> System.currentTimeMillis() / 1000), 300,
                () -> System.currentTimeMillis() / 1000, "bench");
            final TpmAttestationVerifier.Attester attester = new TpmAttestationVerifier.Attester("dpu",
                ak.publicArea().publicKey(), reference, policy);
            for (int i = -20; i < roundTrips; i++)
            {
                final long start = System.nanoTime();
                final byte[] nonce = verifier.challenge();
                final var quote = tpm.quote(ak.handle(), PolicyBinding.qualifyingData(nonce, policy),
                    TpmAlgorithm.SHA256, pcrs);
                final Map<Integer, byte[]> values = tpm.pcrRead(TpmAlgorithm.SHA256, pcrs);
                final byte[] concatenated = new byte[64];
                System.arraycopy(values.get(0), 0, concatenated, 0, 32);
                System.arraycopy(values.get(16), 0, concatenated, 32, 32);
                final Status status = verifier.appraise(attester, new TpmAttestationVerifier.Evidence(nonce,
                    quote.attest(), quote.signature(), concatenated, QuoteVerifier.PcrFormat.VALUES)).status();
                if (status != Status.AFFIRMING)
                {
                    throw new IllegalStateException("round trip not affirmed: " + status);
                }
                if (i >= 0)
                {
                    latencies[i] = System.nanoTime() - start;
                }
            }
            tpm.flushQuietly(ak.handle());
            tpm.flushQuietly(ek.handle());
        }
        finally
        {
            try (var files = java.nio.file.Files.walk(state))
            {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        java.util.Arrays.sort(latencies);
        final double p50 = latencies[latencies.length / 2] / 1e6;
        final double p99 = latencies[Math.min(latencies.length - 1, (int)(latencies.length * 0.99))] / 1e6;
        final double max = latencies[latencies.length - 1] / 1e6;
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", "attest-swtpm");
            m.put("round_trips", roundTrips);
            m.put("p50_ms", Output.round(p50, 3));
            m.put("p99_ms", Output.round(p99, 3));
            m.put("max_ms", Output.round(max, 3));
            m.put("ek_ak_setup_ms", Output.round(setupNs / 1e6, 1));
            m.put("java", Runtime.version().toString());
            out.println(Json.write(m));
        }
        else
        {
            out.println("Challenge → quote (swtpm, ECDSA P-256 AK, PCRs 0 and 16) → appraise + EAR, " + roundTrips +
                " round trips");
            Output.row(out, "latency", String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", p50, p99,
                max));
            Output.row(out, "EK + AK creation", String.format(Locale.ROOT, "%.0f ms", setupNs / 1e6));
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
