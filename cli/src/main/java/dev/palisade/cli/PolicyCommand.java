package dev.palisade.cli;

import dev.palisade.policy.Json;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.analysis.Finding;
import dev.palisade.policy.analysis.PolicyAnalyzer;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Policy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code palisade policy}: work with policy files. */
@Command(
    name = "policy",
    description = {
        "Work with segmentation policies (see docs/policy-language.md) and signed policy releases " +
            "(docs/policy-bundles.md).",
        ""},
    subcommands = {PolicyCommand.Check.class, PolicyBundleCommands.Release.class, PolicyBundleCommands.Verify.class,
        PolicyBundleCommands.Inspect.class, PolicyKeyCommands.Keygen.class, PolicyKeyCommands.CertifyKey.class,
        PolicyKeyCommands.RevokeKey.class})
public final class PolicyCommand implements Runnable
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
        name = "check",
        description = {
            "Check a policy: parse and validate it, compile it, and report what the analysis finds.",
            "",
            "Errors (the policy cannot be used) name file, line and column and exit 1. Warnings do not stop it: rules " +
                "that can never match (shadowed), redundant rules, allow/deny overlaps where order decides, and " +
                "selectors that select nothing. Exit 0 with warnings printed.",
            "",
            "Example: palisade policy check payments.yaml"},
        sortOptions = false)
    static final class Check implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "Policy file (YAML or JSON).")
        Path file;

        @Option(names = "--json", description = "Print one JSON object: valid, errors, warnings, rules, digest.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final PrintWriter out = spec.commandLine().getOut();
            final Policy policy;
            try
            {
                policy = PolicyParser.parse(file);
            }
            catch (final PolicyException ex)
            {
                if (json)
                {
                    final Map<String, Object> m = new LinkedHashMap<>();
                    m.put("policy", file.toString());
                    m.put("valid", false);
                    final List<Object> errors = new ArrayList<>();
                    for (final PolicyProblem problem : ex.problems())
                    {
                        errors.add(Map.of("line", problem.at().line(), "column", problem.at().column(),
                            "message", problem.message()));
                    }
                    m.put("errors", errors);
                    m.put("truncated", ex.truncated());
                    m.put("warnings", List.of());
                    out.println(Json.write(m));
                }
                else
                {
                    for (final PolicyProblem problem : ex.problems())
                    {
                        out.println(problem.at() + ": error: " + problem.message());
                    }
                    out.println(file + ": " + ex.problems().size() + (ex.truncated() ? "+" : "") +
                        (ex.problems().size() == 1 ? " error" : " errors") + "; the policy cannot be used");
                }
                out.flush();
                return Main.EXIT_FAILED;
            }
            final CompiledPolicy compiled = PolicyCompiler.compile(policy);
            final List<Finding> findings = PolicyAnalyzer.analyze(policy, compiled);
            if (json)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("policy", file.toString());
                m.put("name", policy.name());
                m.put("valid", true);
                m.put("errors", List.of());
                final List<Object> warnings = new ArrayList<>();
                for (final Finding finding : findings)
                {
                    final Map<String, Object> w = new LinkedHashMap<>();
                    w.put("kind", finding.kind().label());
                    w.put("rule", finding.rule());
                    w.put("line", finding.at() == null ? null : finding.at().line());
                    w.put("column", finding.at() == null ? null : finding.at().column());
                    w.put("other", finding.other());
                    w.put("message", finding.message());
                    warnings.add(w);
                }
                m.put("warnings", warnings);
                m.put("rules", compiled.rules().size());
                m.put("address_sets", compiled.sets().size());
                m.put("digest", "sha256:" + compiled.digest());
                out.println(Json.write(m));
            }
            else
            {
                for (final Finding finding : findings)
                {
                    out.println(finding.at() + ": warning: " + finding.kind().label() + ": rule '" + finding.rule() +
                        "': " + finding.message());
                }
                out.println(file + ": valid, policy '" + policy.name() + "': " + compiled.rules().size() + " rules, " +
                    compiled.sets().size() + " address sets, " + findings.size() +
                    (findings.size() == 1 ? " warning" : " warnings") + "; digest sha256:" + compiled.digest());
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
