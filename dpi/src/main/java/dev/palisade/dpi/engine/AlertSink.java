package dev.palisade.dpi.engine;

/** Receives alerts, on the worker thread that raised them. */
@FunctionalInterface
public interface AlertSink
{
    AlertSink NONE = alert -> {};

    void alert(Alert alert);
}
