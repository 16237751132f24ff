package dev.palisade.api.store;

import dev.palisade.api.testing.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** The store contract on PostgreSQL: a real server, one fresh database per test. */
class PgStoreTest extends StoreContract
{
    private static PostgresServer server;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Vertx vertx = Vertx.vertx();
    private PgSql sql;
    private Store store;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception
    {
        server.close();
    }

    @Override
    Store store()
    {
        try
        {
            sql = PgSql.connect(vertx, server.createDatabase("store" + DATABASES.incrementAndGet()), 4);
            store = await(Store.open(sql, Clock.systemUTC()));
            return store;
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Override
    Future<Integer> raw(final String statement)
    {
        return sql.transaction(tx -> tx.update(statement));
    }

    @AfterEach
    void close()
    {
        if (store != null)
        {
            store.close();
        }
        vertx.close();
    }
}
