package dev.palisade.api.testing;

import dev.palisade.api.ApiServer;
import dev.palisade.api.ReleaseSigner;
import dev.palisade.api.auth.Authenticator;
import dev.palisade.api.auth.DevAuth;
import dev.palisade.api.store.SqliteSql;
import dev.palisade.api.store.Store;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The API in dev mode in this process, on a free loopback port: tokens from a local key (one per role), the
 * embedded store in {@code dir}, and (when asked) dev-mode release keys in {@code dir}. Close it to stop.
 */
public record DevApi(Vertx vertx, DevAuth auth, Map<String, String> tokens, Store store, ApiServer server)
    implements AutoCloseable
{
    public static DevApi start(final Path dir, final boolean signsReleases) throws Exception
    {
        final Vertx vertx = Vertx.vertx();
        final DevAuth dev = DevAuth.create(vertx, 60);
        final Store store = Store.open(SqliteSql.open(vertx, dir.resolve("api.db")), Clock.systemUTC())
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        final ApiServer server = new ApiServer(vertx, new Authenticator(dev.provider(), null), store,
            signsReleases ? ReleaseSigner.devKeys(dir) : null);
        server.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new DevApi(vertx, dev, dev.tokenPerRole(), store, server);
    }

    @Override
    public void close() throws Exception
    {
        server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        store.close();
        vertx.close();
    }
}
