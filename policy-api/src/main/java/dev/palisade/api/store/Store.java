package dev.palisade.api.store;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the API keeps, over either database ({@link Sql}): versioned documents (policies, DPI rule sets, the
 * fleet inventory) with every version kept, signed releases, the DPU fleet, and the append-only audit log, which
 * each change writes in the same transaction as the change itself (nothing changes unaudited).
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
        final String serial = postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
        final String blob = postgres ? "BYTEA" : "BLOB";
        final List<String> schema = List.of(
            "CREATE TABLE IF NOT EXISTS documents (kind TEXT NOT NULL, name TEXT NOT NULL, " +
                "current_version BIGINT NOT NULL, deleted BIGINT NOT NULL, created_at TEXT NOT NULL, " +
                "updated_at TEXT NOT NULL, PRIMARY KEY (kind, name))",
            "CREATE TABLE IF NOT EXISTS document_versions (kind TEXT NOT NULL, name TEXT NOT NULL, " +
                "version BIGINT NOT NULL, document TEXT, digest TEXT, description TEXT, extra TEXT, " +
                "author TEXT NOT NULL, created_at TEXT NOT NULL, deleted BIGINT NOT NULL, " +
                "PRIMARY KEY (kind, name, version))",
            "CREATE TABLE IF NOT EXISTS releases (id " + serial + ", target TEXT NOT NULL, version BIGINT NOT NULL, " +
                "policy_name TEXT NOT NULL, policy_version BIGINT NOT NULL, inventory_version BIGINT NOT NULL, " +
                "rulesets TEXT NOT NULL, digest TEXT NOT NULL, previous_digest TEXT, issued_at TEXT NOT NULL, " +
                "expires_at TEXT NOT NULL, summary TEXT NOT NULL, bundle " + blob + " NOT NULL, " +
                "author TEXT NOT NULL, UNIQUE (target, version))",
            "CREATE TABLE IF NOT EXISTS dpus (id TEXT PRIMARY KEY, labels TEXT NOT NULL, " +
                "registered_at TEXT NOT NULL, attestation TEXT NOT NULL, attested_at TEXT, active_version BIGINT, " +
                "active_digest TEXT, last_ack_version BIGINT, last_ack_at TEXT, last_nack_version BIGINT, " +
                "last_nack_reason TEXT, last_nack_at TEXT, last_seen TEXT, counters TEXT NOT NULL, " +
                "quarantined BIGINT NOT NULL, quarantine_reason TEXT, quarantined_by TEXT, quarantined_at TEXT)",
            // A DPU's enrolment: the attestation key its TPM proved (or a software attester's key, said so), the
            // client certificate issued for it (only the newest is accepted), and its PCR reference values.
            "CREATE TABLE IF NOT EXISTS enrolments (dpu_id TEXT PRIMARY KEY, attester TEXT NOT NULL, " +
                "ak TEXT NOT NULL, ak_name TEXT NOT NULL, certificate_fingerprint TEXT NOT NULL, reference TEXT, " +
                "enrolled_at TEXT NOT NULL)",
            // A release's rollout: canary (a percentage or a label selector) or all; halted when NACKs pass
            // max_nacks; superseded when a later one for the same target is promoted. sequence orders promotions.
            "CREATE TABLE IF NOT EXISTS rollouts (release_id BIGINT PRIMARY KEY, target TEXT NOT NULL, " +
                "version BIGINT NOT NULL, stage TEXT NOT NULL, percent BIGINT, selector TEXT, " +
                "max_nacks BIGINT NOT NULL, halted_reason TEXT, sequence BIGINT NOT NULL, promoted_at TEXT NOT NULL, " +
                "updated_at TEXT NOT NULL, promoted_by TEXT NOT NULL)",
            // What each DPU answered to a release it was sent.
            "CREATE TABLE IF NOT EXISTS deliveries (release_id BIGINT NOT NULL, dpu_id TEXT NOT NULL, " +
                "state TEXT NOT NULL, reason TEXT, at TEXT NOT NULL, PRIMARY KEY (release_id, dpu_id))",
            "CREATE TABLE IF NOT EXISTS audit (id " + serial + ", at TEXT NOT NULL, actor TEXT NOT NULL, " +
                "roles TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, detail TEXT NOT NULL)",
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

    /** What kinds of versioned document the store keeps; {@code path} names them in URLs and the audit log. */
    public enum Kind
    {
        POLICY("policy", "policies"), RULESET("rule set", "rulesets"), INVENTORY("inventory", "inventory");

        private final String label;
        private final String path;

        Kind(final String label, final String path)
        {
            this.label = label;
            this.path = path;
        }

        public String label()
        {
            return label;
        }

        public String path()
        {
            return path;
        }

        String action(final String verb)
        {
            return name().toLowerCase(java.util.Locale.ROOT) + "." + verb;
        }
    }

    /**
     * One version of a document; a deleted document's last version has no document. {@code extra} is JSON the kind
     * keeps beside the text (a rule set's disabled rules).
     */
    public record DocumentVersion(Kind kind, String name, long version, String document, String digest,
        String description, String extra, String author, String createdAt, boolean deleted)
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

    /** What a new version holds. */
    public record Content(String document, String digest, String description, String extra)
    {
    }

    /** A primary key or unique constraint refused a row: PostgreSQL's SQLSTATE 23505, SQLite's SQLITE_CONSTRAINT. */
    static boolean uniqueViolation(final Throwable e)
    {
        if (e instanceof io.vertx.pgclient.PgException pg)
        {
            return "23505".equals(pg.getSqlState());
        }
        return e instanceof org.sqlite.SQLiteException sqlite &&
            sqlite.getResultCode().code == org.sqlite.SQLiteErrorCode.SQLITE_CONSTRAINT.code;
    }

    private static String quoted(final Kind kind, final String name)
    {
        return kind.label() + " '" + name + "'";
    }

    public Future<DocumentVersion> create(final Kind kind, final String name, final Content content,
        final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.query("SELECT current_version, deleted FROM documents WHERE kind = $1 AND " +
            "name = $2", kind.name(), name)
            .compose(rows ->
            {
                if (!rows.isEmpty() && (Long)rows.getFirst()[1] == 0)
                {
                    return Future.failedFuture(ApiException.conflict(quoted(kind, name) + " exists; update it " +
                        "with PUT and If-Match"));
                }
                // A name used before continues its history.
                final long version = rows.isEmpty() ? 1 : (Long)rows.getFirst()[0] + 1;
                final Future<Integer> upsert = rows.isEmpty() ?
                    tx.update("INSERT INTO documents (kind, name, current_version, deleted, created_at, " +
                        "updated_at) VALUES ($1, $2, $3, 0, $4, $4)", kind.name(), name, version, now) :
                    tx.update("UPDATE documents SET current_version = $3, deleted = 0, updated_at = $4 WHERE " +
                        "kind = $1 AND name = $2", kind.name(), name, version, now);
                final DocumentVersion created = new DocumentVersion(kind, name, version, content.document(),
                    content.digest(), content.description(), content.extra(), actor.name(), now, false);
                return upsert.compose(ignored -> insertVersion(tx, created))
                    .compose(ignored -> audit(tx, actor, kind.action("create"), kind.path() + "/" + name,
                        "version " + version + ", digest " + content.digest()))
                    .map(ignored -> created);
            })).recover(e -> Future.failedFuture(uniqueViolation(e) ? ApiException.conflict(quoted(kind, name) +
                " was created by another request at the same time; read it and update it with If-Match") : e));
    }

    /** A new version of a live document that is at {@code expectedVersion}; 404 when absent, 412 when it moved on. */
    public Future<DocumentVersion> update(final Kind kind, final String name, final long expectedVersion,
        final Content content, final Actor actor)
    {
        return update(kind, name, expectedVersion, content, actor, "update");
    }

    private Future<DocumentVersion> update(final Kind kind, final String name, final long expectedVersion,
        final Content content, final Actor actor, final String verb)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> bump(tx, kind, name, expectedVersion, now, false).compose(version ->
        {
            final DocumentVersion updated = new DocumentVersion(kind, name, version, content.document(),
                content.digest(), content.description(), content.extra(), actor.name(), now, false);
            return insertVersion(tx, updated)
                .compose(ignored -> audit(tx, actor, kind.action(verb), kind.path() + "/" + name, "version " +
                    version + ", digest " + content.digest()))
                .map(ignored -> updated);
        }));
    }

    /**
     * Replaces a document that always exists (the inventory): version 0 is its empty start, so the first write
     * names {@code If-Match: "0"}.
     */
    public Future<DocumentVersion> put(final Kind kind, final String name, final long expectedVersion,
        final Content content, final Actor actor)
    {
        if (expectedVersion != 0)
        {
            return update(kind, name, expectedVersion, content, actor, "update").recover(e ->
                e instanceof ApiException api && api.status() == 404 ? Future.failedFuture(
                    ApiException.preconditionFailed(quoted(kind, name) + " is at version 0 (nothing written yet), " +
                        "not " + expectedVersion + " (If-Match)")) : Future.failedFuture(e));
        }
        return create(kind, name, content, actor).recover(e -> e instanceof ApiException api &&
            api.status() == 409 ? Future.failedFuture(ApiException.preconditionFailed(quoted(kind, name) +
            " has versions already, not 0 (If-Match); fetch it again and reapply your change")) :
            Future.failedFuture(e));
    }

    /** Deletes a document; its history stays, ending in a deletion version. */
    public Future<Long> delete(final Kind kind, final String name, final long expectedVersion, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> bump(tx, kind, name, expectedVersion, now, true).compose(version ->
            insertVersion(tx, new DocumentVersion(kind, name, version, null, null, null, null, actor.name(), now,
                true))
                .compose(ignored -> audit(tx, actor, kind.action("delete"), kind.path() + "/" + name, "version " +
                    version))
                .map(ignored -> version)));
    }

    /** Moves a live document from {@code expectedVersion} to the next; 404 when absent, 412 when it moved on. */
    private static Future<Long> bump(final Sql.Tx tx, final Kind kind, final String name, final long expectedVersion,
        final String now, final boolean delete)
    {
        return tx.update("UPDATE documents SET current_version = current_version + 1, deleted = $5, updated_at = $4 " +
            "WHERE kind = $1 AND name = $2 AND current_version = $3 AND deleted = 0", kind.name(), name,
            expectedVersion, now, delete ? 1L : 0L)
            .compose(changed ->
            {
                if (changed == 1)
                {
                    return Future.succeededFuture(expectedVersion + 1);
                }
                return tx.query("SELECT current_version, deleted FROM documents WHERE kind = $1 AND name = $2",
                    kind.name(), name).compose(rows ->
                    rows.isEmpty() || (Long)rows.getFirst()[1] != 0 ?
                        Future.failedFuture(ApiException.notFound(quoted(kind, name))) :
                        Future.failedFuture(ApiException.preconditionFailed(quoted(kind, name) + " is at version " +
                            rows.getFirst()[0] + ", not " + expectedVersion + " (If-Match); fetch it again and " +
                            "reapply your change")));
            });
    }

    private static Future<Integer> insertVersion(final Sql.Tx tx, final DocumentVersion v)
    {
        return tx.update("INSERT INTO document_versions (kind, name, version, document, digest, description, " +
            "extra, author, created_at, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", v.kind().name(),
            v.name(), v.version(), v.document(), v.digest(), v.description(), v.extra(), v.author(), v.createdAt(),
            v.deleted() ? 1L : 0L);
    }

    private Future<Integer> audit(final Sql.Tx tx, final Actor actor, final String action, final String resource,
        final String detail)
    {
        return tx.update("INSERT INTO audit (at, actor, roles, action, resource, detail) VALUES ($1, $2, $3, $4, " +
            "$5, $6)", clock.instant().toString(), actor.name(), actor.roles(), action, resource, detail);
    }

    private static final String VERSION_COLUMNS = "v.kind, v.name, v.version, v.document, v.digest, v.description, " +
        "v.extra, v.author, v.created_at, v.deleted";
    /** Lists carry no documents (a rule set may be megabytes): fetch one version for its text. */
    private static final String LISTED_COLUMNS = "v.kind, v.name, v.version, NULL, v.digest, v.description, " +
        "v.extra, v.author, v.created_at, v.deleted";

    /** @return the live document's current version; 404 when absent or deleted. */
    public Future<DocumentVersion> get(final Kind kind, final String name)
    {
        return sql.read(tx -> current(tx, kind, name));
    }

    private static Future<DocumentVersion> current(final Sql.Tx tx, final Kind kind, final String name)
    {
        return tx.query("SELECT " + VERSION_COLUMNS + " FROM documents p JOIN document_versions v ON " +
            "v.kind = p.kind AND v.name = p.name AND v.version = p.current_version WHERE p.kind = $1 AND " +
            "p.name = $2 AND p.deleted = 0", kind.name(), name)
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound(quoted(kind, name))) :
                Future.succeededFuture(version(rows.getFirst())));
    }

    /** @return one version, live or not; 404 when there is none. */
    public Future<DocumentVersion> getVersion(final Kind kind, final String name, final long version)
    {
        return sql.read(tx -> tx.query("SELECT " + VERSION_COLUMNS + " FROM document_versions v WHERE " +
            "v.kind = $1 AND v.name = $2 AND v.version = $3", kind.name(), name, version)
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("version " + version +
                " of " + quoted(kind, name))) : Future.succeededFuture(version(rows.getFirst()))));
    }

    /** @return live documents of a kind by name, after {@code after} (exclusive; null from the start); no texts. */
    public Future<Page<DocumentVersion>> list(final Kind kind, final String after, final int limit)
    {
        return list(kind, after, limit, false);
    }

    /** @return the same page, with each document's text when {@code withDocuments} (for checks over all of them). */
    public Future<Page<DocumentVersion>> list(final Kind kind, final String after, final int limit,
        final boolean withDocuments)
    {
        return sql.read(tx -> tx.query("SELECT " + (withDocuments ? VERSION_COLUMNS : LISTED_COLUMNS) + " FROM " +
            "documents p JOIN document_versions v ON v.kind = p.kind AND v.name = p.name AND " +
            "v.version = p.current_version WHERE p.kind = $1 AND p.deleted = 0 AND p.name > $2 ORDER BY p.name " +
            "LIMIT $3", kind.name(), after == null ? "" : after, (long)limit + 1)
            .map(rows -> page(rows, limit, Store::version, DocumentVersion::name)));
    }

    /** @return a document's versions, newest first, below {@code before} (null: from the newest). */
    public Future<Page<DocumentVersion>> history(final Kind kind, final String name, final Long before,
        final int limit)
    {
        return sql.read(tx -> tx.query("SELECT current_version FROM documents WHERE kind = $1 AND name = $2",
            kind.name(), name)
            .compose(exists -> exists.isEmpty() ? Future.failedFuture(ApiException.notFound(quoted(kind, name))) :
                tx.query("SELECT " + LISTED_COLUMNS + " FROM document_versions v WHERE v.kind = $1 AND " +
                    "v.name = $2 AND v.version < $3 ORDER BY v.version DESC LIMIT $4", kind.name(), name,
                    before == null ? Long.MAX_VALUE : before, (long)limit + 1))
            .map(rows -> page(rows, limit, Store::version, v -> Long.toString(v.version()))));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Releases

    /** A release as listed (without its bundle). {@code summary} is JSON: counts and what went in. */
    public record Release(long id, String target, long version, String policyName, long policyVersion,
        long inventoryVersion, String rulesets, String digest, String previousDigest, String issuedAt,
        String expiresAt, String summary, String author)
    {
    }

    /** Where a new release goes: its version (one past the target's last) and the digest it chains to. */
    public record ReleaseSlot(String target, long version, String previousDigest)
    {
    }

    /** A signed bundle for a slot, and what to list about it. */
    public record SignedRelease(String policyName, long policyVersion, long inventoryVersion, String rulesets,
        String digest, String issuedAt, String expiresAt, String summary, byte[] bundle)
    {
    }

    /**
     * Creates the next release for {@code target}: {@code sign} is given the slot (version one past the target's
     * last, and that release's digest) and makes the bundle, outside any transaction (it may take a while); then the
     * row and its audit entry are written together. Versions per target only grow and each release chains to the one
     * before: when another release took the slot meanwhile, the unique (target, version) refuses this one with 409.
     */
    public Future<Release> createRelease(final String target, final Function<ReleaseSlot, Future<SignedRelease>> sign,
        final Actor actor)
    {
        return sql.transaction(tx -> tx.query("SELECT version, digest FROM releases WHERE target = $1 ORDER BY " +
            "version DESC LIMIT 1", target))
            .map(last -> last.isEmpty() ? new ReleaseSlot(target, 1, null) :
                new ReleaseSlot(target, (Long)last.getFirst()[0] + 1, (String)last.getFirst()[1]))
            .compose(slot -> sign.apply(slot).compose(signed -> sql.transaction(tx -> tx.query("SELECT version " +
                "FROM releases WHERE target = $1 AND version >= $2", target, slot.version())
                .compose(taken -> !taken.isEmpty() ? Future.failedFuture(ApiException.conflict("another release " +
                    "for target " + target + " took version " + slot.version() + " meanwhile; retry")) :
                    tx.update("INSERT INTO releases (target, version, policy_name, policy_version, " +
                        "inventory_version, rulesets, digest, previous_digest, issued_at, expires_at, summary, " +
                        "bundle, author) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", target,
                        slot.version(), signed.policyName(), signed.policyVersion(), signed.inventoryVersion(),
                        signed.rulesets(), signed.digest(), slot.previousDigest(), signed.issuedAt(),
                        signed.expiresAt(), signed.summary(), signed.bundle(), actor.name()))
                .compose(ignored -> audit(tx, actor, "release.create", "releases/" + target + "@" + slot.version(),
                    "policy " + signed.policyName() + "@" + signed.policyVersion() + ", rule sets [" +
                    signed.rulesets() + "], digest " + signed.digest()))
                .compose(ignored -> tx.query("SELECT " + RELEASE_COLUMNS + " FROM releases WHERE target = $1 AND " +
                    "version = $2", target, slot.version()))
                .map(rows -> release(rows.getFirst())))
                .recover(e -> Future.failedFuture(uniqueViolation(e) ? ApiException.conflict("another release for " +
                    "target " + target + " took version " + slot.version() + " meanwhile; retry") : e))));
    }

    private static final String RELEASE_COLUMNS = "id, target, version, policy_name, policy_version, " +
        "inventory_version, rulesets, digest, previous_digest, issued_at, expires_at, summary, author";

    /** @return releases, newest first, below id {@code before} (null: from the newest); for one target or all. */
    public Future<Page<Release>> listReleases(final String target, final Long before, final int limit)
    {
        return sql.read(tx -> target == null ?
            tx.query("SELECT " + RELEASE_COLUMNS + " FROM releases WHERE id < $1 ORDER BY id DESC LIMIT $2",
                before == null ? Long.MAX_VALUE : before, (long)limit + 1) :
            tx.query("SELECT " + RELEASE_COLUMNS + " FROM releases WHERE target = $1 AND id < $2 ORDER BY id DESC " +
                "LIMIT $3", target, before == null ? Long.MAX_VALUE : before, (long)limit + 1))
            .map(rows -> page(rows, limit, Store::release, r -> Long.toString(r.id())));
    }

    public Future<Release> getRelease(final long id)
    {
        return sql.read(tx -> tx.query("SELECT " + RELEASE_COLUMNS + " FROM releases WHERE id = $1", id))
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("release " + id)) :
                Future.succeededFuture(release(rows.getFirst())));
    }

    /** @return the signed bundle of a release. */
    public Future<byte[]> releaseBundle(final long id)
    {
        return sql.read(tx -> tx.query("SELECT bundle FROM releases WHERE id = $1", id))
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("release " + id)) :
                Future.succeededFuture((byte[])rows.getFirst()[0]));
    }

    private static Release release(final Object[] r)
    {
        return new Release((Long)r[0], (String)r[1], (Long)r[2], (String)r[3], (Long)r[4], (Long)r[5],
            (String)r[6], (String)r[7], (String)r[8], (String)r[9], (String)r[10], (String)r[11], (String)r[12]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // DPUs

    /**
     * A DPU as the fleet sees it. {@code labels} and {@code counters} are JSON objects; {@code attestation} is the
     * verifier's last word (unknown, affirming, warning, contraindicated, lapsed).
     */
    public record Dpu(String id, String labels, String registeredAt, String attestation, String attestedAt,
        Long activeVersion, String activeDigest, Long lastAckVersion, String lastAckAt, Long lastNackVersion,
        String lastNackReason, String lastNackAt, String lastSeen, String counters, boolean quarantined,
        String quarantineReason, String quarantinedBy, String quarantinedAt)
    {
    }

    private static final String DPU_COLUMNS = "id, labels, registered_at, attestation, attested_at, active_version, " +
        "active_digest, last_ack_version, last_ack_at, last_nack_version, last_nack_reason, last_nack_at, " +
        "last_seen, counters, quarantined, quarantine_reason, quarantined_by, quarantined_at";

    /** Registers a DPU by id with its labels (JSON object); 409 when the id is taken. */
    public Future<Dpu> registerDpu(final String id, final String labels, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.query("SELECT id FROM dpus WHERE id = $1", id).compose(rows ->
            !rows.isEmpty() ? Future.failedFuture(ApiException.conflict("DPU '" + id + "' is registered already")) :
                tx.update("INSERT INTO dpus (id, labels, registered_at, attestation, counters, quarantined) VALUES " +
                    "($1, $2, $3, 'unknown', '{}', 0)", id, labels, now)
                    .compose(ignored -> audit(tx, actor, "dpu.register", "dpus/" + id, "labels " + labels))
                    .compose(ignored -> dpu(tx, id))));
    }

    public Future<Dpu> getDpu(final String id)
    {
        return sql.read(tx -> dpu(tx, id));
    }

    private static Future<Dpu> dpu(final Sql.Tx tx, final String id)
    {
        return tx.query("SELECT " + DPU_COLUMNS + " FROM dpus WHERE id = $1", id).compose(rows -> rows.isEmpty() ?
            Future.failedFuture(ApiException.notFound("DPU '" + id + "'")) : Future.succeededFuture(dpu(rows
            .getFirst())));
    }

    /** @return DPUs by id after {@code after} (exclusive; null from the start). */
    public Future<Page<Dpu>> listDpus(final String after, final int limit)
    {
        return sql.read(tx -> tx.query("SELECT " + DPU_COLUMNS + " FROM dpus WHERE id > $1 ORDER BY id " +
            "LIMIT $2", after == null ? "" : after, (long)limit + 1))
            .map(rows -> page(rows, limit, Store::dpu, Dpu::id));
    }

    /** Quarantines a DPU's host ({@code reason} non-null) or lifts it (null); audited with who and why. */
    public Future<Dpu> quarantine(final String id, final String reason, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> (reason != null ?
            tx.update("UPDATE dpus SET quarantined = 1, quarantine_reason = $2, quarantined_by = $3, " +
                "quarantined_at = $4 WHERE id = $1", id, reason, actor.name(), now) :
            tx.update("UPDATE dpus SET quarantined = 0, quarantine_reason = NULL, quarantined_by = NULL, " +
                "quarantined_at = NULL WHERE id = $1", id))
            .compose(changed -> changed == 0 ? Future.failedFuture(ApiException.notFound("DPU '" + id + "'")) :
                audit(tx, actor, reason != null ? "dpu.quarantine" : "dpu.lift-quarantine", "dpus/" + id,
                    reason != null ? "reason: " + reason : "quarantine lifted"))
            .compose(ignored -> dpu(tx, id)));
    }

    /** What a DPU agent reported: an ACK of a version it now enforces, or a NACK with the reason; and counters. */
    public record Report(boolean ack, long version, String digest, String reason, String counters)
    {
    }

    /** Records an agent's report (the agent's own channel; not audited as a person's action). */
    public Future<Dpu> recordReport(final String id, final Report report)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> report(tx, id, report, now).compose(ignored -> dpu(tx, id)));
    }

    private static Future<Integer> report(final Sql.Tx tx, final String id, final Report report, final String now)
    {
        return (report.ack() ?
            tx.update("UPDATE dpus SET active_version = $2, active_digest = $3, last_ack_version = $2, " +
                "last_ack_at = $4, last_seen = $4, counters = $5 WHERE id = $1", id, report.version(),
                report.digest(), now, report.counters()) :
            tx.update("UPDATE dpus SET last_nack_version = $2, last_nack_reason = $3, last_nack_at = $4, " +
                "last_seen = $4, counters = $5 WHERE id = $1", id, report.version(), report.reason(), now,
                report.counters()))
            .compose(changed -> changed == 0 ? Future.failedFuture(ApiException.notFound("DPU '" + id + "'")) :
                Future.succeededFuture(changed));
    }

    /** Records that an agent was heard from: its active release and counters (hello, periodic reports). */
    public Future<Integer> recordSeen(final String id, final Long activeVersion, final String activeDigest,
        final String counters)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.update("UPDATE dpus SET active_version = $2, active_digest = $3, " +
            "last_seen = $4, counters = $5 WHERE id = $1", id, activeVersion, activeDigest, now, counters));
    }

    /** Records the verifier's latest result for a DPU. */
    public Future<Dpu> recordAttestation(final String id, final String status)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.update("UPDATE dpus SET attestation = $2, attested_at = $3, last_seen = $3 " +
            "WHERE id = $1", id, status, now)
            .compose(changed -> changed == 0 ? Future.failedFuture(ApiException.notFound("DPU '" + id + "'")) :
                dpu(tx, id)));
    }

    private static Dpu dpu(final Object[] r)
    {
        return new Dpu((String)r[0], (String)r[1], (String)r[2], (String)r[3], (String)r[4], (Long)r[5],
            (String)r[6], (Long)r[7], (String)r[8], (Long)r[9], (String)r[10], (String)r[11], (String)r[12],
            (String)r[13], (Long)r[14] != 0, (String)r[15], (String)r[16], (String)r[17]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Enrolments, rollouts, deliveries (the agent channel)

    /**
     * A DPU's enrolment. {@code attester} is {@code tpm} or {@code software}; {@code ak} the attestation key (TPMT_PUBLIC
     * base64 for a TPM, PEM for software); {@code reference} the PCR reference values (YAML) or null for the fleet's.
     */
    public record Enrolment(String dpuId, String attester, String ak, String akName, String certificateFingerprint,
        String reference, String enrolledAt)
    {
    }

    /** Records an enrolment, replacing an earlier one (whose certificate is no longer accepted); audited. */
    public Future<Enrolment> enrol(final Enrolment enrolment, final Actor actor)
    {
        return sql.transaction(tx -> tx.update("DELETE FROM enrolments WHERE dpu_id = $1", enrolment.dpuId())
            .compose(replaced -> tx.update("INSERT INTO enrolments (dpu_id, attester, ak, ak_name, " +
                    "certificate_fingerprint, reference, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    enrolment.dpuId(), enrolment.attester(), enrolment.ak(), enrolment.akName(),
                    enrolment.certificateFingerprint(), enrolment.reference(), enrolment.enrolledAt())
                .compose(ignored -> audit(tx, actor, replaced > 0 ? "dpu.re-enrol" : "dpu.enrol", "dpus/" +
                    enrolment.dpuId(), enrolment.attester() + " attester, AK " + enrolment.akName() +
                    ", certificate " + enrolment.certificateFingerprint())))
            .map(enrolment));
    }

    /** @return the DPU's enrolment, or null when it has none. */
    public Future<Enrolment> enrolment(final String dpuId)
    {
        return sql.read(tx -> tx.query("SELECT dpu_id, attester, ak, ak_name, certificate_fingerprint, reference, " +
            "enrolled_at FROM enrolments WHERE dpu_id = $1", dpuId))
            .map(rows -> rows.isEmpty() ? null : enrolmentRow(rows.getFirst()));
    }

    private static Enrolment enrolmentRow(final Object[] r)
    {
        return new Enrolment((String)r[0], (String)r[1], (String)r[2], (String)r[3], (String)r[4], (String)r[5],
            (String)r[6]);
    }

    /** A release's rollout. {@code stage}: canary, all, halted, superseded. */
    public record Rollout(long releaseId, String target, long version, String stage, Long percent, String selector,
        long maxNacks, String haltedReason, long sequence, String promotedAt, String updatedAt, String promotedBy)
    {
    }

    private static final String ROLLOUT_COLUMNS = "release_id, target, version, stage, percent, selector, max_nacks, " +
        "halted_reason, sequence, promoted_at, updated_at, promoted_by";

    private static Rollout rolloutRow(final Object[] r)
    {
        return new Rollout((Long)r[0], (String)r[1], (Long)r[2], (String)r[3], (Long)r[4], (String)r[5],
            (Long)r[6], (String)r[7], (Long)r[8], (String)r[9], (String)r[10], (String)r[11]);
    }

    /**
     * Promotes a release: to a canary set ({@code percent} of the target's DPUs, or those {@code selector} picks) or
     * to all. Promoting again moves it on (canary to all) or resumes a halted rollout. Rollouts of earlier releases
     * for the same target are superseded: a DPU is sent only the newest promoted release that includes it.
     */
    public Future<Rollout> promote(final long releaseId, final String stage, final Long percent,
        final String selector, final long maxNacks, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.query("SELECT target, version FROM releases WHERE id = $1", releaseId)
            .compose(rows ->
            {
                if (rows.isEmpty())
                {
                    return Future.failedFuture(ApiException.notFound("release " + releaseId));
                }
                final String target = (String)rows.getFirst()[0];
                final long version = (Long)rows.getFirst()[1];
                return tx.query("SELECT version FROM rollouts WHERE target = $1 AND version > $2 AND stage <> " +
                    "'superseded' ORDER BY version DESC LIMIT 1", target, version)
                    .compose(newer -> !newer.isEmpty() ? Future.failedFuture(ApiException.conflict("release " +
                        target + "@" + newer.getFirst()[0] + " is promoted already; promoting the older " + target +
                        "@" + version + " would not reach DPUs that run it (versions only go forward): roll back " +
                        "instead (POST /v1/releases/{id}/rollback re-issues earlier content as a new version)")) :
                        tx.query("SELECT COALESCE(MAX(sequence), 0) FROM rollouts"))
                    .compose(seq -> tx.update("UPDATE rollouts SET stage = 'superseded', updated_at = $3 WHERE " +
                            "target = $1 AND version < $2 AND stage <> 'superseded'", target, version, now)
                        .compose(ignored -> tx.update("DELETE FROM rollouts WHERE release_id = $1", releaseId))
                        .compose(ignored -> tx.update("INSERT INTO rollouts (" + ROLLOUT_COLUMNS + ") VALUES ($1, " +
                            "$2, $3, $4, $5, $6, $7, NULL, $8, $9, $9, $10)", releaseId, target, version, stage,
                            percent, selector, maxNacks, ((Number)seq.getFirst()[0]).longValue() + 1, now,
                            actor.name())))
                    .compose(ignored -> audit(tx, actor, "release.promote", "releases/" + releaseId, stage +
                        (percent != null ? " " + percent + "%" : "") + (selector != null ? " " + selector : "") +
                        ", halt after " + maxNacks + " NACKs"))
                    .compose(ignored -> rollout(tx, releaseId));
            }));
    }

    /** Halts a rollout (NACKs passed its threshold): no DPU is sent the release any more; audited. */
    public Future<Rollout> haltRollout(final long releaseId, final String reason, final Actor actor)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> tx.update("UPDATE rollouts SET stage = 'halted', halted_reason = $2, " +
                "updated_at = $3 WHERE release_id = $1 AND stage IN ('canary', 'all')", releaseId, reason, now)
            .compose(changed -> changed == 0 ? Future.succeededFuture() : audit(tx, actor, "release.halt",
                "releases/" + releaseId, reason))
            .compose(ignored -> rollout(tx, releaseId)));
    }

    private static Future<Rollout> rollout(final Sql.Tx tx, final long releaseId)
    {
        return tx.query("SELECT " + ROLLOUT_COLUMNS + " FROM rollouts WHERE release_id = $1", releaseId)
            .compose(rows -> rows.isEmpty() ? Future.failedFuture(ApiException.notFound("a rollout of release " +
                releaseId + " (it was never promoted)")) : Future.succeededFuture(rolloutRow(rows.getFirst())));
    }

    public Future<Rollout> rollout(final long releaseId)
    {
        return sql.read(tx -> rollout(tx, releaseId));
    }

    /** @return rollouts that send their release (canary or all), oldest promotion first. */
    public Future<List<Rollout>> activeRollouts()
    {
        return sql.read(tx -> tx.query("SELECT " + ROLLOUT_COLUMNS + " FROM rollouts WHERE stage IN ('canary', " +
            "'all') ORDER BY sequence")).map(rows -> rows.stream().map(Store::rolloutRow).toList());
    }

    /** One DPU's answer to a release. {@code state}: acked or nacked. */
    public record Delivery(long releaseId, String dpuId, String state, String reason, String at)
    {
    }

    /**
     * Records an agent's report about a release in one transaction: the DPU's row (as {@link #recordReport}) and the
     * delivery. @return the release's NACK count after it.
     */
    public Future<Long> recordDelivery(final String dpuId, final long releaseId, final Report report)
    {
        final String now = clock.instant().toString();
        return sql.transaction(tx -> report(tx, dpuId, report, now)
            .compose(ignored -> tx.update("DELETE FROM deliveries WHERE release_id = $1 AND dpu_id = $2", releaseId,
                dpuId))
            .compose(ignored -> tx.update("INSERT INTO deliveries (release_id, dpu_id, state, reason, at) VALUES " +
                "($1, $2, $3, $4, $5)", releaseId, dpuId, report.ack() ? "acked" : "nacked", report.reason(), now))
            .compose(ignored -> tx.query("SELECT COUNT(*) FROM deliveries WHERE release_id = $1 AND state = " +
                "'nacked'", releaseId))
            .map(rows -> ((Number)rows.getFirst()[0]).longValue()));
    }

    /** @return deliveries of a release by DPU id after {@code after}; {@code state} null for all. */
    public Future<Page<Delivery>> deliveries(final long releaseId, final String state, final String after,
        final int limit)
    {
        return sql.read(tx -> tx.query("SELECT release_id, dpu_id, state, reason, at FROM deliveries WHERE " +
                "release_id = $1 AND dpu_id > $2 AND ($3 = '' OR state = $3) ORDER BY dpu_id LIMIT $4", releaseId,
                after == null ? "" : after, state == null ? "" : state, (long)limit + 1))
            .map(rows -> page(rows, limit, r -> new Delivery((Long)r[0], (String)r[1], (String)r[2], (String)r[3],
                (String)r[4]), Delivery::dpuId));
    }

    /** @return counts of a release's deliveries by state. */
    public Future<Map<String, Long>> deliveryCounts(final long releaseId)
    {
        return sql.read(tx -> tx.query("SELECT state, COUNT(*) FROM deliveries WHERE release_id = $1 GROUP BY state",
            releaseId)).map(rows ->
        {
            final Map<String, Long> counts = new java.util.TreeMap<>();
            for (final Object[] row : rows)
            {
                counts.put((String)row[0], ((Number)row[1]).longValue());
            }
            return counts;
        });
    }

    /** @return every registered DPU's id and labels (JSON), for rollout selection. */
    public Future<Map<String, String>> dpuLabels()
    {
        return sql.read(tx -> tx.query("SELECT id, labels FROM dpus ORDER BY id")).map(rows ->
        {
            final Map<String, String> labels = new java.util.LinkedHashMap<>();
            for (final Object[] row : rows)
            {
                labels.put((String)row[0], (String)row[1]);
            }
            return labels;
        });
    }

    /** @return audit entries in order, after id {@code after} (0 from the start). */
    public Future<Page<AuditEntry>> audit(final long after, final int limit)
    {
        return sql.read(tx -> tx.query("SELECT id, at, actor, roles, action, resource, detail FROM audit " +
            "WHERE id > $1 ORDER BY id LIMIT $2", after, (long)limit + 1))
            .map(rows -> page(rows, limit, r -> new AuditEntry((Long)r[0], (String)r[1], (String)r[2],
                (String)r[3], (String)r[4], (String)r[5], (String)r[6]), e -> Long.toString(e.id())));
    }

    /** @return whether the database answers. */
    public Future<Boolean> ping()
    {
        return sql.read(tx -> tx.query("SELECT 1")).map(rows -> rows.size() == 1);
    }

    private static <T> Page<T> page(final List<Object[]> rows, final int limit, final Function<Object[], T> read,
        final Function<T, String> key)
    {
        final List<T> items = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, rows.size()); i++)
        {
            items.add(read.apply(rows.get(i)));
        }
        return new Page<>(items, rows.size() > limit ? key.apply(items.getLast()) : null);
    }

    private static DocumentVersion version(final Object[] r)
    {
        return new DocumentVersion(Kind.valueOf((String)r[0]), (String)r[1], (Long)r[2], (String)r[3],
            (String)r[4], (String)r[5], (String)r[6], (String)r[7], (String)r[8], (Long)r[9] != 0);
    }

    @Override
    public void close()
    {
        sql.close();
    }
}
