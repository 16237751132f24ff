package dev.palisade.enforcement.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.enforcement.capture.CaptureFormatException;
import dev.palisade.enforcement.capture.CaptureReader;
import dev.palisade.enforcement.packet.MalformedReason;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Arbitrary bytes as a capture file: {@link CaptureReader} may reject it only with a {@link CaptureFormatException}
 * (any other exception, an {@link IOException} included, is a bug for a readable regular file), and every packet it
 * does deliver must lie inside the mapped file. Each packet also goes through the parser. In a plain
 * {@code mvn test} only the seeds in {@code CaptureReaderFuzzTestInputs/readArbitraryFile} run.
 */
class CaptureReaderFuzzTest
{
    /** Bounds a run on a pathological input; real inputs end far sooner. */
    private static final int MAX_PACKETS = 100_000;

    private final PacketParser parser = new PacketParser();
    private final PacketMeta meta = new PacketMeta();

    @FuzzTest(maxDuration = "30s")
    void readArbitraryFile(final byte[] input) throws IOException
    {
        final Path file = Files.createTempFile("palisade-fuzz-", ".cap");
        try
        {
            Files.write(file, input);
            readAll(file, input.length);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private void readAll(final Path file, final long fileLength) throws IOException
    {
        final CaptureReader reader;
        try
        {
            reader = CaptureReader.open(file);
        }
        catch (final CaptureFormatException expected)
        {
            checkException(expected, file, fileLength);
            return;
        }

        try (reader)
        {
            int packets = 0;
            long previousRecordOffset = -1;
            while (packets < MAX_PACKETS && reader.next())
            {
                packets++;
                final int captured = reader.capturedLength();
                final DirectBuffer buffer = reader.buffer();
                final int offset = reader.packetOffset();
                check(captured >= 0 && captured <= CaptureReader.MAX_RECORD_BYTES, "capturedLength", captured);
                check(reader.wireLength() >= captured, "wireLength below capturedLength", reader.wireLength());
                check(offset >= 0 && (long)offset + captured <= buffer.capacity(), "packet past the mapping", offset);
                check(reader.recordOffset() > previousRecordOffset && reader.recordOffset() < fileLength,
                    "recordOffset", reader.recordOffset());
                check(reader.position() <= fileLength, "position past the end", reader.position());
                check(reader.packetCount() == packets, "packetCount", reader.packetCount());
                previousRecordOffset = reader.recordOffset();
                if (captured > 0)
                {
                    buffer.getByte(offset);
                    buffer.getByte(offset + captured - 1);
                }

                final int result = parser.parse(buffer, offset, captured, reader.wireLength(), reader.linkType(), meta);
                check(result >= 0 && result < MalformedReason.count(), "parse result", result);
            }
        }
        catch (final CaptureFormatException expected)
        {
            checkException(expected, file, fileLength);
        }
    }

    private static void checkException(final CaptureFormatException ex, final Path file, final long fileLength)
    {
        check(ex.file().equals(file), "exception names another file: " + ex.file(), 0);
        check(ex.byteOffset() >= 0 && ex.byteOffset() <= fileLength, "exception byte offset", ex.byteOffset());
        check(ex.getMessage().startsWith(file + ": byte " + ex.byteOffset() + ": "), ex.getMessage(), 0);
    }

    private static void check(final boolean condition, final String what, final long value)
    {
        if (!condition)
        {
            throw new AssertionError(what + " = " + value);
        }
    }
}
