package dev.palisade.dpi.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/** One worker's inspection counters, read at the end of a replay or by the agent's status (same thread or after). */
public final class InspectionCounters
{
    public long packets;
    public long scans;
    /** Prefilter reports (each a native callback); a rule reported twice in one scan counts twice. */
    public long prefilterMatches;
    public long candidates;
    public long verified;
    public long headerRejects;
    public long flowRejects;
    public long alerts;
    public long alertQueueOverflow;
    public long thresholded;
    public long droppedPackets;
    public long blockedPackets;
    public long passedPackets;
    public long passRules;
    public long streamBytes;
    public long retransmissions;
    public long overlapsDiffering;
    public long outOfOrder;
    public long gaps;
    public long reassemblyStopped;
    public long reassemblyBytes;
    public long reassemblyPeakBytes;
    public long reassemblyMemcapRefusals;
    public long budgetExhausted;
    public long httpStages;
    public long openFlows;

    /** Adds {@code other} into this (summing workers); gauges add too, peaks take the maximum. */
    public void add(final InspectionCounters other)
    {
        packets += other.packets;
        scans += other.scans;
        prefilterMatches += other.prefilterMatches;
        candidates += other.candidates;
        verified += other.verified;
        headerRejects += other.headerRejects;
        flowRejects += other.flowRejects;
        alerts += other.alerts;
        alertQueueOverflow += other.alertQueueOverflow;
        thresholded += other.thresholded;
        droppedPackets += other.droppedPackets;
        blockedPackets += other.blockedPackets;
        passedPackets += other.passedPackets;
        passRules += other.passRules;
        streamBytes += other.streamBytes;
        retransmissions += other.retransmissions;
        overlapsDiffering += other.overlapsDiffering;
        outOfOrder += other.outOfOrder;
        gaps += other.gaps;
        reassemblyStopped += other.reassemblyStopped;
        reassemblyBytes += other.reassemblyBytes;
        reassemblyPeakBytes = Math.max(reassemblyPeakBytes, other.reassemblyPeakBytes);
        reassemblyMemcapRefusals += other.reassemblyMemcapRefusals;
        budgetExhausted += other.budgetExhausted;
        httpStages += other.httpStages;
        openFlows += other.openFlows;
    }

    /** @return the counters by snake_case name, in a stable order, for JSON and tables. */
    public Map<String, Long> toMap()
    {
        final Map<String, Long> map = new LinkedHashMap<>();
        map.put("packets_inspected", packets);
        map.put("scans", scans);
        map.put("prefilter_matches", prefilterMatches);
        map.put("candidates", candidates);
        map.put("candidates_header_mismatch", headerRejects);
        map.put("candidates_flow_mismatch", flowRejects);
        map.put("rules_verified", verified);
        map.put("alerts", alerts);
        map.put("alert_queue_overflow", alertQueueOverflow);
        map.put("thresholded", thresholded);
        map.put("dropped_packets", droppedPackets);
        map.put("blocked_flow_packets", blockedPackets);
        map.put("passed_flow_packets", passedPackets);
        map.put("pass_rule_matches", passRules);
        map.put("stream_bytes", streamBytes);
        map.put("tcp_retransmissions", retransmissions);
        map.put("tcp_overlaps_differing", overlapsDiffering);
        map.put("tcp_out_of_order", outOfOrder);
        map.put("tcp_gaps", gaps);
        map.put("reassembly_stopped", reassemblyStopped);
        map.put("reassembly_peak_bytes", reassemblyPeakBytes);
        map.put("reassembly_memcap_refusals", reassemblyMemcapRefusals);
        map.put("match_budget_exhausted", budgetExhausted);
        map.put("http_stages", httpStages);
        return map;
    }
}
