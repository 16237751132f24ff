package dev.palisade.dpi.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * A scripted connection for tests: data in either direction, gaps and the close, in order. {@link #run} feeds it to a
 * fresh parser cutting each data step into pieces, so one script can be fed whole, a byte at a time or in random
 * pieces and the outcomes compared.
 */
public final class Conversation
{
    /** Pieces of a data step: given the bytes left in the step, how many to feed next. */
    public static final IntUnaryOperator WHOLE = left -> left;
    public static final IntUnaryOperator ONE_BYTE = left -> 1;

    private sealed interface Step permits Data, Gap, Close
    {
    }

    private record Data(boolean toServer, byte[] bytes) implements Step
    {
    }

    private record Gap(boolean toServer, long length) implements Step
    {
    }

    private record Close() implements Step
    {
    }

    /** What a run produced: the parser (for counters) and the recorded callbacks. */
    public record Outcome(HttpParser parser, RecordingListener recorder)
    {
        /** @return the callbacks, then the anomaly counters and parser state, one line each. */
        public List<String> describe()
        {
            final List<String> lines = new ArrayList<>(recorder.lines());
            for (final HttpAnomaly anomaly : HttpAnomaly.values())
            {
                if (parser.anomalyCount(anomaly) != 0)
                {
                    lines.add(anomaly.label() + "=" + parser.anomalyCount(anomaly));
                }
            }
            lines.add("http=" + parser.isHttp() + " requestsStopped=" + parser.isStopped(true) +
                " responsesStopped=" + parser.isStopped(false) + " pending=" + parser.pendingTransactions());
            return lines;
        }

        public long count(final HttpAnomaly anomaly)
        {
            return parser.anomalyCount(anomaly);
        }
    }

    private final List<Step> steps = new ArrayList<>();

    public Conversation toServer(final String text)
    {
        return toServer(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Conversation toServer(final byte[] bytes)
    {
        steps.add(new Data(true, bytes));
        return this;
    }

    public Conversation toClient(final String text)
    {
        return toClient(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Conversation toClient(final byte[] bytes)
    {
        steps.add(new Data(false, bytes));
        return this;
    }

    public Conversation gap(final boolean toServer, final long length)
    {
        steps.add(new Gap(toServer, length));
        return this;
    }

    public Conversation close()
    {
        steps.add(new Close());
        return this;
    }

    /** @return pieces of random sizes from 1 to {@code maxBytes}, reproducible from {@code seed}. */
    public static IntUnaryOperator randomPieces(final long seed, final int maxBytes)
    {
        final Random random = new Random(seed);
        return left -> 1 + random.nextInt(maxBytes);
    }

    public Outcome run(final HttpLimits limits, final IntUnaryOperator pieces)
    {
        final RecordingListener recorder = new RecordingListener();
        final HttpParser parser = new HttpParser(limits, recorder);
        feed(parser, pieces);
        return new Outcome(parser, recorder);
    }

    public Outcome run(final IntUnaryOperator pieces)
    {
        return run(HttpLimits.DEFAULTS, pieces);
    }

    /** Feeds the script into {@code parser}; each piece is copied into a fresh array so no test relies on aliasing. */
    public void feed(final HttpParser parser, final IntUnaryOperator pieces)
    {
        for (final Step step : steps)
        {
            switch (step)
            {
                case Data data ->
                {
                    int offset = 0;
                    while (offset < data.bytes().length)
                    {
                        final int left = data.bytes().length - offset;
                        final int count = Math.max(1, Math.min(left, pieces.applyAsInt(left)));
                        final byte[] piece = new byte[count + 2];
                        System.arraycopy(data.bytes(), offset, piece, 1, count);
                        if (data.toServer())
                        {
                            parser.toServer(piece, 1, count);
                        }
                        else
                        {
                            parser.toClient(piece, 1, count);
                        }
                        offset += count;
                    }
                }
                case Gap gap -> parser.gap(gap.toServer(), gap.length());
                case Close close -> parser.close();
            }
        }
    }
}
