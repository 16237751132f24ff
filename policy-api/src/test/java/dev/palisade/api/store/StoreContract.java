package dev.palisade.api.store;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.palisade.api.store.Store.Kind.INVENTORY;
import static dev.palisade.api.store.Store.Kind.POLICY;
import static dev.palisade.api.store.Store.Kind.RULESET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every store must do, run against each database: versions and history, optimistic concurrency, deletion that
 * keeps history, paging, and an audit log that records each change and cannot be rewritten.
 */
abstract class StoreContract
{
    static final Store.Actor ALICE = new Store.Actor("alice", "policy-author");
    static final Store.Actor BOB = new Store.Actor("bob", "policy-admin");

    final Vertx vertx = Vertx.vertx();
    private Sql sql;
    private Store store;

    /** Opens the database under test: a fresh one, or (SQLite) the same file again. */
    abstract Sql openSql(Vertx vertx) throws Exception;

    /** A store over a newly opened database, closed after the test. */
    Store store()
    {
        try
        {
            sql = openSql(vertx);
            store = await(Store.open(sql, Clock.systemUTC()));
            return store;
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** Runs raw SQL against the store's database (to try to rewrite the audit log behind the API's back). */
    Future<Integer> raw(final String statement)
    {
        return sql.transaction(tx -> tx.update(statement));
    }

    @AfterEach
    void closeStore()
    {
        if (store != null)
        {
            store.close();
        }
        vertx.close();
    }

    static <T> T await(final Future<T> future) throws Exception
    {
        try
        {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    static Store.Content doc(final String text, final String digest)
    {
        return new Store.Content(text, digest, null, null);
    }

    static ApiException failure(final Future<?> future)
    {
        return assertInstanceOf(ApiException.class, assertThrows(Exception.class, () -> await(future)));
    }

    @Test
    void versionsHistoryAndConcurrency() throws Exception
    {
        final Store store = store();
        final Store.DocumentVersion v1 = await(store.create(POLICY, "web", new Store.Content("doc 1", "d1", "first", null), ALICE));
        assertEquals(1, v1.version());
        assertEquals(409, failure(store.create(POLICY, "web", doc("doc", "d"), ALICE)).status());

        final Store.DocumentVersion v2 = await(store.update(POLICY, "web", 1, doc("doc 2", "d2"), BOB));
        assertEquals(2, v2.version());
        // A writer still holding version 1 loses, and is told the current version.
        final ApiException stale = failure(store.update(POLICY, "web", 1, doc("doc 2b", "d2b"), ALICE));
        assertEquals(412, stale.status());
        assertTrue(stale.getMessage().contains("is at version 2, not 1"), stale.getMessage());
        assertEquals(404, failure(store.update(POLICY, "nope", 1, doc("x", "x"), ALICE)).status());

        assertEquals("doc 2", await(store.get(POLICY, "web")).document());
        assertEquals("doc 1", await(store.getVersion(POLICY, "web", 1)).document());
        final Store.Page<Store.DocumentVersion> history = await(store.history(POLICY, "web", null, 10));
        assertEquals(2, history.items().size());
        assertEquals(2, history.items().getFirst().version());
        assertNull(history.next());

        assertEquals(3, await(store.delete(POLICY, "web", 2, ALICE)));
        assertEquals(404, failure(store.get(POLICY, "web")).status());
        assertTrue(await(store.getVersion(POLICY, "web", 3)).deleted());
        assertEquals("doc 1", await(store.getVersion(POLICY, "web", 1)).document(), "history survives deletion");
        // Created again, the name continues its history.
        assertEquals(4, await(store.create(POLICY, "web", doc("doc 4", "d4"), BOB)).version());
    }

    @Test
    void listsArePagedInOrder() throws Exception
    {
        final Store store = store();
        for (int i = 0; i < 7; i++)
        {
            await(store.create(POLICY, "p" + i, doc("doc", "d"), ALICE));
        }
        final Store.Page<Store.DocumentVersion> first = await(store.list(POLICY, null, 3));
        assertEquals(3, first.items().size());
        assertEquals("p2", first.next());
        final Store.Page<Store.DocumentVersion> second = await(store.list(POLICY, first.next(), 3));
        assertEquals("p3", second.items().getFirst().name());
        final Store.Page<Store.DocumentVersion> last = await(store.list(POLICY, second.next(), 3));
        assertEquals(1, last.items().size());
        assertNull(last.next());
    }

    @Test
    void everyChangeIsAuditedAndTheAuditLogIsAppendOnly() throws Exception
    {
        final Store store = store();
        await(store.create(POLICY, "web", doc("doc", "d1"), ALICE));
        await(store.update(POLICY, "web", 1, doc("doc 2", "d2"), BOB));
        failure(store.update(POLICY, "web", 1, doc("lost", "d3"), ALICE));
        await(store.delete(POLICY, "web", 2, BOB));
        final Store.Page<Store.AuditEntry> audit = await(store.audit(0, 100));
        assertEquals(3, audit.items().size(), "a failed change leaves no entry: " + audit.items());
        assertEquals("policy.create", audit.items().get(0).action());
        assertEquals("alice", audit.items().get(0).actor());
        assertEquals("policy.update", audit.items().get(1).action());
        assertEquals("policy.delete", audit.items().get(2).action());
        assertEquals("policies/web", audit.items().get(2).resource());

        final Exception update = assertThrows(Exception.class, () -> await(raw("UPDATE audit SET actor = 'mallory'")));
        assertTrue(String.valueOf(update.getMessage()).contains("append-only"), update.getMessage());
        final Exception delete = assertThrows(Exception.class, () -> await(raw("DELETE FROM audit")));
        assertTrue(String.valueOf(delete.getMessage()).contains("append-only"), delete.getMessage());
        assertEquals(3, await(store.audit(0, 100)).items().size());
        assertFalse(await(store.audit(2, 100)).items().isEmpty());
        // Reads see every commit, and cannot write.
        assertThrows(Exception.class, () -> await(sql.read(tx -> tx.update("INSERT INTO audit (at, actor, roles, " +
            "action, resource, detail) VALUES ('now', 'mallory', '', 'x', 'y', 'z')"))));
        assertEquals(3, await(store.audit(0, 100)).items().size());
    }

    @Test
    void kindsKeepTheirOwnNamesAndTheInventoryStartsAtVersionZero() throws Exception
    {
        final Store store = store();
        await(store.create(POLICY, "web", doc("policy", "d1"), ALICE));
        final Store.DocumentVersion rules = await(store.create(RULESET, "web", new Store.Content("rules", "d2",
            "et open", "{\"disabled\":[1]}"), ALICE));
        assertEquals(1, rules.version());
        assertEquals("{\"disabled\":[1]}", await(store.get(RULESET, "web")).extra());
        assertEquals("policy", await(store.get(POLICY, "web")).document());
        assertEquals(1, await(store.list(RULESET, null, 10)).items().size());

        assertEquals(1, await(store.put(INVENTORY, "fleet", 0, doc("inv 1", "i1"), ALICE)).version());
        assertEquals(412, failure(store.put(INVENTORY, "fleet", 0, doc("inv 1b", "i1b"), BOB)).status());
        assertEquals(2, await(store.put(INVENTORY, "fleet", 1, doc("inv 2", "i2"), BOB)).version());
        assertEquals(List.of("policy.create", "ruleset.create", "inventory.create", "inventory.update"),
            await(store.audit(0, 100)).items().stream().map(Store.AuditEntry::action).toList());
    }

    private static Future<Store.SignedRelease> signed(final Store.ReleaseSlot slot, final String digest)
    {
        return Future.succeededFuture(new Store.SignedRelease("web", 3, 1, "et@2", digest, "2026-11-21T00:00:00Z",
            "2026-12-21T00:00:00Z", "{}", ("bundle " + slot.version() + " after " + slot.previousDigest())
            .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void releaseVersionsGrowPerTargetAndChain() throws Exception
    {
        final Store store = store();
        final Store.Release first = await(store.createRelease("all", slot -> signed(slot, "a1"), BOB));
        assertEquals(1, first.version());
        assertNull(first.previousDigest());
        final Store.Release second = await(store.createRelease("all", slot -> signed(slot, "a2"), BOB));
        assertEquals(2, second.version());
        assertEquals("a1", second.previousDigest());
        assertEquals(1, await(store.createRelease("labels:site=fra1", slot -> signed(slot, "f1"), BOB)).version());
        assertArrayEquals("bundle 2 after a1".getBytes(StandardCharsets.UTF_8), await(store.releaseBundle(
            second.id())));
        assertEquals("et@2", await(store.getRelease(second.id())).rulesets());
        assertEquals(404, failure(store.getRelease(999)).status());

        // Another release took the slot while this one was being signed: refused, nothing written.
        final ApiException raced = failure(store.createRelease("all", slot -> store.createRelease("all",
            inner -> signed(inner, "a3"), BOB).compose(ignored -> signed(slot, "a3-late")), BOB));
        assertEquals(409, raced.status());
        final Store.Page<Store.Release> all = await(store.listReleases("all", null, 2));
        assertEquals(List.of(3L, 2L), all.items().stream().map(Store.Release::version).toList());
        assertEquals(1, await(store.listReleases("all", Long.parseLong(all.next()), 2)).items().size());
        assertEquals(4, await(store.listReleases(null, null, 10)).items().size());
        assertEquals(4, await(store.audit(0, 100)).items().size());
    }

    @Test
    void rolloutsSupersedeHaltAndCountDeliveries() throws Exception
    {
        final Store store = store();
        await(store.registerDpu("dpu-1", "{\"ring\":\"canary\"}", BOB));
        await(store.registerDpu("dpu-2", "{}", BOB));
        final Store.Release first = await(store.createRelease("all", slot -> signed(slot, "a1"), BOB));
        final Store.Release second = await(store.createRelease("all", slot -> signed(slot, "a2"), BOB));
        assertEquals(404, failure(store.rollout(first.id())).status(), "never promoted");
        assertEquals(404, failure(store.promote(999, "all", null, null, 0, BOB)).status());

        final Store.Rollout canary = await(store.promote(first.id(), "canary", 10L, null, 2, BOB));
        assertEquals("canary", canary.stage());
        assertEquals(10L, canary.percent());
        assertEquals(2, canary.maxNacks());
        final Store.Rollout all = await(store.promote(second.id(), "all", null, null, 0, BOB));
        assertTrue(all.sequence() > canary.sequence());
        assertEquals("superseded", await(store.rollout(first.id())).stage());
        assertEquals(List.of(second.id()), await(store.activeRollouts()).stream().map(Store.Rollout::releaseId)
            .toList());
        // An older release cannot be promoted over a newer one.
        assertEquals(409, failure(store.promote(first.id(), "all", null, null, 0, BOB)).status());

        assertEquals(0L, await(store.recordDelivery("dpu-1", second.id(), new Store.Report(true, 2, "a2", null,
            "{}"))));
        assertEquals(1L, await(store.recordDelivery("dpu-2", second.id(), new Store.Report(false, 2, "a2",
            "policy_invalid: bad", "{}"))));
        assertEquals(java.util.Map.of("acked", 1L, "nacked", 1L), await(store.deliveryCounts(second.id())));
        assertEquals(List.of("dpu-2"), await(store.deliveries(second.id(), "nacked", null, 10)).items().stream()
            .map(Store.Delivery::dpuId).toList());
        assertEquals(2L, await(store.getDpu("dpu-1")).activeVersion());

        final Store.Rollout halted = await(store.haltRollout(second.id(), "1 DPU refused", new Store.Actor("rollout",
            "")));
        assertEquals("halted", halted.stage());
        assertEquals("1 DPU refused", halted.haltedReason());
        assertTrue(await(store.activeRollouts()).isEmpty());

        final Store.Enrolment enrolment = new Store.Enrolment("dpu-1", "tpm", "AAA=", "000b12", "ff00", null,
            "2026-01-01T00:00:00Z");
        await(store.enrol(enrolment, new Store.Actor("verifier", "")));
        assertEquals(enrolment, await(store.enrolment("dpu-1")));
        assertNull(await(store.enrolment("dpu-2")));
        final List<String> actions = await(store.audit(0, 100)).items().stream().map(Store.AuditEntry::action)
            .toList();
        assertTrue(actions.containsAll(List.of("release.promote", "release.halt", "dpu.enrol")), actions.toString());
    }

    @Test
    void dpusRegisterReportAndAreQuarantinedWithAnAuditTrail() throws Exception
    {
        final Store store = store();
        final Store.Dpu dpu = await(store.registerDpu("dpu-1", "{\"site\":\"fra1\"}", BOB));
        assertEquals("unknown", dpu.attestation());
        assertFalse(dpu.quarantined());
        assertEquals(409, failure(store.registerDpu("dpu-1", "{}", BOB)).status());
        await(store.registerDpu("dpu-2", "{}", BOB));

        await(store.recordAttestation("dpu-1", "affirming"));
        await(store.recordReport("dpu-1", new Store.Report(true, 4, "abc", null, "{\"packets\":10}")));
        final Store.Dpu nacked = await(store.recordReport("dpu-1", new Store.Report(false, 5, null,
            "version_not_newer", "{\"packets\":12}")));
        assertEquals("affirming", nacked.attestation());
        assertEquals(4L, nacked.activeVersion(), "a NACK leaves the active release as it was");
        assertEquals("abc", nacked.activeDigest());
        assertEquals(5L, nacked.lastNackVersion());
        assertEquals("version_not_newer", nacked.lastNackReason());
        assertEquals("{\"packets\":12}", nacked.counters());
        assertEquals(404, failure(store.recordReport("dpu-9", new Store.Report(true, 1, "x", null, "{}")))
            .status());

        final Store.Dpu quarantined = await(store.quarantine("dpu-1", "ransomware beacon", ALICE));
        assertTrue(quarantined.quarantined());
        assertEquals("alice", quarantined.quarantinedBy());
        assertFalse(await(store.quarantine("dpu-1", null, BOB)).quarantined());
        assertEquals(404, failure(store.quarantine("dpu-9", "x", ALICE)).status());
        assertEquals(List.of("dpu.register", "dpu.register", "dpu.quarantine", "dpu.lift-quarantine"),
            await(store.audit(0, 100)).items().stream().map(Store.AuditEntry::action).toList());

        final Store.Page<Store.Dpu> page = await(store.listDpus(null, 1));
        assertEquals("dpu-1", page.items().getFirst().id());
        assertEquals("dpu-2", await(store.listDpus(page.next(), 1)).items().getFirst().id());
    }
}
