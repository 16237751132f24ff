package dev.palisade.api.store;

import dev.palisade.api.testing.PostgresServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.atomic.AtomicInteger;

/** The store contract on PostgreSQL: a real server, one fresh database per test. */
class PgStoreTest extends StoreContract
{
    private static PostgresServer server;
    private static final AtomicInteger DATABASES = new AtomicInteger();

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
    Sql openSql(final Vertx vertx) throws Exception
    {
        return PgSql.connect(vertx, server.createDatabase("store" + DATABASES.incrementAndGet()), 4);
    }
}
