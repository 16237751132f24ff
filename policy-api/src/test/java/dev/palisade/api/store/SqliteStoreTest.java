package dev.palisade.api.store;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

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
        await(first.createPolicy("web", "doc 1", "d1", null, ALICE));
        await(first.updatePolicy("web", 1, "doc 2", "d2", null, ALICE));
        first.close();
        final Store reopened = store();
        assertEquals(2, await(reopened.getPolicy("web")).version());
        assertEquals(2, await(reopened.audit(0, 10)).items().size());
    }
}
