package dev.palisade.enforcement.firewall;

/**
 * Where firewall events go. Called from worker threads, one event at a time, on the packet path: an implementation
 * must be thread-safe, must copy what it keeps before returning, and should be quick (buffer, don't block). The SIEM
 * exporters (OCSF, CEF, syslog, Kafka) implement this; {@link JsonLinesEventSink} writes a file.
 */
public interface EventSink extends AutoCloseable
{
    /** Drops every event. */
    EventSink NONE = new EventSink()
    {
        @Override
        public void accept(final FirewallEvent event)
        {
        }

        @Override
        public void close()
        {
        }
    };

    void accept(FirewallEvent event);

    /** Writes out what is buffered. */
    default void flush()
    {
    }

    @Override
    void close();
}
