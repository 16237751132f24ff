package dev.palisade.dpi.http;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes a response body sent with {@code Content-Encoding: gzip} or {@code deflate} into the {@code file_data}
 * buffer, incrementally, as body bytes arrive in pieces of any size.
 * <ul>
 *     <li>gzip (RFC 1952): the member header is parsed here byte by byte (FEXTRA, FNAME, FCOMMENT, FHCRC), the data is
 *     raw deflate, the 8-byte trailer is skipped unchecked (CRC and size are the server's business, not evidence),
 *     and a following member is decoded too, as browsers do. Bytes after the last member that are not a gzip header
 *     end decoding quietly.</li>
 *     <li>deflate: RFC 9110 8.4.1.2 says zlib (RFC 1950), but servers also send raw deflate; like libhtp both are
 *     accepted, told apart by whether the first two bytes are a valid zlib header (CM 8, window at most 32 KiB,
 *     FCHECK).</li>
 * </ul>
 * Output stops, and never throws, at the first of: the output limit (truncation is declared only when one more byte
 * actually decodes, so where the input was cut does not change the outcome), an invalid stream (what decoded before the
 * error is kept), the ratio guard, or {@link #interrupt()} after a gap. Inflaters are native memory: they are created
 * on first use, reused across bodies of the flow and ended by {@link #release()}.
 */
final class BodyDecoder
{
    static final int IDENTITY = 0;
    static final int GZIP = 1;
    static final int DEFLATE = 2;

    /** What a {@link #decode} call ran into; the caller counts it and flags the transaction. */
    static final int RESULT_OK = 0;
    static final int RESULT_ERROR = 1;
    static final int RESULT_RATIO = 2;
    static final int RESULT_TRUNCATED = 3;

    /** Below this many decoded bytes the ratio is not judged: tiny bodies compress oddly and cost nothing. */
    static final int RATIO_FLOOR_BYTES = 4096;

    private static final int GZIP_FIXED_HEADER_BYTES = 10;
    private static final int GZIP_TRAILER_BYTES = 8;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int FRESERVED = 0xE0;
    private static final int MIN_GROWTH_BYTES = 4096;

    private static final int STAGE_DONE = 0;
    private static final int STAGE_GZIP_FIXED = 1;
    private static final int STAGE_GZIP_EXTRA_LENGTH = 2;
    private static final int STAGE_GZIP_EXTRA = 3;
    private static final int STAGE_GZIP_NAME = 4;
    private static final int STAGE_GZIP_COMMENT = 5;
    private static final int STAGE_GZIP_HEADER_CRC = 6;
    private static final int STAGE_INFLATE = 7;
    private static final int STAGE_GZIP_TRAILER = 8;
    private static final int STAGE_DEFLATE_SNIFF = 9;

    private final byte[] probe = new byte[1];
    private final byte[] sniff = new byte[2];
    private Inflater rawInflater;
    private Inflater zlibInflater;
    private Inflater active;
    private int coding;
    private int stage;
    private int headerPosition;
    private int gzipFlags;
    private int skipRemaining;
    private int members;
    private int ratio;
    private int limitBytes;
    private long compressedBytes;
    private long decodedBytes;
    private int result;

    /** Starts a new body in {@code coding}: {@link #GZIP} or {@link #DEFLATE}; anything else decodes nothing. */
    void start(final int coding, final int limitBytes, final int ratio)
    {
        this.coding = coding;
        this.limitBytes = limitBytes;
        this.ratio = ratio;
        headerPosition = 0;
        gzipFlags = 0;
        skipRemaining = 0;
        members = 0;
        compressedBytes = 0;
        decodedBytes = 0;
        active = null;
        stage = coding == GZIP ? STAGE_GZIP_FIXED : coding == DEFLATE ? STAGE_DEFLATE_SNIFF : STAGE_DONE;
    }

    /** @return true while input may still produce output. */
    boolean isDecoding()
    {
        return stage != STAGE_DONE;
    }

    /** Stops decoding: bytes are missing, and a deflate stream cannot resume after a hole. */
    void interrupt()
    {
        stage = STAGE_DONE;
    }

    /**
     * Decodes {@code data[offset, offset + length)} onto the end of {@code out}, which never grows past the limit given
     * to {@link #start}.
     *
     * @return {@link #RESULT_OK}, or why decoding stopped during this call.
     */
    int decode(final byte[] data, final int offset, final int length, final HttpBuffer out)
    {
        result = RESULT_OK;
        int position = offset;
        final int end = offset + length;
        while (position < end && stage != STAGE_DONE)
        {
            switch (stage)
            {
                case STAGE_GZIP_FIXED -> position = gzipFixedHeader(data[position], position);
                case STAGE_GZIP_EXTRA_LENGTH ->
                {
                    skipRemaining |= (data[position] & 0xFF) << (8 * headerPosition);
                    headerPosition++;
                    position++;
                    if (headerPosition == 2)
                    {
                        stage = STAGE_GZIP_EXTRA;
                        if (skipRemaining == 0)
                        {
                            afterExtra();
                        }
                    }
                }
                case STAGE_GZIP_EXTRA ->
                {
                    final int skip = Math.min(skipRemaining, end - position);
                    skipRemaining -= skip;
                    position += skip;
                    if (skipRemaining == 0)
                    {
                        afterExtra();
                    }
                }
                case STAGE_GZIP_NAME ->
                {
                    if (data[position++] == 0)
                    {
                        afterName();
                    }
                }
                case STAGE_GZIP_COMMENT ->
                {
                    if (data[position++] == 0)
                    {
                        afterComment();
                    }
                }
                case STAGE_GZIP_HEADER_CRC ->
                {
                    position++;
                    if (--skipRemaining == 0)
                    {
                        startInflate(rawInflater());
                    }
                }
                case STAGE_GZIP_TRAILER ->
                {
                    final int skip = Math.min(skipRemaining, end - position);
                    skipRemaining -= skip;
                    position += skip;
                    if (skipRemaining == 0)
                    {
                        members++;
                        headerPosition = 0;
                        stage = STAGE_GZIP_FIXED;
                    }
                }
                case STAGE_DEFLATE_SNIFF -> position = deflateSniff(data, position, out);
                case STAGE_INFLATE ->
                {
                    final int consumed = inflate(data, position, end - position, out);
                    if (consumed == 0 && stage == STAGE_INFLATE)
                    {
                        // No progress with input and room: cannot happen with zlib, but never spin.
                        stage = STAGE_DONE;
                    }
                    position += consumed;
                }
                default -> stage = STAGE_DONE;
            }
        }
        return result;
    }

    /** Ends the native inflaters; the decoder can still be used, and makes new ones when needed. */
    void release()
    {
        if (rawInflater != null)
        {
            rawInflater.end();
            rawInflater = null;
        }
        if (zlibInflater != null)
        {
            zlibInflater.end();
            zlibInflater = null;
        }
        active = null;
        stage = STAGE_DONE;
    }

    private int gzipFixedHeader(final byte b, final int position)
    {
        final int value = b & 0xFF;
        switch (headerPosition)
        {
            case 0 ->
            {
                if (value != 0x1F)
                {
                    return badHeader(position);
                }
            }
            case 1 ->
            {
                if (value != 0x8B)
                {
                    return badHeader(position);
                }
            }
            case 2 ->
            {
                if (value != 8)
                {
                    return badHeader(position);
                }
            }
            case 3 ->
            {
                if ((value & FRESERVED) != 0)
                {
                    return badHeader(position);
                }
                gzipFlags = value;
            }
            default ->
            {
            }
        }
        headerPosition++;
        if (headerPosition == GZIP_FIXED_HEADER_BYTES)
        {
            headerPosition = 0;
            skipRemaining = 0;
            if ((gzipFlags & FEXTRA) != 0)
            {
                stage = STAGE_GZIP_EXTRA_LENGTH;
            }
            else
            {
                afterExtra();
            }
        }
        return position + 1;
    }

    /** A bad first member is an error; bytes after a complete member that are not a member are trailing junk. */
    private int badHeader(final int position)
    {
        if (members == 0)
        {
            result = RESULT_ERROR;
        }
        stage = STAGE_DONE;
        return position + 1;
    }

    private void afterExtra()
    {
        if ((gzipFlags & FNAME) != 0)
        {
            stage = STAGE_GZIP_NAME;
        }
        else
        {
            afterName();
        }
    }

    private void afterName()
    {
        if ((gzipFlags & FCOMMENT) != 0)
        {
            stage = STAGE_GZIP_COMMENT;
        }
        else
        {
            afterComment();
        }
    }

    private void afterComment()
    {
        if ((gzipFlags & FHCRC) != 0)
        {
            skipRemaining = 2;
            stage = STAGE_GZIP_HEADER_CRC;
        }
        else
        {
            startInflate(rawInflater());
        }
    }

    private int deflateSniff(final byte[] data, final int position, final HttpBuffer out)
    {
        if (headerPosition == 0)
        {
            sniff[0] = data[position];
            headerPosition = 1;
            return position + 1;
        }
        sniff[1] = data[position];
        final int cmf = sniff[0] & 0xFF;
        final int flg = sniff[1] & 0xFF;
        final boolean zlib = (cmf & 0x0F) == 8 && (cmf >>> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        startInflate(zlib ? zlibInflater() : rawInflater());
        inflate(sniff, 0, 2, out);
        return position + 1;
    }

    private void startInflate(final Inflater inflater)
    {
        inflater.reset();
        active = inflater;
        stage = STAGE_INFLATE;
    }

    /** @return input bytes consumed. Sets {@link #stage} and {@link #result} when decoding ends. */
    private int inflate(final byte[] data, final int offset, final int length, final HttpBuffer out)
    {
        final Inflater inflater = active;
        inflater.setInput(data, offset, length);
        final long readBefore = inflater.getBytesRead();
        while (stage == STAGE_INFLATE)
        {
            final long writtenBefore = inflater.getBytesWritten();
            final int room = limitBytes - out.length();
            boolean failed = false;
            try
            {
                if (room > 0)
                {
                    out.ensureCapacity(out.length() + Math.min(room, Math.max(out.length(), MIN_GROWTH_BYTES)));
                    final int space = Math.min(room, out.capacity() - out.length());
                    inflater.inflate(out.array(), out.length(), space);
                }
                else if (inflater.inflate(probe, 0, 1) > 0)
                {
                    // One byte more than the limit decoded: the body really is longer than what is kept.
                    result = RESULT_TRUNCATED;
                    stage = STAGE_DONE;
                    break;
                }
            }
            catch (final DataFormatException ex)
            {
                failed = true;
            }
            // Counted from the inflater, which also accounts for the output of a call that failed part-way.
            final int produced = (int)(inflater.getBytesWritten() - writtenBefore);
            if (room > 0)
            {
                out.setLength(out.length() + produced);
            }
            decodedBytes += produced;
            if (failed || inflater.needsDictionary())
            {
                result = RESULT_ERROR;
                stage = STAGE_DONE;
                break;
            }
            if (decodedBytes > RATIO_FLOOR_BYTES &&
                decodedBytes > (long)ratio * (compressedBytes + inflater.getBytesRead() - readBefore))
            {
                result = RESULT_RATIO;
                stage = STAGE_DONE;
                break;
            }
            if (inflater.finished())
            {
                if (coding == GZIP)
                {
                    skipRemaining = GZIP_TRAILER_BYTES;
                    stage = STAGE_GZIP_TRAILER;
                }
                else
                {
                    stage = STAGE_DONE;
                }
                break;
            }
            if (produced == 0 && (inflater.needsInput() || room <= 0))
            {
                break;
            }
        }
        final int consumed = (int)(inflater.getBytesRead() - readBefore);
        compressedBytes += consumed;
        return consumed;
    }

    private Inflater rawInflater()
    {
        if (rawInflater == null)
        {
            rawInflater = new Inflater(true);
        }
        return rawInflater;
    }

    private Inflater zlibInflater()
    {
        if (zlibInflater == null)
        {
            zlibInflater = new Inflater(false);
        }
        return zlibInflater;
    }
}
