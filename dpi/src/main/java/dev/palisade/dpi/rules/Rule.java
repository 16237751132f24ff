package dev.palisade.dpi.rules;

import java.util.List;

/**
 * A loaded rule: header and the options this engine implements. Detection options keep their order
 * ({@link #detection}), since relative modifiers refer to the option before.
 *
 * @param protocol   tcp, udp, icmp or ip (the transport the rule applies to).
 * @param service    the application protocol from the header ({@code alert http …}) or Snort 3's {@code service:};
 *                   null for none.
 * @param bidirectional the header's {@code <>}.
 */
public record Rule(
    Action action,
    String protocol,
    String service,
    AddressMatcher source,
    PortMatcher sourcePorts,
    boolean bidirectional,
    AddressMatcher destination,
    PortMatcher destinationPorts,
    long sid,
    int gid,
    int rev,
    String msg,
    String classtype,
    int priority,
    List<Detection> detection,
    Flow flow,
    List<Flowbits> flowbits,
    Range dsize,
    Range itype,
    Range icode,
    Threshold threshold,
    String text,
    String file,
    int line)
{
    public enum Action
    {
        ALERT, DROP, REJECT, PASS
    }

    /** A detection option, in rule order. */
    public sealed interface Detection permits ContentDetection, PcreDetection, IsDataAt
    {
        Buffer buffer();
    }

    public record ContentDetection(Content content) implements Detection
    {
        @Override
        public Buffer buffer()
        {
            return content.buffer();
        }
    }

    /**
     * @param pattern the regular expression without delimiters.
     * @param flags   the modifiers that change matching (i, s, m, x, A, E, G); buffer modifiers became {@code buffer}.
     * @param relative the R modifier: starts where the previous match ended.
     */
    public record PcreDetection(String pattern, String flags, boolean negated, boolean relative, Buffer buffer)
        implements Detection
    {
    }

    /** {@code isdataat:[!]N[,relative]}. */
    public record IsDataAt(int position, boolean negated, boolean relative, Buffer buffer) implements Detection
    {
    }

    /** {@code flow:}: direction and state requirements; all false means none. */
    public record Flow(boolean toServer, boolean toClient, boolean established, boolean notEstablished,
        boolean stateless, boolean onlyStream, boolean noStream)
    {
        public static final Flow NONE = new Flow(false, false, false, false, false, false, false);
    }

    /** {@code flowbits:CMD[,NAME]}; names joined by {@code |} (any) or {@code &} (all) for isset/isnotset. */
    public record Flowbits(String command, List<String> names, boolean any)
    {
    }

    /** A numeric test: {@code N}, {@code >N}, {@code <N}, {@code N<>M} (exclusive), {@code !N}. */
    public record Range(long min, long max, boolean negated)
    {
        public boolean test(final long value)
        {
            final boolean inside = value >= min && value <= max;
            return inside != negated;
        }
    }

    /** threshold or detection_filter. */
    public record Threshold(String type, boolean trackBySource, int count, int seconds, boolean detectionFilter)
    {
    }
}
