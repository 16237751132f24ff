package dev.palisade.cli;

import picocli.CommandLine.Option;

/** Options every subcommand takes. */
final class CommonOptions
{
    @Option(names = {"-v", "--verbose"}, description = "Show stack traces and more detail on errors.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
