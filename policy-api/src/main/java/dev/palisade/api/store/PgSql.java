package dev.palisade.api.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** PostgreSQL through the Vert.x reactive client: what several API replicas behind a load balancer share. */
public final class PgSql implements Sql
{
    private final Pool pool;

    private PgSql(final Pool pool)
    {
        this.pool = pool;
    }

    /**
     * @param uri {@code postgresql://user:password@host:port/database}
     */
    public static PgSql connect(final Vertx vertx, final String uri, final int poolSize)
    {
        final Pool pool = PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(poolSize))
            .connectingTo(PgConnectOptions.fromUri(uri))
            .using(vertx)
            .build();
        return new PgSql(pool);
    }

    @Override
    public Dialect dialect()
    {
        return Dialect.POSTGRES;
    }

    @Override
    public <T> Future<T> transaction(final Function<Tx, Future<T>> body)
    {
        return pool.withTransaction(connection -> body.apply(new PgTx(connection, true)));
    }

    @Override
    public <T> Future<T> read(final Function<Tx, Future<T>> body)
    {
        return pool.withConnection(connection -> body.apply(new PgTx(connection, false)));
    }

    private record PgTx(SqlConnection connection, boolean writes) implements Tx
    {
        @Override
        public Future<List<Object[]>> query(final String sql, final Object... params)
        {
            return connection.preparedQuery(sql).execute(tuple(params)).map(rows ->
            {
                final List<Object[]> out = new ArrayList<>(rows.size());
                for (final Row row : rows)
                {
                    final Object[] values = new Object[row.size()];
                    for (int c = 0; c < values.length; c++)
                    {
                        final Object value = row.getValue(c);
                        values[c] = value instanceof Integer i ? Long.valueOf(i) :
                            value instanceof Short s ? Long.valueOf(s) :
                            value instanceof Buffer b ? b.getBytes() : value;
                    }
                    out.add(values);
                }
                return out;
            });
        }

        @Override
        public Future<Integer> update(final String sql, final Object... params)
        {
            if (!writes)
            {
                return Future.failedFuture(new IllegalStateException("a read may not change anything: " + sql));
            }
            return connection.preparedQuery(sql).execute(tuple(params)).map(rows -> rows.rowCount());
        }

        private static Tuple tuple(final Object... params)
        {
            final List<Object> values = new ArrayList<>(params.length);
            for (final Object param : params)
            {
                values.add(param instanceof byte[] bytes ? Buffer.buffer(bytes) : param);
            }
            return Tuple.from(values);
        }
    }

    @Override
    public void close()
    {
        pool.close();
    }
}
