package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.Rule;

/**
 * A rule made ready for the packet path: its header and flow tests as plain fields, its detection split into one
 * chain per buffer, and where it is evaluated. Immutable; belongs to one {@link RuleSet}.
 */
final class CompiledRule
{
    static final int PROTO_TCP = 1;
    static final int PROTO_UDP = 2;
    static final int PROTO_ICMP = 4;
    static final int PROTO_OTHER = 8;

    final Rule rule;
    /** Position in the rule set's evaluation order (action order, flowbits setters first, then load order). */
    final int index;
    final int protocols;
    /** The chain over the packet or stream payload; null when the rule has none. */
    final Element[] payload;
    /** Chains over HTTP buffers by {@link HttpField} ordinal; null entries for fields the rule does not use. */
    final Element[][] http;
    /** The transaction stage the rule needs (0 when it inspects no HTTP buffer). */
    final int httpStage;
    /** The rule only makes sense on single packets (dsize, itype, icode, tcp-pkt, flow:no_stream). */
    final boolean packetOnly;
    final boolean streamOnly;
    final int[] flowbitsSet;
    final int[] flowbitsUnset;
    final int[] flowbitsToggle;
    /** isset groups: each inner array is satisfied when any (if {@link #issetAny}) or all of its bits are set. */
    final int[] flowbitsIsset;
    final boolean issetAny;
    final int[] flowbitsIsNotSet;
    final boolean isNotSetAny;
    final boolean noAlert;

    CompiledRule(final Rule rule, final int index, final int protocols, final Element[] payload,
        final Element[][] http, final int httpStage, final boolean packetOnly, final boolean streamOnly,
        final int[][] flowbits, final boolean issetAny, final boolean isNotSetAny, final boolean noAlert)
    {
        this.rule = rule;
        this.index = index;
        this.protocols = protocols;
        this.payload = payload;
        this.http = http;
        this.httpStage = httpStage;
        this.packetOnly = packetOnly;
        this.streamOnly = streamOnly;
        this.flowbitsSet = flowbits[0];
        this.flowbitsUnset = flowbits[1];
        this.flowbitsToggle = flowbits[2];
        this.flowbitsIsset = flowbits[3];
        this.flowbitsIsNotSet = flowbits[4];
        this.issetAny = issetAny;
        this.isNotSetAny = isNotSetAny;
        this.noAlert = noAlert;
    }

    static int protocolBit(final int ipProtocol)
    {
        return switch (ipProtocol)
        {
            case 6 -> PROTO_TCP;
            case 17 -> PROTO_UDP;
            case 1, 58 -> PROTO_ICMP;
            default -> PROTO_OTHER;
        };
    }

    /** The header: protocol, addresses and ports, either way round for {@code <>}. */
    boolean headerMatches(final Packet p)
    {
        if ((protocols & protocolBit(p.protocol)) == 0)
        {
            return false;
        }
        final Rule r = rule;
        if (r.source().matches(p.srcHi, p.srcLo) && r.sourcePorts().matches(p.srcPort) &&
            r.destination().matches(p.dstHi, p.dstLo) && r.destinationPorts().matches(p.dstPort))
        {
            return true;
        }
        return r.bidirectional() && r.source().matches(p.dstHi, p.dstLo) && r.sourcePorts().matches(p.dstPort) &&
            r.destination().matches(p.srcHi, p.srcLo) && r.destinationPorts().matches(p.srcPort);
    }

    /** flow:, dsize, itype, icode, judged on the packet at hand; {@code stream} says whether a stream is inspected. */
    boolean packetTestsMatch(final Packet p, final boolean stream)
    {
        final Rule.Flow flow = rule.flow();
        if (flow != Rule.Flow.NONE)
        {
            if (flow.toServer() && !p.toServer || flow.toClient() && p.toServer)
            {
                return false;
            }
            if (flow.established() && !p.established || flow.notEstablished() && p.established)
            {
                return false;
            }
            if (flow.onlyStream() && !stream || flow.noStream() && stream)
            {
                return false;
            }
        }
        final Rule.Range dsize = rule.dsize();
        if (dsize != null && !dsize.test(p.payloadLength))
        {
            return false;
        }
        final Rule.Range itype = rule.itype();
        final Rule.Range icode = rule.icode();
        if (itype != null || icode != null)
        {
            if (p.protocol != 1 && p.protocol != 58)
            {
                return false;
            }
            return (itype == null || itype.test(p.icmpType)) && (icode == null || icode.test(p.icmpCode));
        }
        return true;
    }

    /** Flowbits conditions against a flow's bits. */
    boolean flowbitsMatch(final FlowBits bits)
    {
        if (flowbitsIsset.length > 0)
        {
            if (issetAny ? !bits.anySet(flowbitsIsset) : !bits.allSet(flowbitsIsset))
            {
                return false;
            }
        }
        if (flowbitsIsNotSet.length > 0)
        {
            // isnotset a|b: true when any is unset; a&b: when none is set
            if (isNotSetAny ? bits.allSet(flowbitsIsNotSet) : bits.anySet(flowbitsIsNotSet))
            {
                return false;
            }
        }
        return true;
    }

    void applyFlowbits(final FlowBits bits)
    {
        for (final int bit : flowbitsSet)
        {
            bits.set(bit);
        }
        for (final int bit : flowbitsUnset)
        {
            bits.clear(bit);
        }
        for (final int bit : flowbitsToggle)
        {
            bits.toggle(bit);
        }
    }

    boolean setsFlowbits()
    {
        return flowbitsSet.length + flowbitsUnset.length + flowbitsToggle.length > 0;
    }

    @Override
    public String toString()
    {
        return "sid " + rule.sid();
    }
}
