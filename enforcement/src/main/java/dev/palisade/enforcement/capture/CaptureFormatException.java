package dev.palisade.enforcement.capture;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture file that is not what it claims: bad magic, a truncated record, an impossible length. The message names
 * the file and the byte offset of the problem, e.g. {@code "trace.pcap: byte 1048: record header truncated (8 of 16
 * bytes present)"}.
 */
public final class CaptureFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final Path file;
    private final long byteOffset;

    public CaptureFormatException(final Path file, final long byteOffset, final String problem)
    {
        super(file + ": byte " + byteOffset + ": " + problem);
        this.file = file;
        this.byteOffset = byteOffset;
    }

    public Path file()
    {
        return file;
    }

    public long byteOffset()
    {
        return byteOffset;
    }
}
