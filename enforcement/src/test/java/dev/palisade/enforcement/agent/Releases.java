package dev.palisade.enforcement.agent;

import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.bundle.Bundle;
import dev.palisade.policy.bundle.BundleVerifier;
import dev.palisade.policy.bundle.KeyStatement;
import dev.palisade.policy.bundle.SignatureAlgorithm;
import dev.palisade.policy.bundle.SigningKey;
import dev.palisade.policy.bundle.TargetSelector;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Signed releases for the agent's tests, made as the policy module's own tests make them: seeded keys, a root that
 * certifies a signing key, a fixed clock.
 */
final class Releases
{
    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    static final String DPU = "dpu-7";
    static final Map<String, String> LABELS = Map.of("site", "fra1");
    /** A policy over the host entity and a workload, with a rule per kind of address. */
    static final String POLICY = """
        apiVersion: palisade.dev/v1
        kind: Policy
        metadata: {name: branch}
        inventory:
          workloads:
            - {name: web-1, labels: {app: web}, addresses: [10.0.5.10]}
        tiers:
          application:
            - {name: to-host, from: {any: true}, to: {entity: host}, protocol: tcp, ports: [443], action: allow}
            - {name: to-web, from: {any: true}, to: {labels: {app: web}}, protocol: tcp, ports: [80], action: allow}
            - {name: host-quiet, from: {any: true}, to: {entity: host}, action: deny}
        """;
    static final String RULES = "alert tcp any any -> any 80 (msg:\"a\"; content:\"evil\"; sid:1;)\n" +
        "drop tcp any any -> any 443 (msg:\"b\"; content:\"worse\"; sid:2;)\n";

    final SigningKey root;
    final SigningKey signer;
    final KeyStatement.Signed certificate;

    Releases(final int seed)
    {
        root = SigningKey.generate(SignatureAlgorithm.ED25519, seeded(seed));
        signer = SigningKey.generate(SignatureAlgorithm.ED25519, seeded(seed + 1000));
        certificate = KeyStatement.certify(root, signer.publicKey(), NOW.minus(Duration.ofDays(1)),
            NOW.plus(Duration.ofDays(365)), 1, "policy signing");
    }

    Releases()
    {
        this(1);
    }

    static SecureRandom seeded(final int seed)
    {
        try
        {
            final SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    static CompiledPolicy compile(final String yaml)
    {
        try
        {
            return PolicyCompiler.compile(PolicyParser.parse("release.yaml", yaml));
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** A release of {@link #POLICY} and {@link #RULES} for site fra1, issued a minute ago, valid a week. */
    Bundle release(final long version)
    {
        return release(version, compile(POLICY).encoded(), RULES, 2, "labels:site=fra1", NOW.plus(Duration.ofDays(7)));
    }

    Bundle release(final long version, final byte[] policy, final String rules, final int ruleCount,
        final String target, final Instant expiresAt)
    {
        return Bundle.sign(new Bundle.Content("branch", version, TargetSelector.parse(target),
            NOW.minusSeconds(60), expiresAt, null, policy, rules.getBytes(StandardCharsets.UTF_8), ruleCount),
            signer, certificate, List.of());
    }

    /** The release after {@code previous}: its version plus one, chained to its digest, as the service makes it. */
    Bundle next(final Bundle previous)
    {
        return Bundle.sign(new Bundle.Content("branch", previous.manifest().version() + 1,
            TargetSelector.parse("labels:site=fra1"), NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)),
            previous.digest(), compile(POLICY).encoded(), RULES.getBytes(StandardCharsets.UTF_8), 2), signer,
            certificate, List.of());
    }

    /** What the agent on {@link #DPU} builds at {@code now}. */
    BundleVerifier verifier(final Instant now)
    {
        return BundleVerifier.builder().root(root.publicKey()).now(now).target(DPU, LABELS).build();
    }

    BundleVerifier verifier()
    {
        return verifier(NOW);
    }
}
