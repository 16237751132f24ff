package dev.palisade.api;

import dev.palisade.api.auth.Role;
import dev.palisade.api.store.Store;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static dev.palisade.api.store.Store.Kind.RULESET;

/**
 * {@code /v1/rulesets}: DPI rule sets (Suricata or Snort 3 rule text) with every version kept. Rules are parsed as
 * the DPU's engine will: an invalid rule refuses the upload (400 naming line and reason); a rule using a keyword the
 * engine does not implement is kept but left out of releases, and listed in the skip report; rules are enabled and
 * disabled by sid, each change a new version.
 */
final class RuleSetRoutes
{
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?");
    /** As much rule text as a request body holds. */
    private static final int MAX_RULES_CHARS = (int)ApiServer.MAX_BODY_BYTES;
    private static final int MAX_ERRORS = 50;
    private static final int MAX_SKIPPED_LISTED = 5000;
    private static final Set<String> CREATE_FIELDS = Set.of("name", "rules", "description");
    private static final Set<String> UPDATE_FIELDS = Set.of("rules", "description");
    private static final Set<String> TOGGLE_FIELDS = Set.of("enable", "disable");

    private final Store store;
    private final Compilation compilation;

    RuleSetRoutes(final Store store, final Compilation compilation)
    {
        this.store = store;
        this.compilation = compilation;
    }

    void register(final List<ApiServer.RouteSpec> routes)
    {
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/rulesets", "listRuleSets", Role.READERS,
            this::list));
        routes.add(new ApiServer.RouteSpec(HttpMethod.POST, "/v1/rulesets", "createRuleSet", Role.AUTHORS,
            this::create));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/rulesets/{name}", "getRuleSet", Role.READERS,
            this::get));
        routes.add(new ApiServer.RouteSpec(HttpMethod.PUT, "/v1/rulesets/{name}", "updateRuleSet", Role.AUTHORS,
            this::update));
        routes.add(new ApiServer.RouteSpec(HttpMethod.DELETE, "/v1/rulesets/{name}", "deleteRuleSet", Role.AUTHORS,
            this::delete));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/rulesets/{name}/versions", "listRuleSetVersions",
            Role.READERS, this::history));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/rulesets/{name}/rules", "listRuleSetRules",
            Role.READERS, this::rules));
        routes.add(new ApiServer.RouteSpec(HttpMethod.PATCH, "/v1/rulesets/{name}/rules", "toggleRuleSetRules",
            Role.AUTHORS, this::toggle));
        routes.add(new ApiServer.RouteSpec(HttpMethod.GET, "/v1/rulesets/{name}/report", "getRuleSetReport",
            Role.READERS, this::report));
    }

    /** Parses rule text; any invalid rule refuses it, with line, sid and reason of each (the first 50). */
    private List<LoadResult> parse(final String name, final String text)
    {
        final List<LoadResult> results = compilation.rules(name, text);
        final JsonArray errors = new JsonArray();
        int invalid = 0;
        for (final LoadResult result : results)
        {
            if (result instanceof LoadResult.Invalid bad)
            {
                if (invalid++ < MAX_ERRORS)
                {
                    errors.add(new JsonObject().put("field", "rules").put("line", bad.line()).put("sid", bad.sid())
                        .put("reason", bad.message()));
                }
            }
        }
        if (invalid > 0)
        {
            throw ApiException.badRequest(invalid + " invalid rule(s)" + (invalid > MAX_ERRORS ? " (the first " +
                MAX_ERRORS + " listed)" : "") + "; fix or remove them", errors);
        }
        if (results.isEmpty())
        {
            throw ApiException.invalidField("rules", "no rules in the text (only blank lines and comments)");
        }
        return results;
    }

    private void create(final ApiServer.Request request)
    {
        final JsonObject body = Http.body(request.context(), CREATE_FIELDS);
        final String name = Http.requiredString(body, "name", 63);
        if (!NAME.matcher(name).matches())
        {
            throw ApiException.invalidField("name", "must be 1 to 63 of a-z, 0-9, '-', '.', '_', starting and " +
                "ending with a letter or digit");
        }
        final String rules = Http.requiredString(body, "rules", MAX_RULES_CHARS);
        final String description = Http.optionalString(body, "description", 1000);
        final Future<JsonObject> created = compilation.blocking(() -> Map.entry(parse(name, rules),
            Compilation.sha256(rules))).compose(parsed -> store.create(RULESET, name, new Store.Content(rules,
            parsed.getValue(), description, Compilation.disabledJson(Set.of())), request.actor())
            .map(v -> json(v, parsed.getKey(), false)));
        replyVersioned(request, created, 201, name);
    }

    private void update(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        final JsonObject body = Http.body(request.context(), UPDATE_FIELDS);
        final String rules = Http.requiredString(body, "rules", MAX_RULES_CHARS);
        final String description = Http.optionalString(body, "description", 1000);
        final String name = request.param("name");
        final Future<JsonObject> updated = store.get(RULESET, name).compose(current -> compilation.blocking(() ->
        {
            final List<LoadResult> results = parse(name, rules);
            // Disabled rules stay disabled when they are still there.
            final Set<Long> kept = new TreeSet<>(Compilation.disabled(current));
            kept.retainAll(sids(results));
            return new Parsed(results, kept, Compilation.sha256(rules));
        })).compose(parsed -> store.update(RULESET, name, expected, new Store.Content(rules, parsed.digest(),
            description, Compilation.disabledJson(parsed.disabled())), request.actor())
            .map(v -> json(v, parsed.results(), false)));
        replyVersioned(request, updated, 200, null);
    }

    private record Parsed(List<LoadResult> results, Set<Long> disabled, String digest)
    {
    }

    /** The body of a rule set's reply carries its version; the ETag and Location go with it. */
    private static void replyVersioned(final ApiServer.Request request, final Future<JsonObject> future,
        final int status, final String created)
    {
        ApiServer.reply(request, future.map(json -> new ApiServer.Versioned(json.getLong("version"), json)), status,
            versioned ->
            {
                if (created != null)
                {
                    request.context().response().putHeader("Location", "/v1/rulesets/" + created);
                }
                return versioned.body();
            });
    }

    private void toggle(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        final JsonObject body = Http.body(request.context(), TOGGLE_FIELDS);
        final Set<Long> enable = sidList(body, "enable");
        final Set<Long> disable = sidList(body, "disable");
        if (enable.isEmpty() && disable.isEmpty())
        {
            throw ApiException.invalidField("enable", "give the sids to enable and/or disable");
        }
        final Set<Long> both = new TreeSet<>(enable);
        both.retainAll(disable);
        if (!both.isEmpty())
        {
            throw ApiException.invalidField("disable", "sids both enabled and disabled: " + both);
        }
        final String name = request.param("name");
        final Future<JsonObject> toggled = store.get(RULESET, name).compose(current ->
            current.document() == null ? Future.failedFuture(ApiException.notFound("rule set '" + name + "'")) :
            compilation.blocking(() ->
            {
                final List<LoadResult> results = compilation.rules(name, current.document());
                final Set<Long> known = sids(results);
                final JsonArray errors = new JsonArray();
                for (final Long sid : union(enable, disable))
                {
                    if (!known.contains(sid))
                    {
                        errors.add(new JsonObject().put("field", enable.contains(sid) ? "enable" : "disable")
                            .put("sid", sid).put("reason", "no rule of this rule set has sid " + sid));
                    }
                }
                if (!errors.isEmpty())
                {
                    throw ApiException.badRequest("unknown sids", errors);
                }
                final Set<Long> disabled = new TreeSet<>(Compilation.disabled(current));
                disabled.removeAll(enable);
                disabled.addAll(disable);
                return Map.entry(results, disabled);
            }).compose(changed -> store.update(RULESET, name, expected, new Store.Content(current.document(),
                current.digest(), current.description(), Compilation.disabledJson(changed.getValue())),
                request.actor()).map(v -> json(v, changed.getKey(), false))));
        replyVersioned(request, toggled, 200, null);
    }

    private static Set<Long> union(final Set<Long> a, final Set<Long> b)
    {
        final Set<Long> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Set<Long> sidList(final JsonObject body, final String field)
    {
        final Object value = body.getValue(field);
        if (value == null)
        {
            return Set.of();
        }
        if (!(value instanceof JsonArray array) || array.size() > 100_000)
        {
            throw ApiException.invalidField(field, "must be a list of sids (at most 100,000)");
        }
        final Set<Long> sids = new TreeSet<>();
        for (final Object sid : array)
        {
            if (!(sid instanceof Number number) || number.longValue() < 1 || number.doubleValue() !=
                number.longValue())
            {
                throw ApiException.invalidField(field, "must be a list of sids (whole numbers from 1); found " +
                    String.valueOf(sid));
            }
            sids.add(number.longValue());
        }
        return sids;
    }

    private static Set<Long> sids(final List<LoadResult> results)
    {
        final Set<Long> sids = new HashSet<>();
        for (final LoadResult result : results)
        {
            switch (result)
            {
                case LoadResult.Loaded loaded -> sids.add(loaded.rule().sid());
                case LoadResult.Skipped skipped -> sids.add(skipped.sid());
                case LoadResult.Invalid invalid -> sids.add(invalid.sid());
            }
        }
        sids.remove(0L);
        return sids;
    }

    private void delete(final ApiServer.Request request)
    {
        final long expected = Http.ifMatch(request.context());
        ApiServer.noContent(request, store.delete(RULESET, request.param("name"), expected, request.actor()));
    }

    private void get(final ApiServer.Request request)
    {
        final String name = request.param("name");
        replyVersioned(request, store.get(RULESET, name).compose(v -> compilation.blocking(() ->
            json(v, compilation.rules(name, v.document()), true))), 200, null);
    }

    private void list(final ApiServer.Request request)
    {
        ApiServer.page(request, store.list(RULESET, request.context().queryParams().get("after"),
            Http.limit(request.context())), RuleSetRoutes::summary);
    }

    private void history(final ApiServer.Request request)
    {
        final Long before = Http.optionalLong(request.context(), "before", "a version number");
        ApiServer.page(request, store.history(RULESET, request.param("name"), before, Http.limit(request.context())),
            v -> summary(v).put("disabled", v.extra() == null ? null : new JsonArray(List.copyOf(
                Compilation.disabled(v)))));
    }

    /**
     * {@code ?after=LINE&limit=N&state=loaded|skipped|disabled}: the rules in file order, each with its state (a
     * skipped rule with the keyword that kept it out).
     */
    private void rules(final ApiServer.Request request)
    {
        final String name = request.param("name");
        final Long after = Http.optionalLong(request.context(), "after", "a line number");
        final int limit = Http.limit(request.context());
        final String state = request.context().queryParams().get("state");
        if (state != null && !Set.of("loaded", "skipped", "disabled").contains(state))
        {
            throw ApiException.invalidField("state", "must be loaded, skipped or disabled");
        }
        ApiServer.reply(request, store.get(RULESET, name).compose(v -> compilation.blocking(() ->
        {
            final Set<Long> disabled = Compilation.disabled(v);
            final JsonArray items = new JsonArray();
            String next = null;
            for (final LoadResult result : compilation.rules(name, v.document()))
            {
                if (after != null && result.line() <= after)
                {
                    continue;
                }
                final JsonObject rule = rule(result, disabled);
                if (state != null && !state.equals(rule.getString("state")))
                {
                    continue;
                }
                if (items.size() == limit)
                {
                    next = Integer.toString(items.getJsonObject(limit - 1).getInteger("line"));
                    break;
                }
                items.add(rule);
            }
            return new ApiServer.Versioned(v.version(), new JsonObject().put("items", items).put("next", next));
        })), 200, ApiServer.Versioned::body);
    }

    private static JsonObject rule(final LoadResult result, final Set<Long> disabled)
    {
        return switch (result)
        {
            case LoadResult.Loaded loaded ->
            {
                final Rule rule = loaded.rule();
                yield new JsonObject().put("line", rule.line()).put("sid", rule.sid()).put("gid", rule.gid())
                    .put("rev", rule.rev()).put("msg", rule.msg())
                    .put("action", rule.action().name().toLowerCase(java.util.Locale.ROOT))
                    .put("state", disabled.contains(rule.sid()) ? "disabled" : "loaded");
            }
            case LoadResult.Skipped skipped -> new JsonObject().put("line", skipped.line()).put("sid", skipped.sid())
                .put("state", disabled.contains(skipped.sid()) ? "disabled" : "skipped")
                .put("keyword", skipped.keyword());
            case LoadResult.Invalid invalid -> new JsonObject().put("line", invalid.line()).put("sid", invalid.sid())
                .put("state", "invalid").put("reason", invalid.message());
        };
    }

    /** The skip report: what loads, what is left out and why (by keyword, and each rule), what is disabled. */
    private void report(final ApiServer.Request request)
    {
        final String name = request.param("name");
        ApiServer.reply(request, store.get(RULESET, name).compose(v -> compilation.blocking(() ->
        {
            final List<LoadResult> results = compilation.rules(name, v.document());
            final JsonObject out = json(v, results, false);
            final Map<String, Long> byKeyword = new TreeMap<>();
            final JsonArray skipped = new JsonArray();
            int skippedTotal = 0;
            for (final LoadResult result : results)
            {
                if (result instanceof LoadResult.Skipped s)
                {
                    skippedTotal++;
                    byKeyword.merge(s.keyword(), 1L, Long::sum);
                    if (skipped.size() < MAX_SKIPPED_LISTED)
                    {
                        skipped.add(new JsonObject().put("line", s.line()).put("sid", s.sid())
                            .put("keyword", s.keyword()));
                    }
                }
            }
            final Map<String, Object> sorted = new LinkedHashMap<>();
            byKeyword.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return new ApiServer.Versioned(v.version(), out.put("skipped_by_keyword", new JsonObject(sorted))
                .put("skipped_rules", skipped).put("skipped_rules_truncated", skipped.size() < skippedTotal));
        })), 200, ApiServer.Versioned::body);
    }

    private static JsonObject summary(final Store.DocumentVersion v)
    {
        return new JsonObject().put("name", v.name()).put("version", v.version()).put("digest", v.digest())
            .put("description", v.description()).put("author", v.author()).put("created_at", v.createdAt())
            .put("deleted", v.deleted());
    }

    private static JsonObject json(final Store.DocumentVersion v, final List<LoadResult> results,
        final boolean withText)
    {
        final Set<Long> disabled = Compilation.disabled(v);
        int loaded = 0;
        int skipped = 0;
        int off = 0;
        for (final LoadResult result : results)
        {
            final String state = rule(result, disabled).getString("state");
            switch (state)
            {
                case "loaded" -> loaded++;
                case "skipped" -> skipped++;
                case "disabled" -> off++;
                default ->
                {
                }
            }
        }
        final JsonObject out = summary(v).put("counts", new JsonObject().put("rules", results.size())
            .put("loaded", loaded).put("skipped", skipped).put("disabled", off))
            .put("disabled", new JsonArray(List.copyOf(disabled)));
        if (withText)
        {
            out.put("rules", v.document());
        }
        return out;
    }
}
