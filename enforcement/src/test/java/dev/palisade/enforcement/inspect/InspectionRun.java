package dev.palisade.enforcement.inspect;

import dev.palisade.dpi.engine.Alert;
import dev.palisade.dpi.engine.DpiConfig;
import dev.palisade.dpi.engine.DpiEngine;
import dev.palisade.dpi.rules.RuleFiles;
import dev.palisade.dpi.rules.RuleParser;
import dev.palisade.dpi.rules.RuleVariables;
import dev.palisade.dpi.rules.LoadResult;
import dev.palisade.enforcement.pipeline.DataPlaneConfig;
import dev.palisade.enforcement.pipeline.ReplayEngine;
import dev.palisade.enforcement.pipeline.ReplaySummary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Runs rules over a capture through the data plane, as `palisade replay --rules` does, and keeps the alerts. */
record InspectionRun(ReplaySummary summary, List<Alert> alerts, List<LoadResult> loadResults)
{
    static InspectionRun of(final Path capture, final String rulesText, final DpiConfig config) throws IOException
    {
        final List<LoadResult> results = RuleFiles.parse(new RuleParser(RuleVariables.defaults()), rulesText,
            "test.rules");
        final List<dev.palisade.dpi.rules.Rule> rules = new ArrayList<>();
        for (final LoadResult result : results)
        {
            if (result instanceof LoadResult.Loaded loaded)
            {
                rules.add(loaded.rule());
            }
        }
        final List<Alert> alerts = new ArrayList<>();
        try (DpiEngine engine = new DpiEngine(config, rules))
        {
            final ReplaySummary summary = new ReplayEngine(DataPlaneConfig.defaults(), 1)
                .inspection(engine, alerts::add)
                .replay(capture);
            return new InspectionRun(summary, alerts, results);
        }
    }

    Map<Long, Integer> alertsBySid()
    {
        final Map<Long, Integer> counts = new TreeMap<>();
        for (final Alert alert : alerts)
        {
            counts.merge(alert.sid(), 1, Integer::sum);
        }
        return counts;
    }

    int alerts(final long sid)
    {
        return alertsBySid().getOrDefault(sid, 0);
    }
}
