package dev.palisade.api.store;

import io.vertx.core.Future;

import java.util.List;
import java.util.function.Function;

/**
 * The little SQL the store needs, over two databases: statements with numbered parameters ({@code $1}, {@code $2}:
 * PostgreSQL's form; SQLite reads them as {@code ?1}, {@code ?2}), run inside a transaction. Values are Long, String,
 * byte[] or null; a row is an array of them in select order.
 */
public interface Sql extends AutoCloseable
{
    /** Statements run by the body commit together, or not at all when its future fails. */
    <T> Future<T> transaction(Function<Tx, Future<T>> body);

    /** Queries that change nothing, run as one consistent read (on a reader where the database has them). */
    <T> Future<T> read(Function<Tx, Future<T>> body);

    /** @return which SQL dialect (for the few statements that differ). */
    Dialect dialect();

    @Override
    void close();

    enum Dialect
    {
        SQLITE, POSTGRES
    }

    /** One transaction's statements. */
    interface Tx
    {
        Future<List<Object[]>> query(String sql, Object... params);

        /** @return the number of rows changed. */
        Future<Integer> update(String sql, Object... params);
    }
}
