package dev.palisade.api.store;

import dev.palisade.api.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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

    static ApiException failure(final Future<?> future)
    {
        return assertInstanceOf(ApiException.class, assertThrows(Exception.class, () -> await(future)));
    }

    @Test
    void versionsHistoryAndConcurrency() throws Exception
    {
        final Store store = store();
        final Store.PolicyVersion v1 = await(store.createPolicy("web", "doc 1", "d1", "first", ALICE));
        assertEquals(1, v1.version());
        assertEquals(409, failure(store.createPolicy("web", "doc", "d", null, ALICE)).status());

        final Store.PolicyVersion v2 = await(store.updatePolicy("web", 1, "doc 2", "d2", null, BOB));
        assertEquals(2, v2.version());
        // A writer still holding version 1 loses, and is told the current version.
        final ApiException stale = failure(store.updatePolicy("web", 1, "doc 2b", "d2b", null, ALICE));
        assertEquals(412, stale.status());
        assertTrue(stale.getMessage().contains("is at version 2, not 1"), stale.getMessage());
        assertEquals(404, failure(store.updatePolicy("nope", 1, "x", "x", null, ALICE)).status());

        assertEquals("doc 2", await(store.getPolicy("web")).document());
        assertEquals("doc 1", await(store.getPolicyVersion("web", 1)).document());
        final Store.Page<Store.PolicyVersion> history = await(store.policyHistory("web", null, 10));
        assertEquals(2, history.items().size());
        assertEquals(2, history.items().getFirst().version());
        assertNull(history.next());

        assertEquals(3, await(store.deletePolicy("web", 2, ALICE)));
        assertEquals(404, failure(store.getPolicy("web")).status());
        assertTrue(await(store.getPolicyVersion("web", 3)).deleted());
        assertEquals("doc 1", await(store.getPolicyVersion("web", 1)).document(), "history survives deletion");
        // Created again, the name continues its history.
        assertEquals(4, await(store.createPolicy("web", "doc 4", "d4", null, BOB)).version());
    }

    @Test
    void listsArePagedInOrder() throws Exception
    {
        final Store store = store();
        for (int i = 0; i < 7; i++)
        {
            await(store.createPolicy("p" + i, "doc", "d", null, ALICE));
        }
        final Store.Page<Store.PolicyVersion> first = await(store.listPolicies(null, 3));
        assertEquals(3, first.items().size());
        assertEquals("p2", first.next());
        final Store.Page<Store.PolicyVersion> second = await(store.listPolicies(first.next(), 3));
        assertEquals("p3", second.items().getFirst().name());
        final Store.Page<Store.PolicyVersion> last = await(store.listPolicies(second.next(), 3));
        assertEquals(1, last.items().size());
        assertNull(last.next());
    }

    @Test
    void everyChangeIsAuditedAndTheAuditLogIsAppendOnly() throws Exception
    {
        final Store store = store();
        await(store.createPolicy("web", "doc", "d1", null, ALICE));
        await(store.updatePolicy("web", 1, "doc 2", "d2", null, BOB));
        failure(store.updatePolicy("web", 1, "lost", "d3", null, ALICE));
        await(store.deletePolicy("web", 2, BOB));
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
    }
}
