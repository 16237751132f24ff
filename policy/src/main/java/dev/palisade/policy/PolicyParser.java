package dev.palisade.policy;

import dev.palisade.policy.model.Inventory;
import dev.palisade.policy.model.Policy;
import dev.palisade.policy.model.SourceLocation;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Parses a policy document (docs/policy-language.md) into the validated {@link Policy} model. The document is
 * untrusted: every problem becomes a {@link PolicyProblem} with its file, line and column, all problems of one run are
 * reported together (up to {@link #MAX_PROBLEMS}), and nothing in the input can make this throw anything but
 * {@link PolicyException} (and {@link IOException} when reading a file fails). Fails closed: a policy is returned only
 * when no problem was found.
 *
 * <p>Bounds on untrusted input: {@link #MAX_DOCUMENT_CHARS} characters (bytes, for a file), nesting
 * {@link #MAX_NESTING_DEPTH} levels, {@link #MAX_COLLECTION_ALIASES} aliases to collections, no recursive nodes, no
 * merge keys, and {@link #MAX_VALUES} node visits (aliases counted at each use).
 *
 * <p>YAML is read with the YAML 1.2 core schema (section 10.3), of which JSON is a subset.
 *
 * <p>The model as built here: {@code description} is {@code ""} when absent; {@code tiers} holds all four tiers in
 * evaluation order (a tier not written is empty); a missing {@code from} or {@code to} is {@code Selector.Any} located
 * at its rule; labels keep their written order.
 */
public final class PolicyParser
{
    /** Largest document accepted: 4 MiB (characters of a string; bytes of a file). */
    public static final int MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;
    /** Most problems reported in one run. */
    public static final int MAX_PROBLEMS = 50;
    /** Deepest nesting of mappings and lists; a policy needs six. Bounds the recursion of SnakeYAML's composer. */
    public static final int MAX_NESTING_DEPTH = 16;
    /** Most aliases to mappings or lists (e.g. a shared selector); bounds "billion laughs" expansion. */
    public static final int MAX_COLLECTION_ALIASES = 16;
    /** Most nodes the validation walks, counting a node again at each alias that reaches it. */
    public static final int MAX_VALUES = 1_000_000;

    private static final int MAX_MESSAGE_CODE_POINTS = 240;
    private static final Inventory EMPTY_INVENTORY = new Inventory(List.of(), List.of());

    private PolicyParser()
    {
    }

    /**
     * Parses a policy file, UTF-8 (a leading byte order mark is allowed). Problems name the file as {@code file}
     * was given.
     *
     * @throws PolicyException when the document is not a valid policy (too large, not UTF-8, invalid YAML, or
     *                         against the language)
     * @throws IOException     when the file cannot be read
     */
    public static Policy parse(final Path file) throws PolicyException, IOException
    {
        final String sourceName = file.toString();
        final Problems problems = new Problems(sourceName, MAX_PROBLEMS);
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(file))
        {
            bytes = in.readNBytes(MAX_DOCUMENT_CHARS + 1);
        }
        if (bytes.length > MAX_DOCUMENT_CHARS)
        {
            problems.add(problems.start(), "document too large: more than " + MAX_DOCUMENT_CHARS +
                " bytes; expected a policy of at most 4 MiB");
            throw problems.toException();
        }
        final String text = decodeUtf8(bytes, problems);
        if (text == null)
        {
            throw problems.toException();
        }
        return parse(sourceName, text);
    }

    /**
     * Parses a policy document given as text. {@code sourceName} names it in problems (a file name, "request body").
     *
     * @throws PolicyException when the document is not a valid policy; it carries every problem found
     */
    public static Policy parse(final String sourceName, final String text) throws PolicyException
    {
        return parse(sourceName, text, EMPTY_INVENTORY);
    }

    /**
     * Parses a policy document whose rules may also refer to workloads and groups of a fleet inventory kept outside
     * it (the policy API's, from {@link #parseInventory}). The policy may not define those names again; the returned
     * policy's inventory holds the fleet's entries first, then its own.
     *
     * @throws PolicyException when the document is not a valid policy against that inventory
     */
    public static Policy parse(final String sourceName, final String text, final Inventory fleet)
        throws PolicyException
    {
        Objects.requireNonNull(fleet, "fleet");
        return read(sourceName, text, fleet, PolicyBinder::bind);
    }

    /**
     * Parses an inventory document: a mapping with {@code workloads} and {@code groups}, written as a policy's
     * {@code inventory} section is (docs/policy-language.md).
     *
     * @throws PolicyException when the document is not a valid inventory
     */
    public static Inventory parseInventory(final String sourceName, final String text) throws PolicyException
    {
        return read(sourceName, text, EMPTY_INVENTORY, PolicyBinder::bindInventory);
    }

    private static <T> T read(final String sourceName, final String text, final Inventory fleet,
        final BiFunction<PolicyBinder, Optional<Node>, T> bind) throws PolicyException
    {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(text, "text");
        final Problems problems = new Problems(sourceName, MAX_PROBLEMS);
        T result = null;
        try
        {
            result = read(text, problems, fleet, bind);
        }
        catch (final YamlEngineException e)
        {
            yamlProblem(e, text, problems);
        }
        catch (final RuntimeException | StackOverflowError e)
        {
            // A bug here, or in SnakeYAML, must not let untrusted input through or crash the caller: reject.
            problems.add(problems.start(), "internal error while reading the policy (" + e.getClass().getName() +
                "); the policy is rejected; please report this");
        }
        if (result == null || problems.any())
        {
            throw problems.toException();
        }
        return result;
    }

    private static <T> T read(final String text, final Problems problems, final Inventory fleet,
        final BiFunction<PolicyBinder, Optional<Node>, T> bind)
    {
        if (text.length() > MAX_DOCUMENT_CHARS)
        {
            problems.add(problems.start(), "document too large: " + text.length() + " characters; expected a " +
                "policy of at most " + MAX_DOCUMENT_CHARS + " characters");
            return null;
        }
        final LoadSettings settings = settings(problems.source());
        if (!YamlScreen.check(settings, text, problems, MAX_NESTING_DEPTH, MAX_COLLECTION_ALIASES))
        {
            return null;
        }
        final Optional<Node> document = new Compose(settings).composeString(text);
        return bind.apply(new PolicyBinder(problems, MAX_VALUES, fleet), document);
    }

    private static LoadSettings settings(final String sourceName)
    {
        return LoadSettings.builder()
            .setLabel(sourceName)
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(false)
            .setAllowRecursiveKeys(false)
            .setAllowNonScalarKeys(false)
            .setMaxAliasesForCollections(MAX_COLLECTION_ALIASES)
            .setCodePointLimit(MAX_DOCUMENT_CHARS)
            .setParseComments(false)
            .setUseMarks(true)
            .build();
    }

    /** A SnakeYAML error as one problem at its position, in its words (minus the snippet, which repeats the input). */
    private static void yamlProblem(final YamlEngineException e, final String text, final Problems problems)
    {
        if (e instanceof MarkedYamlEngineException marked)
        {
            final Optional<Mark> mark = marked.getProblemMark().isPresent() ? marked.getProblemMark() :
                marked.getContextMark();
            final StringBuilder message = new StringBuilder("invalid YAML: ").append(clean(marked.getProblem()));
            if (marked.getContext() != null && marked.getContextMark().isPresent() &&
                marked.getProblemMark().isPresent())
            {
                final Mark context = marked.getContextMark().get();
                message.append(" (").append(clean(marked.getContext())).append(" at ").append(context.getLine() + 1)
                    .append(':').append(context.getColumn() + 1).append(')');
            }
            problems.add(problems.at(mark), message.toString());
        }
        else if (e instanceof ReaderException reader)
        {
            problems.add(codePointLocation(text, reader.getPosition(), problems), "invalid character U+" +
                String.format("%04X", reader.getCodePoint()) + " (" + clean(reader.getMessage()) + "); YAML allows " +
                "tab, line breaks and printable Unicode");
        }
        else
        {
            problems.add(problems.start(), "invalid YAML: " + clean(e.getMessage()));
        }
    }

    /** SnakeYAML messages quote input; keep them to one safe line. */
    private static String clean(final String message)
    {
        if (message == null)
        {
            return "unknown error";
        }
        final String quoted = Messages.quote(message.strip().replace('\n', ' '), MAX_MESSAGE_CODE_POINTS);
        return quoted.substring(1, quoted.length() - 1);
    }

    private static SourceLocation codePointLocation(final String text,
        final int codePointIndex, final Problems problems)
    {
        int line = 1;
        int column = 1;
        int count = 0;
        for (int i = 0; i < text.length() && count < codePointIndex; count++)
        {
            final int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return problems.at(line, column);
    }

    /** Strict UTF-8: a malformed byte is a problem at its line and column, not a replacement character. */
    private static String decodeUtf8(final byte[] bytes, final Problems problems)
    {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError())
        {
            result = decoder.flush(out);
        }
        if (result.isError())
        {
            final int offset = in.position();
            int lineStart = 0;
            int line = 1;
            for (int i = 0; i < offset; i++)
            {
                if (bytes[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
            final String before = new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8);
            problems.add(problems.at(line, before.codePointCount(0, before.length()) + 1),
                "not valid UTF-8 (byte offset " + offset + "); expected a UTF-8 text file");
            return null;
        }
        out.flip();
        return out.toString();
    }
}
