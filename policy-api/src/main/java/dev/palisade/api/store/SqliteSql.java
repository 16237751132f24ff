package dev.palisade.api.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * SQLite in one file of the data directory, through JDBC on one worker thread: one writer, as SQLite wants, and
 * transactions that never interleave. Crash-safe: write-ahead log with {@code synchronous=FULL}, so a committed change
 * survives a power cut; a torn write is rolled back on the next open.
 * <p>
 * A transaction's body runs on that thread, and every statement completes before the next is issued: the body
 * composes already-completed futures, which run inline. Reads run on their own connections and threads (WAL lets
 * readers see the last commit while the writer works), each in a read transaction: one consistent snapshot.
 */
public final class SqliteSql implements Sql
{
    private static final Pattern DOLLAR_PARAMETER = Pattern.compile("\\$(\\d+)");
    /** Reader connections, each on its own thread. */
    private static final int READERS = 2;

    /** One connection and the one thread that uses it. */
    private record Lane(WorkerExecutor executor, Connection connection, boolean writes)
    {
    }

    private final Lane writer;
    private final Lane[] readers;
    private final AtomicInteger nextReader = new AtomicInteger();

    private SqliteSql(final Lane writer, final Lane[] readers)
    {
        this.writer = writer;
        this.readers = readers;
    }

    /** Opens (creating when absent) the database file. */
    public static SqliteSql open(final Vertx vertx, final Path file) throws SQLException
    {
        final String name = "palisade-sqlite-" + file.getFileName() + "-" + System.identityHashCode(file);
        final Lane writer = new Lane(vertx.createSharedWorkerExecutor(name, 1), connect(file), true);
        final Lane[] readers = new Lane[READERS];
        try
        {
            for (int i = 0; i < READERS; i++)
            {
                readers[i] = new Lane(vertx.createSharedWorkerExecutor(name + "-read-" + i, 1), connect(file), false);
            }
        }
        catch (final SQLException e)
        {
            close(writer);
            for (final Lane reader : readers)
            {
                if (reader != null)
                {
                    close(reader);
                }
            }
            throw e;
        }
        return new SqliteSql(writer, readers);
    }

    private static Connection connect(final Path file) throws SQLException
    {
        final Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement statement = connection.createStatement())
        {
            statement.execute("PRAGMA journal_mode=WAL");
            statement.execute("PRAGMA synchronous=FULL");
            statement.execute("PRAGMA foreign_keys=ON");
            statement.execute("PRAGMA busy_timeout=5000");
        }
        connection.setAutoCommit(false);
        return connection;
    }

    @Override
    public Dialect dialect()
    {
        return Dialect.SQLITE;
    }

    @Override
    public <T> Future<T> transaction(final Function<Tx, Future<T>> body)
    {
        return run(writer, body);
    }

    @Override
    public <T> Future<T> read(final Function<Tx, Future<T>> body)
    {
        return run(readers[Math.floorMod(nextReader.getAndIncrement(), readers.length)], body);
    }

    private static <T> Future<T> run(final Lane lane, final Function<Tx, Future<T>> body)
    {
        final Connection connection = lane.connection();
        return lane.executor().executeBlocking(() ->
        {
            final Future<T> result;
            try
            {
                result = body.apply(new JdbcTx(connection, lane.writes()));
            }
            catch (final RuntimeException e)
            {
                connection.rollback();
                throw e;
            }
            if (!result.isComplete())
            {
                connection.rollback();
                throw new IllegalStateException("a SQLite transaction body must complete on its thread");
            }
            if (result.failed() || !lane.writes())
            {
                // A read ends its snapshot so that checkpoints can go on.
                connection.rollback();
                if (result.failed())
                {
                    throw asException(result.cause());
                }
                return result.result();
            }
            try
            {
                connection.commit();
            }
            catch (final SQLException e)
            {
                // Never leave a half-finished transaction for the next request to commit.
                connection.rollback();
                throw e;
            }
            return result.result();
        }, false); // the lane's one thread orders its tasks; ordered=true would queue them on the caller's context
    }

    private static Exception asException(final Throwable cause)
    {
        return cause instanceof Exception e ? e : new RuntimeException(cause);
    }

    private record JdbcTx(Connection connection, boolean writes) implements Tx
    {
        @Override
        public Future<List<Object[]>> query(final String sql, final Object... params)
        {
            try (PreparedStatement statement = prepare(sql, params); ResultSet rows = statement.executeQuery())
            {
                final int columns = rows.getMetaData().getColumnCount();
                final List<Object[]> out = new ArrayList<>();
                while (rows.next())
                {
                    final Object[] row = new Object[columns];
                    for (int c = 0; c < columns; c++)
                    {
                        final Object value = rows.getObject(c + 1);
                        row[c] = value instanceof Integer i ? Long.valueOf(i) : value;
                    }
                    out.add(row);
                }
                return Future.succeededFuture(out);
            }
            catch (final SQLException e)
            {
                return Future.failedFuture(e);
            }
        }

        @Override
        public Future<Integer> update(final String sql, final Object... params)
        {
            if (!writes)
            {
                return Future.failedFuture(new IllegalStateException("a read may not change anything: " + sql));
            }
            try (PreparedStatement statement = prepare(sql, params))
            {
                return Future.succeededFuture(statement.executeUpdate());
            }
            catch (final SQLException e)
            {
                return Future.failedFuture(e);
            }
        }

        private PreparedStatement prepare(final String sql, final Object... params) throws SQLException
        {
            final PreparedStatement statement = connection.prepareStatement(
                DOLLAR_PARAMETER.matcher(sql).replaceAll("?$1"));
            for (int i = 0; i < params.length; i++)
            {
                statement.setObject(i + 1, params[i]);
            }
            return statement;
        }
    }

    @Override
    public void close()
    {
        for (final Lane reader : readers)
        {
            close(reader);
        }
        close(writer);
    }

    private static void close(final Lane lane)
    {
        try
        {
            lane.connection().close();
        }
        catch (final SQLException e)
        {
            // Closing after a failure: nothing more to do; WAL recovery happens on the next open.
        }
        lane.executor().close();
    }
}
