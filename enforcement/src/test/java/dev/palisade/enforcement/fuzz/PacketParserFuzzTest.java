package dev.palisade.enforcement.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.enforcement.packet.Checksums;
import dev.palisade.enforcement.packet.LinkType;
import dev.palisade.enforcement.packet.PacketMeta;
import dev.palisade.enforcement.packet.PacketParser;
import dev.palisade.enforcement.packet.RejectReplies;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes through {@link PacketParser} as every link type: it must return a reason, never throw (the buffer
 * is exactly the frame's size and Agrona's bounds checks are on in tests, so an over-read throws), and leave
 * {@link PacketMeta} pointing inside the frame. In a plain {@code mvn test} only the seeds in
 * {@code PacketParserFuzzTestInputs/parseArbitraryFrame} run; {@code JAZZER_FUZZ=1} fuzzes.
 * <p>
 * Input layout: byte 0 picks the frame's offset in the buffer (low 4 bits), turns overlay decapsulation off (bit 4)
 * and limits tunnel depth to 1 (bit 5); byte 1 is how many bytes the wire length exceeds the captured length, in units
 * of 64 (a snapped capture); the rest is the frame.
 */
class PacketParserFuzzTest
{
    static final int[] LINK_TYPES = {
        LinkType.ETHERNET, LinkType.RAW, LinkType.RAW_ALT_12, LinkType.RAW_ALT_14, LinkType.IPV4, LinkType.IPV6,
        LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.LOOP, 104 };

    private static final int HEADER_BYTES = 2;

    private final PacketMeta meta = new PacketMeta();
    private final RejectReplies replies = new RejectReplies();
    private final PacketParser replyParser = new PacketParser();
    private final PacketMeta replyMeta = new PacketMeta();

    @BeforeAll
    static void requireBoundsChecks()
    {
        // Buffers here are exactly the frame's size, so an over-read shows up as an exception, but only with checks on.
        assertTrue(UnsafeBuffer.SHOULD_BOUNDS_CHECK, "Agrona bounds checks are off (-D" +
            UnsafeBuffer.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true): an over-read would go unnoticed");
    }

    @FuzzTest(maxDuration = "30s")
    void parseArbitraryFrame(final byte[] input)
    {
        final int control = input.length > 0 ? input[0] & 0xFF : 0;
        final int extraWireBytes = input.length > 1 ? (input[1] & 0xFF) * 64 : 0;
        final int frameLength = Math.max(0, input.length - HEADER_BYTES);
        final int offset = control & 0x0F;
        final boolean decapsulate = (control & 0x10) == 0;
        final int maxTunnelDepth = (control & 0x20) == 0 ? PacketParser.DEFAULT_MAX_TUNNEL_DEPTH : 1;

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + frameLength]);
        if (frameLength > 0)
        {
            buffer.putBytes(offset, input, HEADER_BYTES, frameLength);
        }
        final PacketParser parser = new PacketParser(decapsulate, maxTunnelDepth);
        final int wireLength = frameLength + extraWireBytes;

        for (final int linkType : LINK_TYPES)
        {
            final int result = parser.parse(buffer, offset, frameLength, wireLength, linkType, meta);
            MetaInvariants.check(result, meta, offset, frameLength, wireLength, linkType, maxTunnelDepth);
            if (result == 0 && meta.l3 != PacketMeta.L3_NONE)
            {
                // What a reject would answer: built from the same untrusted bytes, it must parse and check out.
                final int length = replies.build(buffer, meta);
                if (length > 0)
                {
                    final UnsafeBuffer reply = new UnsafeBuffer(new byte[length]);
                    reply.putBytes(0, replies.frame(), 0, length);
                    assertEquals(0, replyParser.parse(reply, 0, length, length, linkType, replyMeta),
                        "the reply parses");
                    assertTrue(Checksums.valid(reply, replyMeta), "the reply's checksums are right");
                }
            }
        }
    }
}
