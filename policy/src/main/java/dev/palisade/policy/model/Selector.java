package dev.palisade.policy.model;

import java.util.List;
import java.util.Map;

/** What a rule's {@code from} or {@code to} selects. Exactly one form per selector. */
public sealed interface Selector
{
    SourceLocation at();

    /** Any address ({@code any: true}, or the selector left out). */
    record Any(SourceLocation at) implements Selector
    {
    }

    /** The workloads carrying all these labels. */
    record Labels(Map<String, String> labels, SourceLocation at) implements Selector
    {
    }

    /** A group of the inventory. */
    record Group(String name, SourceLocation at) implements Selector
    {
    }

    /** One workload of the inventory. */
    record Workload(String name, SourceLocation at) implements Selector
    {
    }

    /** Literal prefixes. */
    record Cidrs(List<Cidr> cidrs, SourceLocation at) implements Selector
    {
    }

    /** A named entity: {@code host} (the server behind the enforcing DPU) or {@code world} (outside the inventory). */
    record Entity(Kind kind, SourceLocation at) implements Selector
    {
        public enum Kind
        {
            HOST, WORLD
        }
    }
}
