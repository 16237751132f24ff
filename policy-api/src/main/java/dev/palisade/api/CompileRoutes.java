package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.policy.analysis.Finding;
import dev.palisade.policy.analysis.PolicyAnalyzer;
import dev.palisade.policy.compile.CompiledPolicy;
import dev.palisade.policy.compile.PolicyCompiler;
import dev.palisade.policy.compile.PolicyDiff;
import dev.palisade.policy.model.Policy;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

import static dev.palisade.api.store.Store.Kind.POLICY;

/**
 * {@code POST /v1/compile}: a dry run. A proposed policy (a document, or a stored policy by name) is compiled against
 * the fleet inventory, as a release would compile it, and the answer says what the compiler says: its errors with
 * line and column, or the analysis (shadowed, redundant, overlapping rules, selectors that match nothing) and what
 * changes against the stored policy of that name. Nothing is stored.
 */
final class CompileRoutes
{
    private static final Set<String> FIELDS = Set.of("document", "policy");

    private final Store store;
    private final Compilation compilation;

    CompileRoutes(final Store store, final Compilation compilation)
    {
        this.store = store;
        this.compilation = compilation;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/compile", "compilePolicy", Role.AUTHORS,
            this::compile));
    }

    private void compile(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), FIELDS);
        final String document = Http.optionalString(body, "document", PolicyParser.MAX_DOCUMENT_CHARS);
        final String name = Http.optionalString(body, "policy", 63);
        if ((document == null) == (name == null))
        {
            throw ApiException.invalidField("document", "give either a policy document or the name of a stored " +
                "policy (policy), not both");
        }
        final Future<String> text = document != null ? Future.succeededFuture(document) :
            store.get(POLICY, name).map(Store.DocumentVersion::document);
        final Future<JsonObject> result = text.compose(proposed -> compilation.fleet().compose(fleet ->
            compilation.blocking(() -> dryRun(proposed, fleet)))).compose(this::against);
        ApiServer.reply(request, result, 200, json -> json);
    }

    /** Compiles and analyses; the compiler's errors are the answer, not a failure of the request. */
    private static JsonObject dryRun(final String document, final Compilation.Fleet fleet)
    {
        final JsonObject out = new JsonObject().put("inventory_version", fleet.version());
        final long start = System.nanoTime();
        final Policy policy;
        try
        {
            policy = PolicyParser.parse("document", document, fleet.inventory());
        }
        catch (final PolicyException e)
        {
            return out.put("ok", false).put("errors", Compilation.errors(e)).put("error_count_truncated",
                e.truncated());
        }
        final CompiledPolicy compiled = PolicyCompiler.compile(policy);
        final long compiled_ = System.nanoTime();
        final List<Finding> findings = PolicyAnalyzer.analyze(policy, compiled);
        final long analysed = System.nanoTime();
        final JsonArray found = new JsonArray();
        for (final Finding finding : findings)
        {
            found.add(new JsonObject().put("kind", finding.kind().label()).put("rule", finding.rule())
                .put("line", finding.at().line()).put("column", finding.at().column()).put("other", finding.other())
                .put("message", finding.message()));
        }
        return out.put("ok", true).put("errors", new JsonArray()).put("policy", policy.name())
            .put("digest", "sha256:" + compiled.digest()).put("segmentation_rules", compiled.rules().size())
            .put("workloads", compiled.workloads().size()).put("findings", found)
            .put("compile_ms", Math.round((compiled_ - start) / 1e5) / 10.0)
            .put("analyze_ms", Math.round((analysed - compiled_) / 1e5) / 10.0)
            .put("_document", document);
    }

    /** Adds what would change against the stored policy of the same name, if there is one. */
    private Future<JsonObject> against(final JsonObject result)
    {
        final String document = (String)result.remove("_document");
        if (!result.getBoolean("ok"))
        {
            return Future.succeededFuture(result);
        }
        return store.get(POLICY, result.getString("policy")).compose(stored -> compilation.fleet().compose(fleet ->
            compilation.blocking(() ->
            {
                final JsonObject changes = new JsonObject().put("against_version", stored.version());
                try
                {
                    final CompiledPolicy before = Compilation.compile(stored.document(), fleet).compiled();
                    final CompiledPolicy after = Compilation.compile(document, fleet).compiled();
                    final JsonArray rules = new JsonArray();
                    PolicyDiff.diff(before, after).forEach(c -> rules.add(new JsonObject()
                        .put("change", c.kind().label()).put("rule", c.rule()).put("fields",
                            new JsonArray(c.fields()))));
                    changes.put("rules", rules);
                }
                catch (final ApiException e)
                {
                    changes.put("rules", null).put("rules_unavailable", e.getMessage());
                }
                return result.put("changes", changes);
            })))
            .recover(e -> e instanceof ApiException api && api.status() == 404 ?
                Future.succeededFuture(result.put("changes", new JsonObject().put("against_version", null)
                    .put("rules", null))) : Future.failedFuture(e));
    }
}
