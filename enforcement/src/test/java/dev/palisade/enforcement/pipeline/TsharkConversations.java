package dev.palisade.enforcement.pipeline;

import dev.palisade.enforcement.capture.Tshark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Counts the rows of Wireshark's TCP and UDP conversation tables ({@code tshark -q -z conv,tcp -z conv,udp}) for a
 * capture: the reference our flow counts are compared with. Each row is one conversation as tshark keys it (addresses,
 * ports and its own stream index), so a 5-tuple that tshark splits into several streams gives several rows.
 */
public final class TsharkConversations
{
    /** Conversations (or flows) of each transport. */
    public record Counts(long tcp, long udp)
    {
        public Counts plus(final Counts other)
        {
            return new Counts(tcp + other.tcp, udp + other.udp);
        }

        @Override
        public String toString()
        {
            return "tcp " + tcp + " udp " + udp;
        }
    }

    static final String TCP_SECTION = "TCP Conversations";
    static final String UDP_SECTION = "UDP Conversations";
    static final String ROW_MARK = "<->";
    private static final long TIMEOUT_SECONDS = 120;

    private TsharkConversations()
    {
    }

    public static boolean isAvailable()
    {
        return Tshark.isAvailable();
    }

    public static void assumeAvailable()
    {
        assumeTrue(isAvailable(), "tshark is not installed (not on PATH nor at /usr/bin/tshark): skipping the " +
            "comparison with Wireshark's conversation tables");
    }

    /**
     * Runs tshark on one capture and counts the rows of its TCP and UDP conversation tables.
     *
     * @param configDirectory an empty folder given to tshark as its personal configuration folder
     *                        ({@code WIRESHARK_CONFIG_DIR}), so that a user's preferences, disabled protocols or
     *                        "decode as" rules cannot change the tables.
     */
    public static Counts count(final Path capture, final Path configDirectory) throws IOException, InterruptedException
    {
        return parse(Tshark.run(List.of("-n", "-r", capture.toString(), "-q", "-z", "conv,tcp", "-z", "conv,udp"),
            Map.of("WIRESHARK_CONFIG_DIR", configDirectory.toString()), TIMEOUT_SECONDS));
    }

    /** Counts the {@code a:port <-> b:port} rows under each table's heading. */
    static Counts parse(final List<String> lines)
    {
        long tcp = 0;
        long udp = 0;
        String section = "";
        for (final String line : lines)
        {
            if (line.startsWith(TCP_SECTION) || line.startsWith(UDP_SECTION))
            {
                section = line;
            }
            else if (line.contains(ROW_MARK))
            {
                if (section.startsWith(TCP_SECTION))
                {
                    tcp++;
                }
                else if (section.startsWith(UDP_SECTION))
                {
                    udp++;
                }
            }
        }
        return new Counts(tcp, udp);
    }
}
