package dev.palisade.dpi.engine;

import dev.palisade.dpi.rules.Rule;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectorTest
{
    private static final DpiConfig CONFIG = DpiConfig.defaults();

    @Test
    void signatureSplitAcrossSegmentsMatchesOnceOnTheReassembledStream()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp any any -> any any (msg:\"split\"; content:\"EVILSTRING\"; sid:1;)"))
        {
            h.handshake();
            h.send(true, "xxEVIL");
            assertEquals(0, h.count(1));
            h.send(true, "STRINGyy");
            assertEquals(1, h.count(1));
            assertEquals("stream", h.alerts.get(0).source());
            h.send(true, "zz");
            assertEquals(1, h.count(1), "bytes already inspected do not alert again");
            h.send(true, "EVILSTRING");
            assertEquals(2, h.count(1), "a new occurrence does");
        }
    }

    @Test
    void outOfOrderSegmentsAreReassembledBeforeInspection()
    {
        try (EngineHarness h = new EngineHarness(CONFIG, "alert tcp any any -> any any (content:\"ABCDEF\"; sid:1;)"))
        {
            h.handshake();
            h.sendAt(true, 3, "DEF");
            assertEquals(0, h.count(1));
            h.sendAt(true, 0, "ABC");
            assertEquals(1, h.count(1));
        }
    }

    @Test
    void noMatchSpansAGapAndHeldDataIsInspectedWhenTheFlowEnds()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp-stream any any -> any any (content:\"VERY\"; sid:1;)",
            "alert tcp-stream any any -> any any (content:\"DATA\"; sid:3;)",
            "alert tcp-stream any any -> any any (content:\"VERYGOODDATA\"; sid:7;)",
            "alert tcp-pkt any any -> any any (content:\"DATA\"; sid:6;)"))
        {
            h.handshake();
            h.send(true, "VERY");
            h.sendAt(true, 4, "DATA"); // "GOOD" never arrives
            assertEquals(1, h.count(1));
            assertEquals(1, h.count(6), "the packet rule sees the packet at once");
            assertEquals(0, h.count(3), "held behind the hole");
            h.end();
            assertEquals(1, h.count(3));
            assertEquals(0, h.count(7));
        }
    }

    @Test
    void aRelativeFirstContentCountsFromTheStartOfTheStreamNotOfTheWindowInspected()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp-stream any any -> any any (content:\"MAGIC\"; within:10; sid:1;)",
            "alert tcp-stream any any -> any any (content:\"MAGIC\"; distance:0; within:20; sid:2;)"))
        {
            h.handshake();
            h.send(true, "VERY");
            h.sendAt(true, 4, "xxMAGIC"); // stream bytes 8..15, held behind a hole at 4..8
            h.end(); // the hole is skipped: the window inspected starts at 8
            assertEquals(0, h.count(1), "MAGIC ends at 15, past the first 10 bytes of the stream");
            assertEquals(1, h.count(2));
        }
    }

    @Test
    void retransmissionWithDifferentBytesKeepsTheStreamButIsInspectedAsAPacket()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp-stream any any -> any any (content:\"attack\"; sid:1;)",
            "alert tcp any any -> any any (content:\"attack\"; sid:2;)"))
        {
            h.handshake();
            h.send(true, "benign");
            h.sendAt(true, -6, "attack"); // overlaps delivered bytes: the first copy stays in the stream
            assertEquals(0, h.count(1), "the stream still says benign");
            assertEquals(1, h.count(2), "the segment that was not taken into the stream is inspected on its own");
            assertEquals("packet", h.alerts.get(0).source());
            assertEquals(1, h.inspector.counters().overlapsDiffering);
        }
    }

    @Test
    void whenTheReassemblyBudgetIsSpentPacketsAreStillInspectedOneByOne()
    {
        try (EngineHarness h = new EngineHarness(CONFIG.withReassemblyMemcapBytes(600),
            "alert tcp any any -> any any (content:\"needle\"; sid:1;)"))
        {
            h.handshake();
            h.send(true, "x".repeat(300));
            h.send(true, "y".repeat(300));
            h.send(true, "a needle");
            assertEquals(1, h.count(1));
            assertEquals("packet", h.alerts.get(0).source());
            assertTrue(h.inspector.counters().reassemblyMemcapRefusals > 0);
        }
    }

    @Test
    void relativeModifiersAndNegationFollowSuricata()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp any any -> any any (content:\"GET \"; depth:4; content:\"/admin\"; distance:0; within:10; " +
                "content:!\"Referer\"; sid:1;)",
            "alert tcp any any -> any any (content:\"GET \"; depth:4; content:\"/admin\"; distance:20; sid:2;)",
            "alert tcp any any -> any any (content:\"get\"; nocase; offset:0; depth:3; isdataat:5,relative; sid:3;)",
            "alert tcp any any -> any any (content:\"GET\"; pcre:\"/^\\s+\\/adm/R\"; sid:4;)"))
        {
            h.handshake();
            h.send(true, "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(1, h.count(1));
            assertEquals(0, h.count(2), "distance 20 puts the window past /admin");
            assertEquals(1, h.count(3));
            assertEquals(1, h.count(4));
        }
    }

    @Test
    void depthCountsFromTheStartOfTheStreamAndOfEachPacket()
    {
        final String rule = "alert tcp any any -> any any (content:\"SSH-\"; depth:4; sid:1;)";
        try (EngineHarness h = new EngineHarness(CONFIG, rule))
        {
            h.handshake();
            h.send(true, "SS");
            h.send(true, "H-2.0");
            assertEquals(1, h.count(1), "split over two segments at the start of the stream");
        }
        try (EngineHarness h = new EngineHarness(CONFIG, rule))
        {
            h.handshake();
            h.send(true, "hello ");
            h.send(true, "SSH-2.0");
            assertEquals(1, h.count(1), "at the start of a packet, as Suricata and Snort see it");
            assertEquals("packet", h.alerts.get(0).source());
            h.send(true, "hello SSH-2.0");
            assertEquals(1, h.count(1), "neither at the start of the stream nor of the packet");
        }
    }

    @Test
    void flowDirectionAndStateAreHonoured()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp any any -> any any (flow:to_client,established; content:\"uid=0\"; sid:1;)",
            "alert tcp any any -> any any (flow:to_server; content:\"uid=0\"; sid:2;)"))
        {
            h.handshake();
            h.send(false, "uid=0(root)");
            assertEquals(1, h.count(1));
            assertEquals(0, h.count(2));
        }
    }

    @Test
    void flowbitsSetByOneDirectionGateAnAlertInTheOther()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp any any -> any any (content:\"LOGIN\"; flowbits:set,logged_in; flowbits:noalert; sid:1;)",
            "alert tcp any any -> any any (content:\"secret\"; flowbits:isset,logged_in; sid:2;)"))
        {
            h.handshake();
            h.send(false, "secret");
            assertEquals(0, h.count(2), "not logged in yet");
            h.send(true, "LOGIN bob");
            assertEquals(0, h.count(1), "noalert");
            h.send(false, "secret");
            assertEquals(1, h.count(2));
        }
    }

    @Test
    void thresholdLimitsAlertsPerTrackedAddress()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert udp any any -> any any (content:\"ping\"; threshold:type limit, track by_src, count 2, seconds 60; " +
                "sid:1;)"))
        {
            for (int i = 0; i < 5; i++)
            {
                h.udp(true, "ping");
            }
            assertEquals(2, h.count(1));
        }
    }

    @Test
    void dropOnStreamBlocksTheFlowInlineButOnlyAlertsInIdsMode()
    {
        final String rule = "drop tcp any any -> any any (content:\"exploit\"; sid:1;)";
        try (EngineHarness h = new EngineHarness(CONFIG, rule))
        {
            h.handshake();
            assertEquals(Inspector.VERDICT_DROP, h.send(true, "an exploit"));
            assertTrue(h.alerts.get(0).blocked());
            assertEquals(Inspector.VERDICT_DROP, h.send(true, "harmless"), "the flow stays blocked");
        }
        try (EngineHarness h = new EngineHarness(CONFIG.withIps(false), rule))
        {
            h.handshake();
            assertEquals(Inspector.VERDICT_PASS, h.send(true, "an exploit"));
            assertFalse(h.alerts.get(0).blocked());
        }
    }

    @Test
    void rejectIsReportedSoThatTheDataPlaneCanAnswer()
    {
        try (EngineHarness h = new EngineHarness(CONFIG, "reject tcp any any -> any any (content:\"bad\"; sid:1;)"))
        {
            h.handshake();
            assertEquals(Inspector.VERDICT_REJECT, h.send(true, "bad"));
        }
    }

    @Test
    void passRuleWithoutPayloadTestsPassesTheRestOfTheFlow()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "pass tcp any any -> any 80 (sid:1;)",
            "alert tcp any any -> any any (content:\"x\"; sid:2;)"))
        {
            h.handshake();
            h.send(true, "xxx");
            assertEquals(0, h.count(2));
            assertTrue(h.inspector.counters().passedPackets > 0);
        }
    }

    @Test
    void alertsPerPacketAreCappedInActionOrder()
    {
        try (EngineHarness h = new EngineHarness(CONFIG.withPacketAlertMax(2),
            "alert udp any any -> any any (content:\"T\"; sid:1;)",
            "alert udp any any -> any any (content:\"T\"; sid:2;)",
            "drop udp any any -> any any (content:\"T\"; sid:3;)"))
        {
            h.udp(true, "T");
            assertEquals(List.of(3L, 1L), h.alerts.stream().map(Alert::sid).toList());
            assertEquals(1, h.inspector.counters().alertQueueOverflow);
        }
    }

    @Test
    void httpRulesInspectParsedBuffersOncePerTransaction()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert http any any -> any any (flow:to_server; http.uri; content:\"/login.php\"; http.method; " +
                "content:\"POST\"; sid:1;)",
            "alert tcp any any -> any any (content:\"login\"; http_uri; content:\"admin\"; http_client_body; sid:2;)",
            "alert http any any -> any any (flow:to_client; http.stat_code; content:\"500\"; sid:3;)",
            "alert tcp any any -> any any (pcre:\"/\\x2fLOGIN\\.php/Ui\"; sid:4;)"))
        {
            h.handshake();
            h.send(true, "POST /log");
            h.send(true, "in.php HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
            assertEquals(1, h.count(1), "request headers complete");
            assertEquals(1, h.count(4));
            assertEquals(0, h.count(2), "the body is not complete yet");
            h.send(true, "user=admin");
            assertEquals(1, h.count(2));
            h.send(false, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
            assertEquals(1, h.count(3));
            assertEquals("http", h.alerts.get(h.alerts.size() - 1).source());
            assertEquals(1, h.count(1), "once per transaction");
        }
    }

    @Test
    void hotReloadSwapsRulesAtTheNextAdoption()
    {
        try (EngineHarness h = new EngineHarness(CONFIG, "alert udp any any -> any any (content:\"old\"; sid:1;)"))
        {
            h.udp(true, "old new");
            final RuleSet next = h.engine.reload(EngineHarness.load(
                "alert udp any any -> any any (content:\"new\"; sid:2;)"));
            assertEquals(1, next.size());
            h.udp(true, "old new");
            assertEquals(2, h.count(1), "the worker keeps its set until it adopts");
            h.inspector.adopt();
            h.udp(true, "old new");
            assertEquals(2, h.count(1));
            assertEquals(1, h.count(2));
        }
    }

    @Test
    void alertCarriesTheRuleTheFlowAndAnExcerptEndingAtTheMatch()
    {
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert udp $HOME_NET any -> $EXTERNAL_NET any (msg:\"dns tunnel\"; classtype:trojan-activity; " +
                "priority:1; content:\"tunnel\"; sid:7; rev:3;)"))
        {
            h.udp(true, "abc tunnel xyz");
            final Alert a = h.alerts.get(0);
            assertEquals(7, a.sid());
            assertEquals(3, a.rev());
            assertEquals("dns tunnel", a.msg());
            assertEquals("trojan-activity", a.classtype());
            assertEquals(1, a.priority());
            assertEquals(41000, a.srcPort());
            assertTrue(a.toServer());
            assertEquals("abc tunnel", new String(a.payload(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void rulesTheHeaderExcludesAreNotReportedByThePrefilter()
    {
        // $HOME_NET is the client here: a rule for traffic into $HOME_NET from outside never applies to its requests.
        try (EngineHarness h = new EngineHarness(CONFIG,
            "alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:\"abc\"; sid:1;)",
            "alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"abc\"; sid:2;)"))
        {
            h.handshake();
            h.send(true, "abc");
            assertEquals(0, h.count(1));
            assertEquals(1, h.count(2));
            assertEquals(0, h.inspector.counters().headerRejects, "the packet class kept sid 1 out of the scan");
        }
    }

    @Test
    void untranslatableRegularExpressionsAreSkippedWithTheReason()
    {
        final List<Rule> rules = EngineHarness.load("alert tcp any any -> any any (pcre:\"/a(?R)?b/\"; sid:1;)",
            "alert tcp any any -> any any (content:\"x\"; sid:2;)");
        try (DpiEngine engine = new DpiEngine(CONFIG, rules))
        {
            assertEquals(1, engine.rules().size());
            assertEquals(1, engine.rules().rejected().get(0).sid());
            assertTrue(engine.rules().rejected().get(0).keyword().startsWith("pcre ("));
        }
    }
}
