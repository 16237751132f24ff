package dev.palisade.cli;

import dev.palisade.benchmarks.SyntheticPolicy;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.analysis.PolicyAnalyzer;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.SignatureAlgorithm;
import dev.palisade.policy.bundle.SigningKey;
import dev.palisade.policy.bundle.TargetSelector;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.CompiledPolicyDecoder;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Policy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code palisade bench release}: the time to compile and sign a release of a large policy and rule set. */
@Command(
    name = "release",
    description = {
        "The time to compile and sign a policy release as the policy service does: parse the policy document, " +
            "compile it, parse the DPI rules, sign the bundle; and on the DPU's side, verify it and read the " +
            "compiled policy back. The policy analysis (shadowed and redundant rules, shown on dry runs) is timed " +
            "apart.",
        "",
        "The policy is synthetic (workloads with labels and subnets, CIDR groups, rules over all tiers); the DPI " +
            "rules are the first N that load from a rule directory (ET Open by default).",
        "",
        "Example: palisade bench release --segmentation-rules 10000 --dpi-rules 4000 --json"},
    sortOptions = false)
final class ReleaseBench implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--segmentation-rules", paramLabel = "N", defaultValue = "10000",
        description = "Rules in the policy (default: ${DEFAULT-VALUE}).")
    int segmentationRules;

    @Option(names = "--workloads", paramLabel = "N", defaultValue = "2000",
        description = "Workloads in its inventory (default: ${DEFAULT-VALUE}).")
    int workloads;

    @Option(names = "--dpi-rules", paramLabel = "N", defaultValue = "4000",
        description = "DPI rules in the release (default: ${DEFAULT-VALUE}).")
    int dpiRules;

    @Option(names = "--rules-dir", paramLabel = "DIR",
        description = "Where the DPI rules come from: *.rules files, read in name order (default: ET Open 2019 in " +
            "../shared/data/dpi/rules).")
    Path rulesDir;

    @Option(names = "--algorithm", paramLabel = "ed25519|ecdsa-p256", defaultValue = "ed25519",
        description = "Signing algorithm (default: ${DEFAULT-VALUE}).")
    String algorithm;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--no-analysis", description = "Skip timing the policy analysis.")
    boolean noAnalysis;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception
    {
        if (segmentationRules < 1 || dpiRules < 0 || rounds < 1 || warmup < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--segmentation-rules and --rounds must " +
                "be at least 1; --dpi-rules and --warmup at least 0");
        }
        final SignatureAlgorithm chosen;
        try
        {
            chosen = SignatureAlgorithm.ofLabel(algorithm);
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--algorithm: " + e.getMessage());
        }
        final PrintWriter err = spec.commandLine().getErr();
        final String document = SyntheticPolicy.yaml("bench", segmentationRules, workloads, 42);
        final String ruleText = dpiRules == 0 ? "" : pickRules(err);
        final byte[] rules = ruleText.getBytes(StandardCharsets.UTF_8);

        final SecureRandom random = new SecureRandom();
        final SigningKey root = SigningKey.generate(chosen, random);
        final SigningKey signer = SigningKey.generate(chosen, random);
        final Instant now = Instant.now();
        final KeyStatement.Signed certificate = KeyStatement.certify(root, signer.publicKey(),
            now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), 1, "bench");
        final BundleVerifier verifier = BundleVerifier.builder().root(root.publicKey()).now(now.plusSeconds(1))
            .build();

        final String[] stages = {"parse_policy", "compile", "parse_rules", "sign", "total", "analysis",
            "dpu_verify_and_decode"};
        final double[][] ms = new double[stages.length][rounds];
        int compiledRules = 0;
        int bundleBytes = 0;
        int findings = 0;
        err.println("bench release: " + segmentationRules + " segmentation rules over " + workloads + " workloads (" +
            Output.bytes(document.length()) + " of YAML), " + dpiRules + " DPI rules; " + warmup + " warm-up and " +
            rounds + " measured rounds");
        for (int round = -warmup; round < rounds; round++)
        {
            final long t0 = System.nanoTime();
            final Policy policy = PolicyParser.parse("bench.yaml", document);
            final long t1 = System.nanoTime();
            final CompiledPolicy compiled = PolicyCompiler.compile(policy);
            final long t2 = System.nanoTime();
            final int loaded = countLoaded(ruleText);
            final long t3 = System.nanoTime();
            final Bundle bundle = Bundle.sign(new Bundle.Content("bench", 1, TargetSelector.all(), now,
                now.plus(Duration.ofDays(30)), null, compiled.encoded(), rules, loaded), signer, certificate,
                List.of());
            final byte[] encoded = bundle.encode();
            final long t4 = System.nanoTime();
            if (!(verifier.verify(encoded) instanceof BundleVerifier.Verified verified))
            {
                throw new IllegalStateException("the bundle just signed does not verify");
            }
            CompiledPolicyDecoder.decode(verified.bundle().policy());
            final long t5 = System.nanoTime();
            final int found = noAnalysis ? 0 : PolicyAnalyzer.analyze(policy, compiled).size();
            final long t6 = System.nanoTime();
            final String progress = String.format(Locale.ROOT, "  round %d%s: compile and sign %.0f ms, DPU verify " +
                "%.0f ms%s", round < 0 ? round + warmup + 1 : round + 1, round < 0 ? " (warm-up)" : "",
                (t4 - t0) / 1e6, (t5 - t4) / 1e6, noAnalysis ? "" : String.format(Locale.ROOT, ", analysis %.0f ms",
                (t6 - t5) / 1e6));
            err.println(progress);
            err.flush();
            if (round >= 0)
            {
                final long[] times = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, t6 - t5, t5 - t4};
                for (int s = 0; s < stages.length; s++)
                {
                    ms[s][round] = times[s] / 1e6;
                }
                compiledRules = compiled.rules().size();
                bundleBytes = encoded.length;
                findings = found;
            }
        }
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("segmentation_rules", compiledRules);
        m.put("workloads", workloads);
        m.put("dpi_rules", countLoaded(ruleText));
        m.put("algorithm", chosen.label());
        m.put("bundle_bytes", bundleBytes);
        m.put("analysis_findings", noAnalysis ? null : findings);
        m.put("rounds", rounds);
        final Map<String, Object> medians = new LinkedHashMap<>();
        for (int s = 0; s < stages.length; s++)
        {
            if (noAnalysis && stages[s].equals("analysis"))
            {
                continue;
            }
            final double[] sorted = ms[s].clone();
            Arrays.sort(sorted);
            medians.put(stages[s], Map.of("median", Output.round(sorted[sorted.length / 2], 1), "best",
                Output.round(sorted[0], 1), "worst", Output.round(sorted[sorted.length - 1], 1)));
        }
        m.put("ms", medians);
        final PrintWriter out = spec.commandLine().getOut();
        if (json)
        {
            out.println(Json.write(m));
        }
        else
        {
            out.println("release of " + compiledRules + " segmentation rules and " + m.get("dpi_rules") +
                " DPI rules (" + chosen.label() + ", " + Output.bytes(bundleBytes) + "), medians of " + rounds +
                " rounds:");
            medians.forEach((stage, value) -> Output.row(out, stage.replace('_', ' '),
                ((Map<?, ?>)value).get("median") + " ms (best " + ((Map<?, ?>)value).get("best") + ", worst " +
                ((Map<?, ?>)value).get("worst") + ")"));
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static int countLoaded(final String ruleText)
    {
        int loaded = 0;
        for (final LoadResult result : RuleFiles.parse(new RuleParser(RuleVariables.defaults()), ruleText, "release"))
        {
            loaded += result instanceof LoadResult.Loaded ? 1 : 0;
        }
        return loaded;
    }

    private String pickRules(final PrintWriter err) throws Exception
    {
        final Path dir = rulesDir != null ? rulesDir : Stream.of("../shared/data/dpi/rules/et-open-suricata4-2019",
            "../../shared/data/dpi/rules/et-open-suricata4-2019").map(Path::of).filter(Files::isDirectory)
            .findFirst().orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "no --rules-dir, " +
                "and ET Open is not at ../shared/data/dpi/rules; give --rules-dir DIR"));
        final List<Path> files;
        try (Stream<Path> listing = Files.list(dir))
        {
            files = listing.filter(p -> p.getFileName().toString().startsWith("emerging-") &&
                p.toString().endsWith(".rules")).sorted().toList();
        }
        final RuleParser parser = new RuleParser(RuleVariables.defaults());
        final StringBuilder text = new StringBuilder();
        int picked = 0;
        for (final Path file : files)
        {
            for (final LoadResult result : RuleFiles.parse(parser, Files.readString(file), file.toString()))
            {
                if (result instanceof LoadResult.Loaded loaded && picked < dpiRules)
                {
                    text.append(loaded.rule().text().replace('\n', ' ')).append('\n');
                    picked++;
                }
            }
            if (picked == dpiRules)
            {
                break;
            }
        }
        if (picked < dpiRules)
        {
            err.println("bench release: only " + picked + " DPI rules load from " + dir);
        }
        return text.toString();
    }
}
