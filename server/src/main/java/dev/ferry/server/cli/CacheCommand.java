package dev.ferry.server.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry cache}: work on a running server's caches. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Work on a running server's caches.",
        subcommands = CacheCommand.Warm.class)
final class CacheCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * {@code ferry cache warm}: computes and stores the answers of predictable requests ahead of
     * the traffic that asks for them, at a bounded rate.
     */
    @Command(name = "warm", mixinStandardHelpOptions = true, description = "Send predictable requests to a server "
            + "so that their answers wait in its caches (in-process, Redis, the results database).")
    static final class Warm implements Callable<Integer> {
        @Option(names = "--server", required = true, paramLabel = "URL",
                description = "the server's HTTP address, e.g. http://localhost:8080")
        String server;

        @Option(names = "--requests-file", required = true, paramLabel = "FILE", description = "JSON Lines as ferry "
                + "generate --requests-file reads them (prompt or prompt_ids, max_tokens, temperature, seed, ...), "
                + "and optionally model; only greedy (temperature 0) or seeded requests are cached")
        Path requestsFile;

        @Option(names = "--model", description = "the model of lines that name none (default: the server's only model)")
        String model;

        @Option(names = "--rate", defaultValue = "10", description = "requests sent per second at most "
                + "(default ${DEFAULT-VALUE})")
        double rate;

        @Option(names = "--concurrency", defaultValue = "4", description = "requests in flight at most "
                + "(default ${DEFAULT-VALUE})")
        int concurrency;

        @Option(names = "--api-key", description = "the key to send as 'authorization: Bearer KEY'")
        String apiKey;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** @return 0 when every request was answered, 1 when some failed */
        @Override
        public Integer call() throws Exception {
            CacheWarmer warmer = new CacheWarmer(server, apiKey);
            List<String> bodies = WarmRequests.read(requestsFile, model != null ? model : warmer.onlyModel());
            WarmProgress progress = new WarmProgress(spec.commandLine().getErr());
            CacheWarmer.Summary summary = warmer.warm(bodies, rate, concurrency, progress);
            progress.finish(summary);
            return summary.failed() == 0 ? 0 : 1;
        }
    }
}
