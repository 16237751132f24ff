package dev.palisade.cli;

import dev.palisade.attestation.KeyFiles;
import dev.palisade.attestation.Reason;
import dev.palisade.attestation.Status;
import dev.palisade.attestation.spdm.SpdmAppraisal;
import dev.palisade.attestation.spdm.SpdmFormatException;
import dev.palisade.attestation.spdm.SpdmHashAlgorithm;
import dev.palisade.attestation.spdm.SpdmMeasurement;
import dev.palisade.attestation.spdm.SpdmReferenceValues;
import dev.palisade.attestation.spdm.SpdmVerifier;
import dev.palisade.attestation.spdm.TcbFlag;
import dev.palisade.attestation.tpm.PcrReference;
import dev.palisade.attestation.tpm.QuoteVerifier;
import dev.palisade.attestation.tpm.TpmAppraisal;
import dev.palisade.attestation.tpm.TpmAlgorithm;
import dev.palisade.policy.Json;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code palisade attest}: verify attestation evidence. */
@Command(
    name = "attest",
    description = {
        "Verify attestation evidence as the central verifier does: TPM 2.0 quotes and SPDM measurements.",
        ""},
    subcommands = {AttestCommand.VerifyTpm.class, AttestCommand.VerifySpdm.class})
public final class AttestCommand implements Runnable
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
        name = "verify-tpm",
        description = {
            "Verify a TPM 2.0 quote: its form (TPMS_ATTEST), the attestation key's signature (ECDSA, RSASSA, RSA-PSS), " +
                "that it carries your nonce, that the PCR values given with it are the ones it quoted, and that they " +
                "match the reference values.",
            "",
            "Takes tpm2-tools' files: tpm2_quote -m (--quote), -s (--sig; the default TSS form, or -f plain), -o " +
                "(--pcrs; serialized, or values with -F values), and the AK from tpm2_createak -f pem.",
            "",
            "Exit 0: authentic, fresh, and nothing contradicts the reference values (status affirming, or warning " +
                "when there were none to compare). Exit 1: rejected; each reason is named. 2: usage. 3: error.",
            "",
            "Reference values (YAML or JSON): pcrs: {sha256: {0: HEX, 16: HEX}}",
            "",
            "Example: palisade attest verify-tpm --quote quote.msg --sig quote.sig --ak ak.pub --nonce $(cat nonce.hex) " +
                "--pcrs quote.pcrs --reference golden.yaml"},
        sortOptions = false)
    static final class VerifyTpm implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--quote", required = true, paramLabel = "FILE", description = "The quote: TPMS_ATTEST bytes.")
        Path quote;

        @Option(names = "--sig", required = true, paramLabel = "FILE",
            description = "Its signature: TPMT_SIGNATURE bytes, or a DER ECDSA signature (tpm2-tools -f plain).")
        Path signature;

        @Option(names = "--ak", required = true, paramLabel = "PEM",
            description = "The attestation key's public key (PEM SubjectPublicKeyInfo).")
        Path ak;

        @Option(names = "--nonce", required = true, paramLabel = "HEX",
            description = "The nonce (qualifying data) the quote must carry.")
        String nonce;

        @Option(names = "--pcrs", paramLabel = "FILE",
            description = "The PCR values reported with the quote (tpm2-tools serialized or values form).")
        Path pcrs;

        @Option(names = "--pcrs-format", paramLabel = "auto|serialized|values", defaultValue = "auto",
            description = "How --pcrs is encoded (default: ${DEFAULT-VALUE}, told apart by length).")
        String pcrsFormat;

        @Option(names = "--reference", paramLabel = "FILE", description = "Reference values (YAML or JSON).")
        Path reference;

        @Option(names = "--eventlog", paramLabel = "FILE",
            description = "A TCG event log (binary_bios_measurements): its replay must give the quoted PCR values; " +
                "without --pcrs it stands for them.")
        Path eventLog;

        @Option(names = "--json", description = "Print one JSON object: status, reasons, signature_valid, " +
            "nonce_valid, pcr_digest_valid, quote, pcrs.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final byte[] expectedNonce;
            try
            {
                expectedNonce = KeyFiles.hex(nonce);
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--nonce: " + e.getMessage());
            }
            final QuoteVerifier.PcrFormat format;
            try
            {
                format = QuoteVerifier.PcrFormat.valueOf(pcrsFormat.toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--pcrs-format must be auto, serialized or values, not '" + pcrsFormat + "'");
            }
            final AsymmetricKeyParameter key;
            try
            {
                key = KeyFiles.publicKeyFromPem(Files.readString(ak));
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ak " + ak + ": " + e.getMessage());
            }
            PcrReference golden = null;
            if (reference != null)
            {
                try
                {
                    golden = PcrReference.parse(Files.readString(reference));
                }
                catch (final IllegalArgumentException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--reference " + reference + ": " +
                        e.getMessage());
                }
            }
            final TpmAppraisal appraisal = QuoteVerifier.appraise(Files.readAllBytes(quote),
                Files.readAllBytes(signature), key, expectedNonce, pcrs == null ? null : Files.readAllBytes(pcrs),
                format, golden, eventLog == null ? null : Files.readAllBytes(eventLog));
            final PrintWriter out = spec.commandLine().getOut();
            if (json)
            {
                out.println(Json.write(appraisal.toJson()));
            }
            else
            {
                print(out, appraisal);
            }
            out.flush();
            return appraisal.status() == Status.CONTRAINDICATED ? Main.EXIT_FAILED : Main.EXIT_OK;
        }

        private void print(final PrintWriter out, final TpmAppraisal a)
        {
            out.println("TPM quote " + quote + ": " + a.status().label().toUpperCase(Locale.ROOT));
            Output.row(out, "signature", a.signature() == null ? "not decoded" :
                (a.signatureValid() ? "valid" : "INVALID") + " (" + a.signature().schemeName() + ", " +
                    TpmAlgorithm.hashName(a.signature().hashAlg()) + ")");
            Output.row(out, "nonce", a.nonceValid() ? "matches" : "DOES NOT MATCH");
            Output.row(out, "pcr values", a.pcrDigestValid() == null ? "not given" :
                a.pcrDigestValid() ? "match the quote's digest" : "DO NOT MATCH the quote's digest");
            if (a.eventLogValid() != null)
            {
                Output.row(out, "event log", a.eventLogEvents() + " events, " + (a.eventLogValid() ?
                    "replay matches the quote" : "DOES NOT MATCH the quote"));
            }
            if (a.quote() != null)
            {
                Output.row(out, "quoted", a.quote().pcrSelect().toString());
                Output.row(out, "tpm clock", a.quote().clock() + " ms, resets " +
                    Integer.toUnsignedLong(a.quote().resetCount()) + ", restarts " +
                    Integer.toUnsignedLong(a.quote().restartCount()));
            }
            if (a.pcrs() != null)
            {
                a.pcrs().banks().forEach((bank, values) -> values.forEach((index, value) ->
                    Output.row(out, "  " + TpmAlgorithm.hashName(bank) + " pcr " + index,
                        HexFormat.of().formatHex(value))));
            }
            for (final Reason r : a.reasons())
            {
                out.println("rejected: " + r.code() + ": " + r.message());
            }
            for (final Reason w : a.warnings())
            {
                out.println("warning: " + w.code() + ": " + w.message());
            }
        }
    }

    @Command(
        name = "verify-spdm",
        description = {
            "Verify SPDM 1.1/1.2 GET_MEASUREMENTS evidence (BlueField-3, NVIDIA GPUs, other SPDM responders): the " +
                "responder's signature over the transcript as its SPDM version defines it, the certificate chain to " +
                "a trusted root with its DICE extensions (TcbInfo, MultiTcbInfo, UEID), the nonce, and the " +
                "measurements against reference values.",
            "",
            "--transcript: the hex of the GET_MEASUREMENTS request immediately followed by its MEASUREMENTS " +
                "response, as NVIDIA's attestation tools print it (whitespace ignored). --certs: the responder's " +
                "chain in PEM, leaf first or root first.",
            "",
            "Reference values (YAML or JSON): measurements: {1: HEX, 2: HEX}, tcb: [{vendor, model, svn_min, fwid}]",
            "",
            "Exit 0: authentic and nothing contradicts the reference values (affirming; warning when the chain is " +
                "not anchored in --root, no --nonce or no --reference was given). Exit 1: rejected; each reason " +
                "named. 2: usage. 3: error.",
            "",
            "Example: palisade attest verify-spdm --transcript report.hex --certs chain.pem --root device-ca.pem " +
                "--nonce $NONCE --reference golden.yaml --json"},
        sortOptions = false)
    static final class VerifySpdm implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--transcript", required = true, paramLabel = "HEXFILE",
            description = "GET_MEASUREMENTS request + MEASUREMENTS response, hex.")
        Path transcript;

        @Option(names = "--certs", required = true, paramLabel = "PEM",
            description = "The responder's certificate chain.")
        Path certs;

        @Option(names = "--root", paramLabel = "PEM", description = "Trusted root certificate(s) the chain must end in.")
        Path root;

        @Option(names = "--nonce", paramLabel = "HEX", description = "The 32-byte nonce the request must carry.")
        String nonce;

        @Option(names = "--reference", paramLabel = "FILE", description = "Reference values (YAML or JSON).")
        Path reference;

        @Option(names = "--vca", paramLabel = "HEXFILE",
            description = "The connection's VCA messages (GET_VERSION..ALGORITHMS), hex: SPDM 1.2 signs them too.")
        Path vca;

        @Option(names = "--hash", paramLabel = "ALG",
            description = "The negotiated hash when no --vca names it: sha256, sha384 or sha512 (default: by key).")
        String hash;

        @Option(names = "--allow-tcb-flag", paramLabel = "FLAG",
            description = "Accept a DICE TcbInfo operational flag that is otherwise a rejection: notConfigured, " +
                "notSecure, recovery or debug (a lab device, say); repeatable.")
        List<String> allowTcbFlags = new java.util.ArrayList<>();

        @Option(names = "--json", description = "Print one JSON object: version, signature_valid, chain_valid, " +
            "chain_anchored, measurements, nonce, tcb_info, status, reasons.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final SpdmVerifier.Builder builder = SpdmVerifier.builder();
            final java.util.EnumSet<TcbFlag> allowed = java.util.EnumSet.noneOf(TcbFlag.class);
            for (final String label : allowTcbFlags)
            {
                final TcbFlag flag = TcbFlag.ofLabel(label);
                if (flag == null)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--allow-tcb-flag '" + label +
                        "' is not one of notConfigured, notSecure, recovery, debug");
                }
                allowed.add(flag);
            }
            builder.allowTcbFlags(allowed);
            final byte[] evidence;
            final List<X509CertificateHolder> chain;
            try
            {
                evidence = SpdmVerifier.parseHex(Files.readString(transcript));
                chain = SpdmVerifier.readPem(certs);
                if (root != null)
                {
                    builder.roots(SpdmVerifier.readPem(root));
                }
                if (vca != null)
                {
                    builder.vca(SpdmVerifier.parseHex(Files.readString(vca)));
                }
            }
            catch (final SpdmFormatException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (nonce != null)
            {
                try
                {
                    builder.expectedNonce(KeyFiles.hex(nonce));
                }
                catch (final IllegalArgumentException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--nonce: " + e.getMessage());
                }
            }
            if (hash != null)
            {
                builder.hash(switch (hash.toLowerCase(Locale.ROOT).replace("-", ""))
                {
                    case "sha256" -> SpdmHashAlgorithm.SHA_256;
                    case "sha384" -> SpdmHashAlgorithm.SHA_384;
                    case "sha512" -> SpdmHashAlgorithm.SHA_512;
                    default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--hash must be sha256, sha384 or sha512, not '" + hash + "'");
                });
            }
            if (reference != null)
            {
                try
                {
                    builder.referenceValues(SpdmReferenceValues.parse(Files.readString(reference)));
                }
                catch (final IllegalArgumentException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--reference " + reference + ": " +
                        e.getMessage());
                }
            }
            final SpdmAppraisal a = builder.build().verify(evidence, chain);
            final PrintWriter out = spec.commandLine().getOut();
            if (json)
            {
                out.println(Json.write(a.toJson()));
            }
            else
            {
                out.println("SPDM evidence " + transcript + ": " + a.status().label().toUpperCase(Locale.ROOT));
                Output.row(out, "version", a.version() == null ? "unknown" : a.version());
                Output.row(out, "signature", a.signatureValid() ? "valid" : "NOT VALID");
                Output.row(out, "chain", (a.chainValid() ? "valid" : "NOT VALID") +
                    (a.chainAnchored() ? ", anchored in a trusted root" : ", not anchored"));
                Output.row(out, "measurements", String.valueOf(a.measurements().size()));
                for (final SpdmMeasurement m : a.measurements())
                {
                    final String value = HexFormat.of().formatHex(m.value());
                    Output.row(out, "  [" + m.index() + "]", value.length() > 96 ? value.substring(0, 96) + "…" : value);
                }
                for (final Reason r : a.reasons())
                {
                    out.println("reason: " + r.code() + ": " + r.message());
                }
            }
            out.flush();
            return a.status() == Status.CONTRAINDICATED ? Main.EXIT_FAILED : Main.EXIT_OK;
        }
    }
}
