package dev.palisade.policy.model;

import java.util.List;
import java.util.Map;

/** The workloads and groups a policy's selectors refer to. Names are unique within each list. */
public record Inventory(List<WorkloadEntry> workloads, List<GroupEntry> groups)
{
    /** A workload: its labels and addresses. */
    public record WorkloadEntry(String name, Map<String, String> labels, List<Cidr> addresses, SourceLocation at)
    {
    }

    /** A named set: literal prefixes and/or the workloads matching labels (at least one of the two). */
    public record GroupEntry(String name, List<Cidr> cidrs, Map<String, String> labels, SourceLocation at)
    {
    }
}
