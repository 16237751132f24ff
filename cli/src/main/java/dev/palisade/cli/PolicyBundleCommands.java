package dev.palisade.cli;

import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.policy.AtomicFiles;
import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleFormatException;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.Manifest;
import dev.palisade.policy.bundle.PolicyKeyFiles;
import dev.palisade.policy.bundle.SigningKey;
import dev.palisade.policy.bundle.TargetSelector;
import dev.palisade.policy.bundle.VerificationKey;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicyDecoder;
import dev.palisade.policy.compile.PolicyCompiler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade policy release | verify | inspect}: signed policy bundles, offline. */
final class PolicyBundleCommands
{
    private PolicyBundleCommands()
    {
    }

    @Command(
        name = "release",
        description = {
            "Compile a policy and DPI rules into a signed release bundle, offline (the policy API does the same " +
                "for the fleet).",
            "",
            "The bundle is deterministic: the same inputs, keys and times make the same bytes. DPI rules that " +
                "use keywords this engine does not implement are left out and listed; invalid rules stop the " +
                "release. Versions grow per target: give --previous (the target's last bundle) to chain to it.",
            "",
            "Example: palisade policy release --policy branch.yaml --rules site.rules --signing-key signing.key " +
                "--certificate signing.cert --version 1 --target labels:site=fra1 --out branch-1.bundle"},
        sortOptions = false)
    static final class Release implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--policy", required = true, paramLabel = "FILE", description = "The policy (YAML or JSON).")
        Path policy;

        @Option(names = "--rules", paramLabel = "FILE", description = "DPI rule files (Suricata or Snort 3); " +
            "repeatable. Without, the release has no DPI rules.")
        List<Path> rules = new ArrayList<>();

        @Option(names = "--signing-key", required = true, paramLabel = "FILE",
            description = "The policy-signing private key (owner-only).")
        Path signingKey;

        @Option(names = "--certificate", required = true, paramLabel = "FILE",
            description = "The root's certificate for the signing key (from certify-key).")
        Path certificate;

        @Option(names = "--revocations", paramLabel = "FILE",
            description = "Root-signed revocations to carry to DPUs (from revoke-key); repeatable.")
        List<Path> revocations = new ArrayList<>();

        @Option(names = "--version", required = true, paramLabel = "N", description = "The release version (>= 1).")
        long version;

        @Option(names = "--target", paramLabel = "SELECTOR", defaultValue = "all",
            description = "all, dpus:ID[,ID…] or labels:KEY=VALUE[,…] (default: ${DEFAULT-VALUE}).")
        String target;

        @Option(names = "--previous", paramLabel = "BUNDLE",
            description = "The target's previous release: this one chains to its digest and must be newer.")
        Path previous;

        @Option(names = "--issued-at", paramLabel = "TIME", description = "Issue time, ISO-8601 (default: now).")
        String issuedAt;

        @Option(names = "--expires-in-days", paramLabel = "DAYS", defaultValue = "30",
            description = "DPUs refuse the release after this many days (default: ${DEFAULT-VALUE}).")
        int expiresInDays;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the bundle.")
        Path out;

        @Option(names = "--json", description = "Print one JSON object: bundle, digest, version, rules, timings.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final PrintWriter console = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            if (version < 1)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--version must be at least 1");
            }
            if (expiresInDays < 1)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--expires-in-days must be at least 1");
            }
            final TargetSelector selector;
            try
            {
                selector = TargetSelector.parse(target);
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--target: " + e.getMessage());
            }
            final Instant issued = issuedAt == null ? Instant.now() : PolicyKeyCommands.instant(spec, "--issued-at",
                issuedAt);
            byte[] previousDigest = null;
            if (previous != null)
            {
                final Bundle earlier;
                try
                {
                    earlier = Bundle.decode(Files.readAllBytes(previous));
                }
                catch (final BundleFormatException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--previous " + previous + ": " +
                        e.getMessage());
                }
                if (earlier.manifest().version() >= version)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--version " + version + " is not " +
                        "newer than --previous (version " + earlier.manifest().version() + ")");
                }
                if (!earlier.manifest().target().equals(selector))
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--previous is for target " +
                        earlier.manifest().target() + ", this release for " + selector);
                }
                previousDigest = earlier.digest();
            }
            final SigningKey key = PolicyKeyCommands.readPrivate(spec, "--signing-key", signingKey);
            final List<KeyStatement.Signed> certificates = PolicyKeyCommands.readStatements(spec, "--certificate",
                certificate);
            if (certificates.size() != 1 || !(certificates.getFirst().statement() instanceof KeyStatement.Certificate))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--certificate " + certificate +
                    " must hold one certificate (from certify-key)");
            }
            final List<KeyStatement.Signed> carried = new ArrayList<>();
            for (final Path file : revocations)
            {
                for (final KeyStatement.Signed statement : PolicyKeyCommands.readStatements(spec, "--revocations",
                    file))
                {
                    if (!(statement.statement() instanceof KeyStatement.Revocation))
                    {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--revocations " + file +
                            " holds a certificate, not a revocation");
                    }
                    carried.add(statement);
                }
            }

            final long startNs = System.nanoTime();
            final CompiledPolicy compiled;
            try
            {
                compiled = PolicyCompiler.compile(PolicyParser.parse(policy));
            }
            catch (final PolicyException ex)
            {
                for (final PolicyProblem problem : ex.problems())
                {
                    err.println(problem.at() + ": error: " + problem.message());
                }
                err.println(policy + ": the policy cannot be used; no release written");
                err.flush();
                return Main.EXIT_FAILED;
            }
            final long compiledNs = System.nanoTime();
            final RuleFiles.Report report = RuleFiles.load(rules, RuleVariables.defaults());
            if (!report.invalid().isEmpty())
            {
                for (final LoadResult.Invalid invalid : report.invalid())
                {
                    err.println(invalid.file() + ":" + invalid.line() + ": error: " + invalid.message());
                }
                err.println(report.invalid().size() + " invalid DPI rules; fix or remove them. No release written");
                err.flush();
                return Main.EXIT_FAILED;
            }
            final StringBuilder ruleText = new StringBuilder();
            report.loaded().forEach(rule -> ruleText.append(rule.text().replace('\n', ' ')).append('\n'));
            if (!report.skipped().isEmpty())
            {
                err.println(report.skipped().size() + " DPI rules left out for keywords this engine does not " +
                    "implement: " + report.skippedByKeyword());
            }
            final long rulesNs = System.nanoTime();
            final Bundle bundle;
            try
            {
                bundle = Bundle.sign(new Bundle.Content(compiled.name(), version, selector, issued,
                    issued.plus(Duration.ofDays(expiresInDays)), previousDigest, compiled.encoded(),
                    ruleText.toString().getBytes(StandardCharsets.UTF_8), report.loaded().size()), key,
                    certificates.getFirst(), carried);
            }
            catch (final IllegalArgumentException e)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            final byte[] encoded = bundle.encode();
            final long signedNs = System.nanoTime();
            AtomicFiles.write(out, encoded, false, true);

            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("bundle", out.toString());
            m.put("digest", "sha256:" + bundle.digestHex());
            m.put("version", version);
            m.put("target", selector.toString());
            m.put("policy", compiled.name());
            m.put("segmentation_rules", compiled.rules().size());
            m.put("dpi_rules", report.loaded().size());
            m.put("dpi_rules_skipped", report.skipped().size());
            m.put("bytes", encoded.length);
            m.put("expires_at", bundle.manifest().expiresAt().toString());
            m.put("compile_ms", Output.round((compiledNs - startNs) / 1e6, 1));
            m.put("rules_ms", Output.round((rulesNs - compiledNs) / 1e6, 1));
            m.put("sign_ms", Output.round((signedNs - rulesNs) / 1e6, 1));
            if (json)
            {
                console.println(Json.write(m));
            }
            else
            {
                console.println("wrote " + out + ": " + bundle.manifest());
                Output.row(console, "digest", "sha256:" + bundle.digestHex());
                Output.row(console, "size", Output.bytes(encoded.length));
                Output.row(console, "segmentation rules", compiled.rules().size());
                Output.row(console, "dpi rules", report.loaded().size() + " (" + report.skipped().size() +
                    " left out)");
                Output.row(console, "signed by", key.publicKey() + ", " + certificates.getFirst().describe());
                Output.row(console, "took", m.get("compile_ms") + " ms compile, " + m.get("rules_ms") +
                    " ms rules, " + m.get("sign_ms") + " ms sign");
            }
            console.flush();
            err.flush();
            return Main.EXIT_OK;
        }
    }

    @Command(
        name = "verify",
        description = {
            "Check a policy bundle offline, as a DPU does before it runs one: the signing key's certificate from " +
                "the pinned root, revocations, the signature, the payload digests, issue and expiry times, and " +
                "that the compiled policy reads. With --dpu, --running-version: that it targets that DPU and is " +
                "newer than (and chains to) what it runs.",
            "",
            "Exit 0: verified. Exit 1: refused, with the reason (malformed_bundle, unknown_root, " +
                "certificate_invalid, revocation_invalid, signing_key_not_valid, signing_key_revoked, " +
                "signature_invalid, payload_digest_mismatch, issued_in_future, expired, not_targeted, " +
                "version_not_newer, previous_mismatch, malformed_policy). 2: usage. 3: error.",
            "",
            "Example: palisade policy verify branch-1.bundle --root root.key.pub"},
        sortOptions = false)
    static final class Verify implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "BUNDLE", description = "The bundle file.")
        Path file;

        @Option(names = "--root", required = true, paramLabel = "PEM", description = "The pinned root public key.")
        Path root;

        @Option(names = "--at", paramLabel = "TIME", description = "Check times as of this instant (default: now).")
        String at;

        @Option(names = "--revocations", paramLabel = "FILE", description = "Revocations already known; repeatable.")
        List<Path> revocations = new ArrayList<>();

        @Option(names = "--dpu", paramLabel = "ID", description = "Require the release to target this DPU.")
        String dpu;

        @Option(names = "--dpu-label", paramLabel = "KEY=VALUE", description = "The DPU's labels (with --dpu).")
        Map<String, String> dpuLabels = new LinkedHashMap<>();

        @Option(names = "--running-version", paramLabel = "N",
            description = "Require a version newer than this one.")
        Long runningVersion;

        @Option(names = "--running-digest", paramLabel = "HEX",
            description = "With --running-version: the next version must chain to this release digest.")
        String runningDigest;

        @Option(names = "--json", description = "Print one JSON object: verified, reason, detail, release.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final VerificationKey rootKey = PolicyKeyCommands.readPublic(spec, "--root", root);
            final BundleVerifier.Builder builder = BundleVerifier.builder().root(rootKey)
                .now(at == null ? Instant.now() : PolicyKeyCommands.instant(spec, "--at", at));
            for (final Path revocation : revocations)
            {
                try
                {
                    builder.knownRevocations(PolicyKeyCommands.readStatements(spec, "--revocations", revocation));
                }
                catch (final IllegalArgumentException e)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--revocations " + revocation + ": " +
                        e.getMessage());
                }
            }
            if (dpu != null)
            {
                builder.target(dpu, dpuLabels);
            }
            else if (!dpuLabels.isEmpty())
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dpu-label needs --dpu");
            }
            if (runningVersion != null)
            {
                byte[] digest = null;
                if (runningDigest != null)
                {
                    try
                    {
                        digest = HexFormat.of().parseHex(runningDigest.replaceFirst("^sha256:", ""));
                    }
                    catch (final IllegalArgumentException e)
                    {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--running-digest is not hex");
                    }
                    if (digest.length != 32)
                    {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--running-digest is " +
                            digest.length + " bytes, not 32");
                    }
                }
                builder.running(runningVersion, digest);
            }
            else if (runningDigest != null)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--running-digest needs " +
                    "--running-version");
            }
            final long size = Files.size(file);
            final BundleVerifier.Result result = size > Bundle.MAX_BUNDLE_BYTES ?
                new BundleVerifier.Rejected(BundleVerifier.Reason.MALFORMED_BUNDLE, "the file is " + size +
                    " bytes, over the limit of " + Bundle.MAX_BUNDLE_BYTES) :
                builder.build().verify(Files.readAllBytes(file));
            String reason = null;
            String detail = null;
            Bundle bundle = null;
            CompiledPolicy compiled = null;
            switch (result)
            {
                case BundleVerifier.Verified verified ->
                {
                    bundle = verified.bundle();
                    try
                    {
                        compiled = CompiledPolicyDecoder.decode(bundle.policy());
                    }
                    catch (final CompiledPolicyDecoder.FormatException e)
                    {
                        reason = "malformed_policy";
                        detail = "the signed policy does not read: " + e.getMessage();
                    }
                }
                case BundleVerifier.Rejected rejected ->
                {
                    reason = rejected.reason().label();
                    detail = rejected.detail();
                }
            }
            final PrintWriter console = spec.commandLine().getOut();
            if (json)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("bundle", file.toString());
                m.put("verified", reason == null);
                m.put("reason", reason);
                m.put("detail", detail);
                m.put("release", bundle == null ? null : describe(bundle));
                if (compiled != null)
                {
                    m.put("segmentation_rules", compiled.rules().size());
                }
                console.println(Json.write(m));
            }
            else if (reason == null)
            {
                console.println(file + ": VERIFIED " + bundle.manifest());
                Output.row(console, "digest", "sha256:" + bundle.digestHex());
                Output.row(console, "segmentation rules", compiled.rules().size());
                Output.row(console, "signed by", bundle.signatures().getFirst().certificate().describe());
            }
            else
            {
                console.println(file + ": REFUSED " + reason + ": " + detail);
            }
            console.flush();
            return reason == null ? Main.EXIT_OK : Main.EXIT_FAILED;
        }
    }

    @Command(
        name = "inspect",
        description = {
            "Show what a bundle says it is (version, target, times, digests, signing keys, revocations) without " +
                "verifying it: use verify for that.",
            "",
            "Example: palisade policy inspect branch-1.bundle --json"},
        sortOptions = false)
    static final class Inspect implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "BUNDLE", description = "The bundle file.")
        Path file;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final Bundle bundle;
            try
            {
                bundle = Bundle.decode(Files.readAllBytes(file));
            }
            catch (final BundleFormatException e)
            {
                spec.commandLine().getOut().println(file + ": not a readable bundle: " + e.getMessage());
                spec.commandLine().getOut().flush();
                return Main.EXIT_FAILED;
            }
            final PrintWriter console = spec.commandLine().getOut();
            final Map<String, Object> m = describe(bundle);
            if (json)
            {
                console.println(Json.write(m));
            }
            else
            {
                console.println(file + " (NOT VERIFIED: palisade policy verify checks it)");
                m.forEach((key, value) -> Output.row(console, key, value == null ? "none" :
                    value instanceof List<?> list ? (list.isEmpty() ? "none" :
                    String.join("; ", list.stream().map(String::valueOf).toList())) : value));
            }
            console.flush();
            return Main.EXIT_OK;
        }
    }

    static Map<String, Object> describe(final Bundle bundle)
    {
        final Manifest manifest = bundle.manifest();
        final HexFormat hex = HexFormat.of();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("digest", "sha256:" + bundle.digestHex());
        m.put("policy", manifest.policyName());
        m.put("version", manifest.version());
        m.put("target", manifest.target().toString());
        m.put("issued_at", manifest.issuedAt().toString());
        m.put("expires_at", manifest.expiresAt().toString());
        m.put("previous", manifest.isFirst() ? null : "sha256:" + hex.formatHex(manifest.previousDigest()));
        m.put("policy_digest", "sha256:" + hex.formatHex(manifest.policyDigest()));
        m.put("policy_bytes", manifest.policyLength());
        m.put("dpi_rules", manifest.ruleCount());
        m.put("rules_digest", "sha256:" + hex.formatHex(manifest.rulesDigest()));
        m.put("signatures", bundle.signatures().stream().map(s -> s.certificate().describe()).toList());
        m.put("revocations", bundle.revocations().stream().map(KeyStatement.Signed::describe).toList());
        return m;
    }
}
