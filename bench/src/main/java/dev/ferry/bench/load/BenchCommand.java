package dev.ferry.bench.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench}: load against a running server, one run (open or closed loop) or a sweep of
 * open-loop rates, reported as a table and JSON, optionally held to a baseline or plotted.
 */
@Command(name = "ferry bench", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Load a running Ferry server and report throughput, goodput and latency percentiles.",
        footer = {"", "Exit status: 0 done, 2 bad arguments, 3 a figure regressed against --baseline."})
public final class BenchCommand implements Callable<Integer> {
    static final int REGRESSED = 3;

    @Option(names = "--target", required = true, description = "grpc://HOST:PORT or http://HOST:PORT")
    String target;

    @Option(names = "--model", required = true, description = "model name or alias")
    String model;

    @Option(names = "--rate", description = "open loop: Poisson arrivals at this many requests per second")
    Double rate;

    @Option(names = "--concurrency", description = "closed loop: this many users, each waiting for its answer")
    Integer concurrency;

    @Option(names = "--burst", description = "send this many requests at once, wait for every answer, and report "
            + "the refusals' latency at the client beside the server's own (scraped from --metrics-url)")
    Integer burst;

    @Option(names = "--rounds", defaultValue = "1", description = "with --burst: bursts to send, one after another's "
            + "answers (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--preconnect", description = "with --burst: before each round, open the round's connections "
            + "and have each answer GET /health (gRPC: its one channel, a health check), so the round times the "
            + "requests alone; without it an HTTP request opens its own connection (see --http-client)")
    boolean preconnect;

    @Option(names = "--http-client", defaultValue = "jdk", description = "the HTTP client: jdk (java.net.http; its "
            + "pool keeps connections between requests) or netty (one event-loop thread; a request not given a "
            + "pre-opened connection opens its own and closes it after its answer) (default ${DEFAULT-VALUE})")
    String httpClient;

    @Option(names = "--metrics-url", description = "the server's /metrics, for its refusal times and /health beside "
            + "it (default: the target's for an http:// target)")
    URI metricsUrl;

    @Option(names = "--sweep", split = ",", description = "open-loop rates to run one after another, e.g. 1,2,4,8")
    List<Double> sweep;

    @Option(names = "--prompt-tokens", defaultValue = "128",
            description = "prompt length: N, uniform:MIN:MAX or normal:MEAN:SD (default ${DEFAULT-VALUE})")
    String promptTokens;

    @Option(names = "--output-tokens", defaultValue = "64",
            description = "output length, same forms; sent with ignore_eos so outputs are this long (default ${DEFAULT-VALUE})")
    String outputTokens;

    @Option(names = "--shared-prefix", defaultValue = "0",
            description = "fraction of each prompt that is a prefix common to all requests (default ${DEFAULT-VALUE})")
    double sharedPrefix;

    @Option(names = "--duration", converter = Flags.DurationConverter.class,
            description = "measured time per run after the warm-up (default 30s unless --requests is given)")
    Duration duration;

    @Option(names = "--requests", description = "measured requests per run")
    Integer requests;

    @Option(names = "--warmup", defaultValue = "0s", converter = Flags.DurationConverter.class,
            description = "time at the start whose requests are sent but not counted (default ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = "--drain-timeout", defaultValue = "60s", converter = Flags.DurationConverter.class,
            description = "wait this long for answers after sending stops; the rest are unanswered (default ${DEFAULT-VALUE})")
    Duration drainTimeout;

    @Option(names = "--slo-ttft", converter = Flags.DurationConverter.class, description = "goodput's bound on time to first token, e.g. 1s")
    Duration sloTtft;

    @Option(names = "--slo-itl", converter = Flags.DurationConverter.class,
            description = "goodput's bound on a request's mean inter-token latency, e.g. 100ms")
    Duration sloItl;

    @Option(names = "--out", description = "write the results (or the sweep) as JSON to this file")
    Path out;

    @Option(names = "--baseline", description = "a previous run's --out JSON to compare with")
    Path baseline;

    @Option(names = "--max-regression", defaultValue = "10%",
            description = "how much worse a figure may be than the baseline's (default ${DEFAULT-VALUE})")
    String maxRegression;

    @Option(names = "--plot", description = "with --sweep: write an HTML chart of latency and goodput against load")
    Path plot;

    @Option(names = "--seed", description = "seed of prompts, lengths and arrivals (default: a new one per run, so "
            + "the server's caches never hold a previous run's prompts)")
    Long seed;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "sampling temperature; unseeded sampling is never answered from the response cache (default ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--max-token-id", defaultValue = "500",
            description = "prompt token ids are drawn from [1, N); the default fits every preset (default ${DEFAULT-VALUE})")
    int maxTokenId;

    @Option(names = "--api-key", description = "bearer key, when the server requires one")
    String apiKey;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private LengthDistribution promptLengths;
    private LengthDistribution outputLengths;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests execute it in-process. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean userError = e instanceof IllegalArgumentException || e instanceof IOException;
            cmd.getErr().println("ferry bench: error: " + e.getMessage());
            if (!userError) {
                e.printStackTrace(cmd.getErr());
            }
            return userError ? 2 : 1;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        // every argument is checked before the first request goes out
        Target t = Target.parse(target);
        promptLengths = LengthDistribution.parse("--prompt-tokens", promptTokens);
        outputLengths = LengthDistribution.parse("--output-tokens", outputTokens);
        if (sweep != null && (rate != null || concurrency != null || baseline != null)) {
            throw new IllegalArgumentException("--sweep runs its own rates; it takes no --rate, --concurrency or --baseline");
        }
        if (burst != null && (sweep != null || rate != null || concurrency != null || baseline != null)) {
            throw new IllegalArgumentException("--burst is a load shape of its own; it takes no --sweep, --rate, "
                    + "--concurrency or --baseline");
        }
        if (preconnect && burst == null) {
            throw new IllegalArgumentException("--preconnect goes with --burst");
        }
        if (!httpClient.equals("jdk") && !httpClient.equals("netty")) {
            throw new IllegalArgumentException("--http-client: expected jdk or netty, got '" + httpClient + "'");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds: expected at least 1, got " + rounds);
        }
        if (plot != null && sweep == null) {
            throw new IllegalArgumentException("--plot draws a sweep; give --sweep");
        }
        LoadResult base = null;
        if (baseline != null) {
            try {
                base = ResultsJson.readRun(baseline);
            } catch (IOException e) {
                throw new IOException("--baseline: " + e.getMessage(), e);
            }
        }
        double allowed = Flags.fraction("--max-regression", maxRegression);
        long firstSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        if (burst != null) {
            LoadPlan plan = LoadPlan.burst(burst, drainTimeout, firstSeed);
            try (LoadClient client = t.client(httpClient, model, temperature, apiKey)) {
                runBurst(t, client, plan);
                return 0;
            }
        }
        if (sweep == null) {
            plan(rate, concurrency, firstSeed); // refuses a missing, doubled or empty load shape before connecting
        } else {
            sweep.forEach(r -> plan(r, null, firstSeed));
        }
        try (LoadClient client = t.client(httpClient, model, temperature, apiKey)) {
            if (sweep != null) {
                runSweep(t, client, firstSeed);
                return 0;
            }
            return runOnce(t, client, plan(rate, concurrency, firstSeed), base, allowed);
        }
    }

    private LoadPlan plan(Double rate, Integer concurrency, long seed) {
        Duration measured = duration == null && requests == null ? Duration.ofSeconds(30) : duration;
        return new LoadPlan(rate, concurrency, null, warmup, measured, requests, drainTimeout, seed);
    }

    private int runOnce(Target t, LoadClient client, LoadPlan plan, LoadResult base, double allowed) throws Exception {
        LoadResult result = measure(t, client, plan);
        ResultTable.print(console(), result);
        if (out != null) {
            ResultsJson.write(out, result);
        }
        if (base == null) {
            return 0;
        }
        Comparison c = Comparison.of(base, result, allowed);
        c.print(console(), allowed);
        return c.regressions().isEmpty() ? 0 : REGRESSED;
    }

    private void runBurst(Target t, LoadClient client, LoadPlan plan) throws Exception {
        URI metrics = metricsUrl != null ? metricsUrl
                : t.scheme().equals("http") ? URI.create(t + "/metrics") : null;
        BurstBench bench = new BurstBench(client, this::workload,
                seed -> burstSetup(t, plan.burst(), seed), metrics, preconnect);
        List<BurstBench.Round> done = bench.run(rounds, plan, console());
        if (out != null) {
            ResultsJson.write(out, done);
        }
    }

    private void runSweep(Target t, LoadClient client, long firstSeed) throws Exception {
        List<Double> rates = sweep.stream().sorted().toList();
        List<LoadResult> points = new ArrayList<>();
        for (int i = 0; i < rates.size(); i++) {
            // a seed per point: later points must not find earlier prompts in the prefix cache
            LoadResult r = measure(t, client, plan(rates.get(i), null, firstSeed + i));
            console().printf("rate %.3f req/s: %.3f req/s finished, TTFT p95 %.1f ms, ITL p50 %.1f ms, %d unanswered%n",
                    rates.get(i), r.requestThroughput(), r.ttftMs().p95(), r.itlMs().p50(), r.unanswered());
            points.add(r);
        }
        ResultTable.printSweep(console(), points);
        Crossing crossing = sloTtft == null ? null : Crossing.of(points, sloTtft.toNanos() / 1e6);
        if (crossing != null) {
            console().println(crossing.describe());
        }
        if (out != null) {
            ResultsJson.write(out, new ResultsJson.Sweep(points, crossing));
        }
        if (plot != null) {
            Files.writeString(plot, SweepPlot.html(points, crossing));
        }
    }

    private LoadResult measure(Target t, LoadClient client, LoadPlan plan) throws InterruptedException {
        Slo slo = new Slo(sloTtft, sloItl);
        Measurements m = new LoadGenerator(client, workload(plan.seed()), plan).run(slo);
        return m.result(new LoadResult.Setup(t.toString(), model, plan.rate(), plan.concurrency(), null, promptTokens,
                outputTokens, sharedPrefix, plan.seed(), slo.ttftMs(), slo.itlMs()));
    }

    private Workload workload(long seed) {
        return new Workload(promptLengths, outputLengths, sharedPrefix, maxTokenId, seed);
    }

    private LoadResult.Setup burstSetup(Target t, int burst, long seed) {
        return new LoadResult.Setup(t.toString(), model, null, null, burst, promptTokens, outputTokens, sharedPrefix,
                seed, null, null);
    }

    private PrintWriter console() {
        return spec.commandLine().getOut();
    }
}
