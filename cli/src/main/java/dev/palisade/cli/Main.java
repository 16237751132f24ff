package dev.palisade.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * Entry point of {@code palisade}. Maps outcomes to exit codes: 0 ok, 1 a verdict or check failed, 2 usage error
 * (picocli's default), 3 runtime error. A runtime error prints one line saying what went wrong; {@code -v} (or
 * PALISADE_VERBOSE=1) adds the stack trace.
 */
@Command(
    name = "palisade",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
        "Palisade: a security platform for DPUs (SmartNICs).",
        "",
        "Runs on the card, out of the host's reach: a stateful firewall with connection tracking on every packet, " +
            "deep packet inspection, and hardware attestation.",
        ""},
    subcommands = {
        DemoCommand.class,
        ReplayCommand.class,
        GenTrafficCommand.class,
        BenchCommand.class,
        PolicyCommand.class,
        ClassbenchCommand.class,
        AttestCommand.class,
        ApiCommand.class,
        AgentCommand.class,
        CommandLine.HelpCommand.class},
    footer = {
        "",
        "Exit codes: 0 ok, 1 a verdict or check failed, 2 usage error, 3 runtime error.",
        "Run 'palisade COMMAND --help' for a command's options."})
public final class Main implements Runnable
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_RUNTIME = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    static int execute(final String... args)
    {
        final CommandLine commandLine = newCommandLine();
        return commandLine.execute(args);
    }

    static CommandLine newCommandLine()
    {
        final CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(Main::handleError);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setUsageHelpWidth(100);
        return commandLine;
    }

    private static int handleError(final Exception ex, final CommandLine commandLine,
        final CommandLine.ParseResult parseResult)
    {
        final PrintWriter err = commandLine.getErr();
        final String verb = commandLine.getCommandSpec().qualifiedName();
        err.println(verb + ": error: " + describe(ex));
        if (verbose(parseResult))
        {
            ex.printStackTrace(err);
        }
        else
        {
            err.println("(run with -v for details)");
        }
        err.flush();
        return EXIT_RUNTIME;
    }

    static String describe(final Throwable ex)
    {
        if (ex instanceof java.nio.file.NoSuchFileException nsf)
        {
            return nsf.getFile() + ": no such file";
        }
        if (ex instanceof java.nio.file.AccessDeniedException ade)
        {
            return ade.getFile() + ": permission denied";
        }
        if (ex instanceof OutOfMemoryError)
        {
            return "out of memory: " + ex.getMessage() + " (reduce --flows-capacity or raise -Xmx via PALISADE_JAVA_OPTS)";
        }
        final String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
    }

    private static boolean verbose(final CommandLine.ParseResult parseResult)
    {
        if ("1".equals(System.getenv("PALISADE_VERBOSE")))
        {
            return true;
        }
        for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand())
        {
            if (pr.hasMatchedOption("-v"))
            {
                return true;
            }
        }
        return false;
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                "palisade " + (version == null ? "0.1.0-SNAPSHOT" : version),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
