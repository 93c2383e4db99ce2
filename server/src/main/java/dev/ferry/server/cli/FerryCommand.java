package dev.ferry.server.cli;

import dev.ferry.store.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command line: one entry point for serving, generating and managing models. */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = FerryCommand.Version.class,
        description = "Ferry: a model-serving engine for the JVM.",
        footer = {"", "  bench     Load-test a running server; see ferry bench --help."},
        subcommands = {ServeCommand.class, GenerateCommand.class, EmbedCommand.class, ModelCommand.class, CacheCommand.class,
                CommandLine.HelpCommand.class})
public final class FerryCommand implements Runnable {

    private static final String DJL_OPT_OUT = "OPT_OUT_TRACKING";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // DJL reports the process to AWS unless told not to, first asking the EC2 metadata address for
        // the instance: 50-100 ms of every start here, and up to seconds where that address is filtered
        if (System.getProperty(DJL_OPT_OUT) == null && System.getenv(DJL_OPT_OUT) == null) {
            System.setProperty(DJL_OPT_OUT, "true");
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests execute it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new FerryCommand());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Errors the user can fix are printed as one line naming the file, key or field.
            boolean userError = e instanceof ModelLoadException || e instanceof IllegalArgumentException
                    || e instanceof java.io.IOException;
            cmd.getErr().println("ferry " + cmd.getCommandName() + ": error: " + e.getMessage());
            if (!userError) {
                e.printStackTrace(cmd.getErr());
            }
            return userError ? 2 : 1;
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = FerryCommand.class.getPackage().getImplementationVersion();
            return new String[] {"ferry " + (v == null ? "dev" : v)};
        }
    }
}
