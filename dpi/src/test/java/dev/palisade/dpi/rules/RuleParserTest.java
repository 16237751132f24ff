package dev.palisade.dpi.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleParserTest
{
    private static final Path RULES = Path.of("..", "..", "shared", "data", "dpi", "rules");
    private final RuleParser parser = new RuleParser(RuleVariables.defaults());

    private Rule load(final String text)
    {
        final LoadResult result = parser.parse(text, "t.rules", 1);
        return assertInstanceOf(LoadResult.Loaded.class, result, result::toString).rule();
    }

    private static Content content(final Rule rule, final int i)
    {
        return ((Rule.ContentDetection)rule.detection().get(i)).content();
    }

    @Test
    void readsHeaderMetaAndContentModifiers()
    {
        final Rule r = load("alert tcp $EXTERNAL_NET any -> $HOME_NET [80,8000:8080] (msg:\"A \\\"quoted\\\" msg\"; " +
            "flow:to_server,established; content:\"GET |20|/\"; depth:5; content:\"x\\;y\"; nocase; distance:0; " +
            "within:10; fast_pattern; classtype:web-application-attack; reference:url,example.com; sid:99; rev:3;)");
        assertEquals(Rule.Action.ALERT, r.action());
        assertEquals("tcp", r.protocol());
        assertEquals(99, r.sid());
        assertEquals(3, r.rev());
        assertEquals("A \"quoted\" msg", r.msg());
        assertEquals("web-application-attack", r.classtype());
        assertTrue(r.flow().toServer() && r.flow().established());
        assertEquals("GET  /", new String(content(r, 0).bytes(), StandardCharsets.ISO_8859_1));
        assertEquals(5, content(r, 0).depth());
        assertEquals("x;y", new String(content(r, 1).bytes(), StandardCharsets.ISO_8859_1));
        assertTrue(content(r, 1).nocase() && content(r, 1).fastPattern());
        assertEquals(0, content(r, 1).distance());
        assertEquals(10, content(r, 1).within());
        final long mapped = 0x0000_FFFF_0000_0000L;
        assertTrue(r.destination().matches(0, mapped | 0x0A01_0203L), "10.1.2.3 is in HOME_NET");
        assertFalse(r.source().matches(0, mapped | 0x0A01_0203L), "EXTERNAL_NET is !HOME_NET");
        assertTrue(r.destinationPorts().matches(8050) && r.destinationPorts().matches(80));
        assertFalse(r.destinationPorts().matches(443));
    }

    @Test
    void suricataModifiersAndSnortStickyBuffersMeanTheSame()
    {
        final Rule suricata = load("alert http any any -> any any (content:\"/admin\"; http_uri; nocase; " +
            "content:\"curl\"; http_user_agent; sid:1;)");
        final Rule snort = load("alert tcp any any -> any any (service:http; http_uri; content:\"/admin\",nocase; " +
            "http_user_agent; content:\"curl\"; sid:1;)");
        final Rule sticky = load("alert http any any -> any any (http.uri; content:\"/admin\"; nocase; " +
            "http.user_agent; content:\"curl\"; sid:1;)");
        assertEquals(suricata.detection(), snort.detection());
        assertEquals(suricata.detection(), sticky.detection());
        assertEquals(Buffer.HTTP_URI, content(suricata, 0).buffer());
        assertEquals("http", snort.service());
        assertEquals("http", suricata.service());
    }

    @Test
    void anHttpKeywordBeforeAnyContentIsReadAsSnort3StickyBuffer()
    {
        // Nothing else marks this rule as Snort 3 (no service:, no inline modifier); in Suricata 4 it is an error.
        final Rule r = load("alert http any any -> any any (http_uri; content:\"../../\"; http_header; " +
            "content:\"curl\"; sid:1;)");
        assertEquals(Buffer.HTTP_URI, content(r, 0).buffer());
        assertEquals(Buffer.HTTP_HEADER, content(r, 1).buffer());
        final Rule suricata = load("alert http any any -> any any (content:\"a\"; http_uri; content:\"b\"; sid:1;)");
        assertEquals(Buffer.HTTP_URI, content(suricata, 0).buffer(), "after a content: Suricata's modifier");
        assertEquals(Buffer.PAYLOAD, content(suricata, 1).buffer());
    }

    @Test
    void theExampleSnort3RuleFileLoadsCompletely() throws Exception
    {
        final RuleFiles.Report report = RuleFiles.load(
            List.of(Path.of("..", "examples", "rules", "palisade.snort3.rules")), RuleVariables.defaults());
        assertEquals(List.of(), report.results().stream().filter(r -> !(r instanceof LoadResult.Loaded)).toList());
        assertTrue(report.loaded().size() >= 80, "loaded " + report.loaded().size());
    }

    @Test
    void theLocalRuleFilesLoadTheSameInBothLanguages() throws Exception
    {
        final RuleFiles.Report suricata = RuleFiles.load(List.of(RULES.resolve("local.suricata.rules")),
            RuleVariables.defaults());
        final RuleFiles.Report snort = RuleFiles.load(List.of(RULES.resolve("local.snort3.rules")),
            RuleVariables.defaults());
        assertEquals(10, suricata.loaded().size(), suricata.results()::toString);
        assertEquals(10, snort.loaded().size(), snort.results()::toString);
        for (int i = 0; i < 10; i++)
        {
            assertEquals(suricata.loaded().get(i).detection(), snort.loaded().get(i).detection(), "rule " + i);
            assertEquals(suricata.loaded().get(i).flow(), snort.loaded().get(i).flow());
        }
    }

    @Test
    void etOpenLoadsWithASkipReportAndNoInvalidRules() throws Exception
    {
        final List<Path> files;
        try (var stream = Files.list(RULES.resolve("et-open-suricata4-2019")))
        {
            files = stream.filter(p -> p.toString().endsWith(".rules") && !p.getFileName().toString()
                .startsWith("DERIVED")).sorted().toList();
        }
        final RuleFiles.Report report = RuleFiles.load(files, RuleVariables.defaults());
        // Two ET Open rules are broken as published (a pcre without its opening quote; an unescaped quote inside a
        // pcre); Suricata refuses them too.
        assertEquals(List.of(2002945L, 2019728L), report.invalid().stream().map(LoadResult.Invalid::sid).toList(),
            report.invalid()::toString);
        assertTrue(report.invalid().stream().allMatch(i -> i.message().contains("unterminated quoted string")));
        final int total = report.results().size();
        assertTrue(total > 18_000, "rules: " + total);
        assertTrue(report.loaded().size() > total / 2, "loaded " + report.loaded().size() + " of " + total +
            "; skipped " + report.skippedByKeyword());
        final Map<String, Long> skips = report.skippedByKeyword();
        assertTrue(skips.containsKey("byte_test"), skips::toString);
        assertFalse(skips.containsKey("content"), skips::toString);
        assertFalse(skips.containsKey("pcre"), skips::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "alert tcp any any -> any any (byte_test:1,>,2,0; sid:5;)       | byte_test",
        "alert tcp any any -> any any (content:\"a\"; offset:x; byte_extract:1,0,x; sid:5;)| offset with a byte_extract variable",
        "alert tcp any any -> any any (pcre:\"/a/Z\"; sid:5;)              | pcre modifier Z",
        "alert sip any any -> any any (sid:5;)                             | protocol sip",
        "alert tcp any any -> any any (flow:to_server,only_frag; sid:5;)   | flow:only_frag",
        "alert tcp any any -> any any (content:\"a\",hash md5; sid:5;)     | content modifier hash",
    })
    void unimplementedKeywordsSkipTheRuleNamingTheKeyword(final String text, final String keyword)
    {
        final LoadResult result = parser.parse(text, "t.rules", 7);
        final LoadResult.Skipped skipped = assertInstanceOf(LoadResult.Skipped.class, result, result::toString);
        assertEquals(keyword, skipped.keyword());
        assertEquals(5, skipped.sid());
        assertEquals(7, skipped.line());
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "%%", value = {
        "alert tcp any any -> any any (content:\"a\")                       %% is not ended by ';'",
        "alert tcp any any any any (sid:1;)                                %% expected 7 header fields",
        "alert tcp any any => any any (sid:1;)                             %% expected '->' or '<>'",
        "alert tcp any any -> any any (content:\"|4|\"; sid:1;)             %% odd number of hex digits",
        "alert tcp any any -> any any (content:\"|zz|\"; sid:1;)            %% 'z' is not a hex digit",
        "alert tcp any any -> any any (nocase; sid:1;)                     %% modifies the content before it",
        "alert tcp any any -> any any (content:\"a\"; sid:1;                %% no option list",
        "alert tcp any any -> any any (content:\"a; sid:1;)                 %% unterminated quoted string",
        "alert tcp any any -> any 70000 (sid:1;)                           %% port 70000 is out of range",
        "alert tcp $NOPE any -> any any (sid:1;)                           %% undefined variable $NOPE",
        "alert tcp 10.0.0.300 any -> any any (sid:1;)                      %% invalid IPv4 address",
        "alert tcp any any -> any any (content:\"a\";)                      %% no sid",
        "alert tcp any any -> any any (dsize:5<>6; sid:1;)                 %% holds no value",
        "alert tcp any any -> any any (flow:to_server,to_client; sid:1;)   %% can never match",
        "alert tcp any any -> any any (threshold:type limit; sid:1;)       %% needs type, track, count and seconds",
        "alert tcp any any -> any 100:10 (sid:1;)                          %% is reversed",
    })
    void malformedRulesAreInvalidSayingWhy(final String text, final String reason)
    {
        final LoadResult result = parser.parse(text, "t.rules", 3);
        final LoadResult.Invalid invalid = assertInstanceOf(LoadResult.Invalid.class, result, result::toString);
        assertTrue(invalid.message().contains(reason), invalid.message());
    }

    @Test
    void rangesFlowbitsThresholdsAndIsdataat()
    {
        final Rule r = load("alert icmp any any -> any any (itype:8; icode:>0; dsize:10<>20; " +
            "flowbits:isset,a|b; flowbits:noalert; threshold:type limit, track by_src, count 1, seconds 60; " +
            "content:\"x\"; isdataat:!2,relative; sid:7;)");
        assertTrue(r.itype().test(8) && !r.itype().test(0));
        assertTrue(r.icode().test(1) && !r.icode().test(0));
        assertTrue(r.dsize().test(11) && r.dsize().test(19) && !r.dsize().test(10) && !r.dsize().test(20));
        assertEquals(new Rule.Flowbits("isset", List.of("a", "b"), true), r.flowbits().get(0));
        assertEquals("noalert", r.flowbits().get(1).command());
        assertEquals(new Rule.Threshold("limit", true, 1, 60, false), r.threshold());
        assertEquals(new Rule.IsDataAt(2, true, true, Buffer.PAYLOAD), r.detection().get(1));
    }

    @Test
    void continuationLinesAndCommentsInFiles()
    {
        final List<LoadResult> results = RuleFiles.parse(parser, """
            # a comment
            # alert tcp any any -> any any (sid:1;)   (disabled)

            alert tcp any any -> any any (msg:"two \\
            lines"; content:"a"; sid:2;)
            alert tcp any any -> any any (nonsense_keyword; sid:3;)
            """, "f.rules");
        assertEquals(2, results.size());
        assertEquals(4, results.get(0).line());
        assertEquals("two lines", ((LoadResult.Loaded)results.get(0)).rule().msg());
        assertEquals(new LoadResult.Skipped("f.rules", 6, 3, "nonsense_keyword"), results.get(1));
    }
}
