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

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call()
    {
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
}
