package dev.palisade.api.store;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the API keeps, over either database ({@link Sql}): policies with every version, and the append-only
 * audit log, which each change writes in the same transaction as the change itself (nothing changes unaudited).
 * Optimistic concurrency: every update names the version it changes, and fails with 412 when another got there
 * first.
 */
public final class Store implements AutoCloseable
{
    private final Sql sql;
    private final Clock clock;

    private Store(final Sql sql, final Clock clock)
    {
        this.sql = sql;
        this.clock = clock;
    }

    /** Creates the schema where missing. */
    public static Future<Store> open(final Sql sql, final Clock clock)
    {
        final boolean postgres = sql.dialect() == Sql.Dialect.POSTGRES;
        final List<String> schema = List.of(
            "CREATE TABLE IF NOT EXISTS policies (name TEXT PRIMARY KEY, current_version BIGINT NOT NULL, " +
                "deleted BIGINT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS policy_versions (name TEXT NOT NULL, version BIGINT NOT NULL, document TEXT, " +
                "digest TEXT, description TEXT, author TEXT NOT NULL, created_at TEXT NOT NULL, " +
                "deleted BIGINT NOT NULL, PRIMARY KEY (name, version))",
            postgres ?
                "CREATE TABLE IF NOT EXISTS audit (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, " +
                    "roles TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, detail TEXT NOT NULL)" :
                "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, " +
                    "actor TEXT NOT NULL, roles TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, " +
                    "detail TEXT NOT NULL)",
            // Append-only, enforced by the database too: a row of the audit log can be neither changed nor removed.
            postgres ?
                "CREATE OR REPLACE FUNCTION palisade_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS " +
                    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$" :
                "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit " +
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            postgres ?
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_append_only') THEN " +
                    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE " +
                    "FUNCTION palisade_audit_append_only(); END IF; END $$" :
                "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit " +
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END");
        return sql.transaction(tx ->
        {
            Future<Integer> chain = Future.succeededFuture(0);
            for (final String statement : schema)
            {
                chain = chain.compose(ignored -> tx.update(statement));
            }
            return chain;
        }).map(ignored -> new Store(sql, clock));
    }

    /** Who did something: for the audit log. */
    public record Actor(String name, String roles)
    {
    }

    /** One version of a policy; a deleted policy's last version has no document. */
    public record PolicyVersion(String name, long version, String document, String digest, String description,
        String author, String createdAt, boolean deleted)
    {
    }

    /** One line of the audit log. */
    public record AuditEntry(long id, String at, String actor, String roles, String action, String resource,
        String detail)
    {
    }

    /** A page of a list, and where the next one starts (null at the end). */
    public record Page<T>(List<T> items, String next)
    {
    }

    public Future<PolicyVersion> createPolicy(final String name, final String document, final String digest,
        final String description, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.query("SELECT current_version, deleted FROM policies WHERE name = $1", name)
            .compose(rows ->
            {
                if (!rows.isEmpty() && (Long)rows.getFirst()[1] == 0)
                {
                    return Future.failedFuture(ApiException.conflict("policy '" + name + "' exists; update it with " +
                        "PUT and If-Match"));
                }
                // A name used before continues its history.
                final long version = rows.isEmpty() ? 1 : (Long)rows.getFirst()[0] + 1;
                final Future<Integer> upsert = rows.isEmpty() ?
                    tx.update("INSERT INTO policies (name, current_version, deleted, created_at, updated_at) " +
                        "VALUES ($1, $2, 0, $3, $3)", name, version, now) :
                    tx.update("UPDATE policies SET current_version = $2, deleted = 0, updated_at = $3 WHERE name = $1",
                        name, version, now);
                final PolicyVersion created = new PolicyVersion(name, version, document, digest, description,
                    actor.name(), now, false);
                return upsert.compose(ignored -> insertVersion(tx, created))
                    .compose(ignored -> audit(tx, actor, "policy.create", "policies/" + name, "version " + version +
                        ", digest " + digest))
                    .map(ignored -> created);
            }));
    }

    public Future<PolicyVersion> updatePolicy(final String name, final long expectedVersion, final String document,
        final String digest, final String description, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> bump(tx, name, expectedVersion, now, false).compose(version ->
        {
            final PolicyVersion updated = new PolicyVersion(name, version, document, digest, description,
                actor.name(), now, false);
            return insertVersion(tx, updated)
                .compose(ignored -> audit(tx, actor, "policy.update", "policies/" + name, "version " + version +
                    ", digest " + digest))
                .map(ignored -> updated);
        }));
    }

    /** Deletes a policy; its history stays, ending in a deletion version. */
    public Future<Long> deletePolicy(final String name, final long expectedVersion, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> bump(tx, name, expectedVersion, now, true).compose(version ->
            insertVersion(tx, new PolicyVersion(name, version, null, null, null, actor.name(), now, true))
                .compose(ignored -> audit(tx, actor, "policy.delete", "policies/" + name, "version " + version))
                .map(ignored -> version)));
    }

    /** Moves a live policy from {@code expectedVersion} to the next; 404 when absent, 412 when it moved on. */
    private static Future<Long> bump(final Sql.Tx tx, final String name, final long expectedVersion,
        final String now, final boolean delete)
    {
        return tx.update("UPDATE policies SET current_version = current_version + 1, deleted = $4, updated_at = $3 " +
            "WHERE name = $1 AND current_version = $2 AND deleted = 0", name, expectedVersion, now, delete ? 1L : 0L)
            .compose(changed ->
            {
                if (changed == 1)
                {
                    return Future.succeededFuture(expectedVersion + 1);
                }
                return tx.query("SELECT current_version, deleted FROM policies WHERE name = $1", name).compose(rows ->
                    rows.isEmpty() || (Long)rows.getFirst()[1] != 0 ?
                        Future.failedFuture(ApiException.notFound("policy '" + name + "'")) :
                        Future.failedFuture(ApiException.preconditionFailed("policy '" + name + "' is at version " +
                            rows.getFirst()[0] + ", not " + expectedVersion + " (If-Match); fetch it again and " +
                            "reapply your change")));
            });
    }

    private static Future<Integer> insertVersion(final Sql.Tx tx, final PolicyVersion v)
    {
        return tx.update("INSERT INTO policy_versions (name, version, document, digest, description, author, " +
            "created_at, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", v.name(), v.version(), v.document(),
            v.digest(), v.description(), v.author(), v.createdAt(), v.deleted() ? 1L : 0L);
    }

    private Future<Integer> audit(final Sql.Tx tx, final Actor actor, final String action, final String resource,
        final String detail)
    {
        return tx.update("INSERT INTO audit (at, actor, roles, action, resource, detail) VALUES ($1, $2, $3, $4, " +
            "$5, $6)", clock.instant().toString(), actor.name(), actor.roles(), action, resource, detail);
    }

    /** @return the live policy's current version; 404 when absent or deleted. */
    public Future<PolicyVersion> getPolicy(final String name)
    {
        return sql.transaction(tx -> tx.query("SELECT v.name, v.version, v.document, v.digest, v.description, " +
            "v.author, v.created_at, v.deleted FROM policies p JOIN policy_versions v ON v.name = p.name AND " +
            "v.version = p.current_version WHERE p.name = $1 AND p.deleted = 0", name)
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("policy '" + name + "'")) :
                Future.succeededFuture(version(rows.getFirst()))));
    }

    /** @return one version, live or not; 404 when there is none. */
    public Future<PolicyVersion> getPolicyVersion(final String name, final long version)
    {
        return sql.transaction(tx -> tx.query("SELECT name, version, document, digest, description, author, " +
            "created_at, deleted FROM policy_versions WHERE name = $1 AND version = $2", name, version)
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("version " + version +
                " of policy '" + name + "'")) : Future.succeededFuture(version(rows.getFirst()))));
    }

    /** @return live policies by name, after {@code after} (exclusive; null from the start). */
    public Future<Page<PolicyVersion>> listPolicies(final String after, final int limit)
    {
        return sql.transaction(tx -> tx.query("SELECT v.name, v.version, v.document, v.digest, v.description, " +
            "v.author, v.created_at, v.deleted FROM policies p JOIN policy_versions v ON v.name = p.name AND " +
            "v.version = p.current_version WHERE p.deleted = 0 AND p.name > $1 ORDER BY p.name LIMIT $2",
            after == null ? "" : after, (long)limit + 1)
            .map(rows -> page(rows, limit, v -> v.name())));
    }

    /** @return a policy's versions, newest first, below {@code before} (null: from the newest). */
    public Future<Page<PolicyVersion>> policyHistory(final String name, final Long before, final int limit)
    {
        return sql.transaction(tx -> tx.query("SELECT current_version FROM policies WHERE name = $1", name)
            .compose(exists -> exists.isEmpty() ? Future.failedFuture(ApiException.notFound("policy '" + name + "'")) :
                tx.query("SELECT name, version, document, digest, description, author, created_at, deleted FROM " +
                    "policy_versions WHERE name = $1 AND version < $2 ORDER BY version DESC LIMIT $3", name,
                    before == null ? Long.MAX_VALUE : before, (long)limit + 1))
            .map(rows -> page(rows, limit, v -> Long.toString(v.version()))));
    }

    /** @return audit entries in order, after id {@code after} (0 from the start). */
    public Future<Page<AuditEntry>> audit(final long after, final int limit)
    {
        return sql.transaction(tx -> tx.query("SELECT id, at, actor, roles, action, resource, detail FROM audit " +
            "WHERE id > $1 ORDER BY id LIMIT $2", after, (long)limit + 1))
            .map(rows ->
            {
                final List<AuditEntry> entries = new ArrayList<>();
                for (int i = 0; i < Math.min(limit, rows.size()); i++)
                {
                    final Object[] r = rows.get(i);
                    entries.add(new AuditEntry((Long)r[0], (String)r[1], (String)r[2], (String)r[3], (String)r[4],
                        (String)r[5], (String)r[6]));
                }
                return new Page<>(entries, rows.size() > limit ? Long.toString(entries.getLast().id()) : null);
            });
    }

    /** @return whether the database answers. */
    public Future<Boolean> ping()
    {
        return sql.transaction(tx -> tx.query("SELECT 1")).map(rows -> rows.size() == 1);
    }

    private static Page<PolicyVersion> page(final List<Object[]> rows, final int limit,
        final java.util.function.Function<PolicyVersion, String> key)
    {
        final List<PolicyVersion> items = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, rows.size()); i++)
        {
            items.add(version(rows.get(i)));
        }
        return new Page<>(items, rows.size() > limit ? key.apply(items.getLast()) : null);
    }

    private static PolicyVersion version(final Object[] r)
    {
        return new PolicyVersion((String)r[0], (Long)r[1], (String)r[2], (String)r[3], (String)r[4], (String)r[5],
            (String)r[6], (Long)r[7] != 0);
    }

    @Override
    public void close()
    {
        sql.close();
    }
}
