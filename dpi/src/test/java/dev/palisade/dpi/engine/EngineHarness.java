package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.dpi.rules.Rule;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Drives an {@link Inspector} with hand-made packets of one TCP or UDP flow, and records the alerts. */
final class EngineHarness implements AutoCloseable
{
    static final long CLIENT_HI = 0x0000_0000_0000_0000L;
    static final long CLIENT_LO = 0x0000_FFFF_C0A8_0105L; // 192.168.1.5
    static final long SERVER_LO = 0x0000_FFFF_5DB8_D822L; // 93.184.216.34

    final List<Alert> alerts = new ArrayList<>();
    final DpiEngine engine;
    final Inspector inspector;
    private final Packet packet = new Packet();
    private int handle;
    private long clientSeq = 1000;
    private long serverSeq = 5000;
    private long nowNs = 1_000_000_000L;
    private long number;

    EngineHarness(final DpiConfig config, final String... rules)
    {
        engine = new DpiEngine(config, load(rules));
        inspector = new Inspector(engine, alerts::add);
    }

    static List<Rule> load(final String... rules)
    {
        final List<Rule> out = new ArrayList<>();
        for (final LoadResult result : RuleFiles.parse(new RuleParser(RuleVariables.defaults()),
            String.join("\n", rules), "test.rules"))
        {
            if (!(result instanceof LoadResult.Loaded loaded))
            {
                throw new AssertionError("rule not loaded: " + result);
            }
            out.add(loaded.rule());
        }
        return out;
    }

    /** SYN, SYN/ACK, ACK: an established TCP flow. */
    EngineHarness handshake()
    {
        tcp(true, Packet.TCP_SYN, clientSeq - 1, "", false);
        tcp(false, Packet.TCP_SYN | Packet.TCP_ACK, serverSeq - 1, "", false);
        tcp(true, Packet.TCP_ACK, clientSeq, "", true);
        return this;
    }

    /** Sends the next in-order segment in one direction; @return the verdict. */
    int send(final boolean toServer, final String payload)
    {
        final long seq = toServer ? clientSeq : serverSeq;
        final int verdict = tcp(toServer, Packet.TCP_ACK | 0x08, seq, payload, true);
        if (toServer)
        {
            clientSeq += payload.length();
        }
        else
        {
            serverSeq += payload.length();
        }
        return verdict;
    }

    /** Sends a segment at {@code offset} bytes past the client's next sequence number, not advancing it. */
    int sendAt(final boolean toServer, final long offset, final String payload)
    {
        final long seq = (toServer ? clientSeq : serverSeq) + offset;
        return tcp(toServer, Packet.TCP_ACK | 0x08, seq, payload, true);
    }

    void advance(final boolean toServer, final long bytes)
    {
        if (toServer)
        {
            clientSeq += bytes;
        }
        else
        {
            serverSeq += bytes;
        }
    }

    int tcp(final boolean toServer, final int flags, final long seq, final String payload, final boolean established)
    {
        fill(6, toServer, payload);
        packet.tcpFlags = flags;
        packet.tcpSeq = seq & 0xFFFF_FFFFL;
        packet.established = established;
        return inspect();
    }

    int udp(final boolean toServer, final String payload)
    {
        fill(17, toServer, payload);
        packet.established = false;
        return inspect();
    }

    private void fill(final int protocol, final boolean toServer, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] frame = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, frame, 10, bytes.length);
        packet.protocol = protocol;
        packet.toServer = toServer;
        packet.srcHi = CLIENT_HI;
        packet.srcLo = toServer ? CLIENT_LO : SERVER_LO;
        packet.dstHi = CLIENT_HI;
        packet.dstLo = toServer ? SERVER_LO : CLIENT_LO;
        packet.srcPort = toServer ? 41000 : 80;
        packet.dstPort = toServer ? 80 : 41000;
        packet.buffer = new UnsafeBuffer(frame);
        packet.payloadOffset = 10;
        packet.payloadLength = bytes.length;
        packet.timestampNs = nowNs += 1_000_000;
        packet.number = ++number;
        packet.icmpType = 0;
        packet.icmpCode = 0;
    }

    private int inspect()
    {
        if (handle == 0)
        {
            handle = inspector.open(packet);
        }
        return inspector.inspect(handle, packet);
    }

    /** Ends the flow (as conntrack removal does): held bytes are inspected. */
    void end()
    {
        inspector.close(handle, nowNs);
        handle = 0;
    }

    long count(final long sid)
    {
        return alerts.stream().filter(a -> a.sid() == sid).count();
    }

    @Override
    public void close()
    {
        inspector.close();
        engine.close();
    }
}
