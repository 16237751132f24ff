package dev.palisade.api.store;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.palisade.api.store.Store.Kind.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The store contract on the embedded SQLite store, and what survives closing and reopening it. */
class SqliteStoreTest extends StoreContract
{
    @TempDir
    Path dir;

    @Override
    Sql openSql(final Vertx vertx) throws Exception
    {
        return SqliteSql.open(vertx, dir.resolve("palisade.db"));
    }

    @Test
    void whatWasCommittedSurvivesReopening() throws Exception
    {
        final Store first = store();
        await(first.create(POLICY, "web", new Store.Content("doc 1", "d1", null, null), ALICE));
        await(first.update(POLICY, "web", 1, new Store.Content("doc 2", "d2", null, null), ALICE));
        first.close();
        final Store reopened = store();
        assertEquals(2, await(reopened.get(POLICY, "web")).version());
        assertEquals(2, await(reopened.audit(0, 10)).items().size());
    }
}
