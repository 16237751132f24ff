package dev.palisade.dpi.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads rule files: one rule per line, {@code #} comments (a commented-out rule is disabled, not loaded), a trailing
 * backslash continues a rule on the next line. Every rule ends up loaded, skipped (with the keyword) or invalid (with
 * the reason); nothing is dropped silently.
 */
public final class RuleFiles
{
    private RuleFiles()
    {
    }

    /** What loading gave: every result in file order, and counts. */
    public record Report(List<LoadResult> results)
    {
        public List<Rule> loaded()
        {
            return results.stream().filter(r -> r instanceof LoadResult.Loaded)
                .map(r -> ((LoadResult.Loaded)r).rule()).toList();
        }

        public List<LoadResult.Skipped> skipped()
        {
            return results.stream().filter(r -> r instanceof LoadResult.Skipped)
                .map(r -> (LoadResult.Skipped)r).toList();
        }

        public List<LoadResult.Invalid> invalid()
        {
            return results.stream().filter(r -> r instanceof LoadResult.Invalid)
                .map(r -> (LoadResult.Invalid)r).toList();
        }

        /** Skipped rules by keyword, most frequent first. */
        public Map<String, Long> skippedByKeyword()
        {
            final Map<String, Long> counts = new TreeMap<>();
            for (final LoadResult.Skipped s : skipped())
            {
                counts.merge(s.keyword(), 1L, Long::sum);
            }
            final Map<String, Long> sorted = new LinkedHashMap<>();
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return sorted;
        }
    }

    public static Report load(final List<Path> files, final RuleVariables variables) throws IOException
    {
        final RuleParser parser = new RuleParser(variables);
        final List<LoadResult> results = new ArrayList<>();
        for (final Path file : files)
        {
            results.addAll(parse(parser, Files.readString(file, StandardCharsets.UTF_8), file.toString()));
        }
        return new Report(List.copyOf(results));
    }

    /** Parses the text of one rule file. */
    public static List<LoadResult> parse(final RuleParser parser, final String text, final String file)
    {
        final List<LoadResult> results = new ArrayList<>();
        final String[] lines = text.split("\r?\n", -1);
        final StringBuilder rule = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            if (rule.length() == 0)
            {
                final String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#"))
                {
                    continue;
                }
                start = i + 1;
            }
            if (line.endsWith("\\") && i + 1 < lines.length)
            {
                rule.append(line, 0, line.length() - 1);
                continue;
            }
            rule.append(line);
            results.add(parser.parse(rule.toString().strip(), file, start));
            rule.setLength(0);
        }
        return results;
    }
}
