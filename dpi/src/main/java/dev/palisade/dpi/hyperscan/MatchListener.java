package dev.palisade.dpi.hyperscan;

/** Told about each match of a scan, on the scanning thread. */
@FunctionalInterface
public interface MatchListener
{
    /**
     * @param id   the matching expression's id.
     * @param from start of the match (0 unless the expression has {@link Expression#SOM_LEFTMOST}).
     * @param to   offset just after the end of the match, from the start of the buffer or stream.
     * @return true to go on scanning, false to stop the scan.
     */
    boolean onMatch(int id, long from, long to);
}
