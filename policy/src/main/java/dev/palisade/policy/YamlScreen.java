package dev.palisade.policy;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A pass over the YAML event stream before the node tree is composed, rejecting what would make composing unsafe or
 * the tree mean something other than what it shows. The event parser keeps its own stack, so this pass cannot overflow
 * the Java stack however deep the input; the composer recurses, so nesting is bounded here first. Checks, each with
 * the position of the offending event:
 * <ul>
 * <li>one document per stream (the language: "A policy is one YAML document");</li>
 * <li>nesting depth (a policy needs six levels);</li>
 * <li>aliases: defined before use, not to a collection that is still open (a recursive node), and at most a few to
 *     collections (YAML 1.2 section 3.2.2.2 lets aliases share nodes; shared collections multiply work);</li>
 * <li>keys are scalars (YAML 1.2 allows any node as a key; the language has only names as keys);</li>
 * <li>no merge keys ({@code <<}): they are YAML 1.1 only, and SnakeYAML's composer would apply them, silently
 *     overriding keys and hiding duplicates;</li>
 * <li>no explicit tags ({@code !name}, {@code !!str}): the language types every value by its place, so a tag can
 *     only change meaning (or, malformed, upset the composer).</li>
 * </ul>
 */
final class YamlScreen
{
    private YamlScreen()
    {
    }

    private static final class Frame
    {
        final boolean mapping;
        final Anchor anchor;
        boolean expectingKey = true;

        Frame(final boolean mapping, final Anchor anchor)
        {
            this.mapping = mapping;
            this.anchor = anchor;
        }
    }

    /** Returns true when the stream may be composed; otherwise adds one problem and returns false. */
    static boolean check(final LoadSettings settings, final String text, final Problems problems, final int maxDepth,
        final int maxCollectionAliases)
    {
        final ArrayDeque<Frame> open = new ArrayDeque<>();
        final Map<Anchor, Boolean> anchorIsCollection = new HashMap<>();
        final Set<Anchor> openAnchors = new HashSet<>();
        int documents = 0;
        int collectionAliases = 0;
        for (final Event event : new Parse(settings).parseString(text))
        {
            switch (event.getEventId())
            {
                case DocumentStart ->
                {
                    documents++;
                    if (documents > 1)
                    {
                        problems.add(problems.at(event.getStartMark()),
                            "a second YAML document starts here; expected exactly one document (the policy)");
                        return false;
                    }
                }
                case MappingStart, SequenceStart ->
                {
                    final CollectionStartEvent start = (CollectionStartEvent)event;
                    if (start.getTag().isPresent())
                    {
                        tagProblem(event, start.getTag().get(), problems);
                        return false;
                    }
                    final String what = start instanceof MappingStartEvent ? "a mapping" : "a list";
                    if (inKeyPosition(open))
                    {
                        problems.add(problems.at(event.getStartMark()),
                            "a key must be a plain name, not " + what);
                        return false;
                    }
                    if (open.size() >= maxDepth)
                    {
                        problems.add(problems.at(event.getStartMark()),
                            "nested more than " + maxDepth + " levels deep; a policy needs at most six");
                        return false;
                    }
                    final Anchor anchor = start.getAnchor().orElse(null);
                    if (anchor != null)
                    {
                        anchorIsCollection.put(anchor, Boolean.TRUE);
                        openAnchors.add(anchor);
                    }
                    open.push(new Frame(start instanceof MappingStartEvent, anchor));
                }
                case MappingEnd, SequenceEnd ->
                {
                    final Frame frame = open.pop();
                    if (frame.anchor != null)
                    {
                        openAnchors.remove(frame.anchor);
                    }
                    completed(open);
                }
                case Scalar ->
                {
                    final ScalarEvent scalar = (ScalarEvent)event;
                    if (inKeyPosition(open) && isMergeKey(scalar))
                    {
                        problems.add(problems.at(event.getStartMark()),
                            "merge keys ('<<') are not supported; write the keys out (anchors and aliases work)");
                        return false;
                    }
                    if (scalar.getTag().isPresent())
                    {
                        tagProblem(event, scalar.getTag().get(), problems);
                        return false;
                    }
                    scalar.getAnchor().ifPresent(anchor ->
                    {
                        anchorIsCollection.put(anchor, Boolean.FALSE);
                        openAnchors.remove(anchor);
                    });
                    completed(open);
                }
                case Alias ->
                {
                    final Anchor anchor = ((AliasEvent)event).getAlias();
                    final Boolean collection = anchorIsCollection.get(anchor);
                    if (collection == null)
                    {
                        problems.add(problems.at(event.getStartMark()), "undefined alias " +
                            Messages.quote("*" + anchor.getValue()) + "; an anchor (&name) must come before its alias");
                        return false;
                    }
                    if (collection)
                    {
                        if (inKeyPosition(open))
                        {
                            problems.add(problems.at(event.getStartMark()),
                                "a key must be a plain name, not an alias to a mapping or list");
                            return false;
                        }
                        if (openAnchors.contains(anchor))
                        {
                            problems.add(problems.at(event.getStartMark()), "alias " +
                                Messages.quote("*" + anchor.getValue()) + " refers to a node that contains it; " +
                                "recursive structures are not allowed");
                            return false;
                        }
                        collectionAliases++;
                        if (collectionAliases > maxCollectionAliases)
                        {
                            problems.add(problems.at(event.getStartMark()), "more than " + maxCollectionAliases +
                                " aliases to mappings or lists; write the policy out instead");
                            return false;
                        }
                    }
                    completed(open);
                }
                default ->
                {
                    // StreamStart, StreamEnd, DocumentEnd, Comment: nothing to check
                }
            }
        }
        return true;
    }

    private static void tagProblem(final Event event, final String tag, final Problems problems)
    {
        problems.add(problems.at(event.getStartMark()), "YAML tags are not part of the policy language (found " +
            Messages.quote(shortTag(tag)) + "); remove the tag, and quote the value if it must be a string");
    }

    /** Shows a standard tag as it is usually written ({@code !!str}, not {@code tag:yaml.org,2002:str}). */
    private static String shortTag(final String tag)
    {
        final String standard = "tag:yaml.org,2002:";
        return tag.startsWith(standard) ? "!!" + tag.substring(standard.length()) : tag.strip();
    }

    private static boolean inKeyPosition(final ArrayDeque<Frame> open)
    {
        final Frame top = open.peek();
        return top != null && top.mapping && top.expectingKey;
    }

    /** A node ended: in a mapping, keys and values alternate. */
    private static void completed(final ArrayDeque<Frame> open)
    {
        final Frame top = open.peek();
        if (top != null && top.mapping)
        {
            top.expectingKey = !top.expectingKey;
        }
    }

    /** A plain {@code <<} resolves to the merge tag (YAML 1.1 merge type); so does an explicit {@code !!merge}. */
    private static boolean isMergeKey(final ScalarEvent scalar)
    {
        return scalar.getTag().map(Tag.MERGE.getValue()::equals)
            .orElse(scalar.isPlain() && "<<".equals(scalar.getValue()));
    }
}
