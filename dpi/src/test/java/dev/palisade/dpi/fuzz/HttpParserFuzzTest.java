package dev.palisade.dpi.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.dpi.http.Conversation;
import dev.palisade.dpi.http.HttpLimits;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as both sides of a TCP connection (the HTTP parser reads what any client or server on the network
 * sends): nothing throws, and how the streams are cut into pieces does not change a single buffer, flag or counter.
 * In {@code mvn test} only the seeds in {@code HttpParserFuzzTestInputs/parseConversation} run; {@code JAZZER_FUZZ=1}
 * fuzzes.
 * <p>
 * Input format, so that seeds are readable conversations: bytes go from client to server until a marker; the markers
 * are {@code "\n>>>"} (client to server from here), {@code "\n<<<"} (server to client), {@code "\n###"} followed by one
 * byte n (a gap of n + 1 bytes in the current direction) and {@code "\n$$$"} (the connection closes).
 */
class HttpParserFuzzTest
{
    /** Small limits so that the fuzzer reaches every bound quickly; the ratio guard keeps its default (see below). */
    private static final HttpLimits SMALL =
        new HttpLimits(512, 256, 1024, 4, 1024, HttpLimits.DEFAULTS.maxDecompressionRatio());

    @FuzzTest(maxDuration = "30s")
    void parseConversation(final byte[] input)
    {
        final Conversation conversation = conversationOf(input);
        final int seed = Arrays.hashCode(input);
        // The ratio guard is judged as input arrives, so where it trips may depend on the cut; at the default ratio a
        // single deflate layer (at most ~1032:1) never trips it, which keeps the comparison exact.
        for (final HttpLimits limits : List.of(SMALL, HttpLimits.DEFAULTS))
        {
            final Conversation.Outcome whole = conversation.run(limits, Conversation.WHOLE);
            final List<String> expected = whole.describe();
            assertTrue(whole.parser().pendingTransactions() <= limits.maxPendingTransactions());
            assertEquals(expected, conversation.run(limits, Conversation.ONE_BYTE).describe(), "one byte at a time");
            final IntUnaryOperator pieces = Conversation.randomPieces(seed, 1 + (seed & 63));
            assertEquals(expected, conversation.run(limits, pieces).describe(), "random pieces");
        }
    }

    static Conversation conversationOf(final byte[] input)
    {
        final Conversation conversation = new Conversation();
        boolean toServer = true;
        int start = 0;
        int i = 0;
        while (i + 4 <= input.length)
        {
            final int marker = marker(input, i);
            if (marker == 0)
            {
                i++;
                continue;
            }
            data(conversation, toServer, input, start, i);
            i += 4;
            switch (marker)
            {
                case '>' -> toServer = true;
                case '<' -> toServer = false;
                case '#' ->
                {
                    if (i < input.length)
                    {
                        conversation.gap(toServer, (input[i] & 0xFF) + 1);
                        i++;
                    }
                }
                default -> conversation.close();
            }
            start = i;
        }
        data(conversation, toServer, input, start, input.length);
        return conversation;
    }

    /** @return the marker character ('>', '<', '#' or '$') when one starts at {@code i}, else 0. */
    private static int marker(final byte[] input, final int i)
    {
        if (input[i] != '\n')
        {
            return 0;
        }
        final byte c = input[i + 1];
        if ((c == '>' || c == '<' || c == '#' || c == '$') && input[i + 2] == c && input[i + 3] == c)
        {
            return c;
        }
        return 0;
    }

    private static void data(final Conversation conversation, final boolean toServer, final byte[] input,
        final int from, final int to)
    {
        if (to > from)
        {
            final byte[] bytes = Arrays.copyOfRange(input, from, to);
            if (toServer)
            {
                conversation.toServer(bytes);
            }
            else
            {
                conversation.toClient(bytes);
            }
        }
    }
}
