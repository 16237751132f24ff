package dev.palisade.api;

import dev.palisade.api.store.Store;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.PolicyProblem;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * Parsing and compiling for the routes, off the event loops (a policy of 10,000 rules takes most of a second): the
 * fleet inventory, policies against it, DPI rule sets. Parsed inventories and rule sets are cached by digest, since
 * the same versions are read again and again.
 */
final class Compilation
{
    /** The fleet inventory is one document of this name. */
    static final String FLEET = "fleet";
    private static final Inventory NO_INVENTORY = new Inventory(List.of(), List.of());
    private static final int CACHED = 16;

    private final Vertx vertx;
    private final Store store;
    private final Map<String, Inventory> inventories = lru();
    private final Map<String, List<LoadResult>> ruleSets = lru();

    Compilation(final Vertx vertx, final Store store)
    {
        this.vertx = vertx;
        this.store = store;
    }

    private static <V> Map<String, V> lru()
    {
        return new LinkedHashMap<>(CACHED, 0.75f, true)
        {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, V> eldest)
            {
                return size() > CACHED;
            }
        };
    }

    /** Runs CPU work on a worker thread; unordered, so requests do not queue behind each other. */
    <T> Future<T> blocking(final Callable<T> work)
    {
        return vertx.executeBlocking(work, false);
    }

    static String sha256(final String text)
    {
        try
        {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** The fleet inventory in force, and its version (0: none written yet). */
    record Fleet(long version, Inventory inventory)
    {
    }

    Future<Fleet> fleet()
    {
        return store.get(Store.Kind.INVENTORY, FLEET)
            .compose(current -> blocking(() -> new Fleet(current.version(), inventory(current.document()))))
            .recover(e -> e instanceof ApiException api && api.status() == 404 ?
                Future.succeededFuture(new Fleet(0, NO_INVENTORY)) : Future.failedFuture(e));
    }

    /** Parses an inventory document; 400 with line and column of each problem. */
    Inventory inventory(final String document)
    {
        return cached(inventories, sha256(document), () ->
        {
            try
            {
                return PolicyParser.parseInventory("inventory", document);
            }
            catch (final PolicyException e)
            {
                throw problems("the inventory document", e);
            }
        });
    }

    /** A policy parsed against the fleet inventory, and compiled. */
    record Checked(Policy policy, CompiledPolicy compiled, String digest, long inventoryVersion)
    {
    }

    /** Parses and compiles a policy document (on a worker); its problems become a 400 with line and column. */
    Future<Checked> policy(final String document)
    {
        return fleet().compose(fleet -> blocking(() -> compile(document, fleet)));
    }

    static Checked compile(final String document, final Fleet fleet)
    {
        final Policy policy;
        try
        {
            policy = PolicyParser.parse("document", document, fleet.inventory());
        }
        catch (final PolicyException e)
        {
            throw problems("the policy document", e);
        }
        final CompiledPolicy compiled = PolicyCompiler.compile(policy);
        return new Checked(policy, compiled, "sha256:" + compiled.digest(), fleet.version());
    }

    static ApiException problems(final String what, final PolicyException e)
    {
        return ApiException.badRequest(what + " has " + e.problems().size() + (e.truncated() ? "+" : "") +
            " error(s)", errors(e));
    }

    static JsonArray errors(final PolicyException e)
    {
        final JsonArray errors = new JsonArray();
        for (final PolicyProblem problem : e.problems())
        {
            errors.add(new JsonObject().put("field", "document").put("line", problem.at().line())
                .put("column", problem.at().column()).put("reason", problem.message()));
        }
        return errors;
    }

    /** Parses rule text as the DPU's engine will: every rule loaded, skipped (with the keyword) or invalid. */
    List<LoadResult> rules(final String name, final String text)
    {
        return cached(ruleSets, sha256(text), () -> List.copyOf(RuleFiles.parse(new RuleParser(
            RuleVariables.defaults()), text, name)));
    }

    /** The cached value for {@code digest}, else {@code parse}'s, remembered (a failure is not). */
    private static <V> V cached(final Map<String, V> cache, final String digest,
        final java.util.function.Supplier<V> parse)
    {
        synchronized (cache)
        {
            final V hit = cache.get(digest);
            if (hit != null)
            {
                return hit;
            }
        }
        final V parsed = parse.get();
        synchronized (cache)
        {
            cache.put(digest, parsed);
        }
        return parsed;
    }

    /** The sids a rule set version has disabled (its {@code extra}). */
    static Set<Long> disabled(final Store.DocumentVersion ruleSet)
    {
        final Set<Long> sids = new TreeSet<>();
        if (ruleSet.extra() != null)
        {
            new JsonObject(ruleSet.extra()).getJsonArray("disabled", new JsonArray())
                .forEach(sid -> sids.add(((Number)sid).longValue()));
        }
        return sids;
    }

    static String disabledJson(final Set<Long> sids)
    {
        return new JsonObject().put("disabled", new JsonArray(List.copyOf(new TreeSet<>(sids)))).encode();
    }
}
