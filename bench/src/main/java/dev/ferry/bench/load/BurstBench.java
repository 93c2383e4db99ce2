package dev.ferry.bench.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * {@code ferry bench --burst N}: N requests sent at once from this process, every answer waited
 * for, in one or more rounds. Each round reports the client's counts and latencies (refusals
 * among them), the server's own refusal times over the round from its /metrics, and whether the
 * server still answers /health afterwards.
 */
final class BurstBench {
    /**
     * One round.
     *
     * @param preconnected whether the round's connections were open and warmed before it (else each
     *     request paid for its own, as the client's connection policy has it)
     * @param server the server's refusal times over the round; null without a metrics address
     * @param healthAfter the status /health answered after the round; 0 when it could not be reached
     *     (the server is gone), null without a metrics address
     */
    record Round(int round, boolean preconnected, LoadResult client, ServerRefusals server, Integer healthAfter) {}

    private final LoadClient client;
    private final LongFunction<Workload> workloads;
    private final LongFunction<LoadResult.Setup> setups;
    private final URI metrics;
    private final boolean preconnect;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param workloads the requests of a round, by the round's seed
     * @param setups how a round was set up, by its seed
     * @param metrics the server's /metrics, or null to report the client's side alone
     * @param preconnect whether to open each round's connections before it ({@link LoadClient#preconnect})
     */
    BurstBench(LoadClient client, LongFunction<Workload> workloads, LongFunction<LoadResult.Setup> setups, URI metrics,
               boolean preconnect) {
        this.client = client;
        this.workloads = workloads;
        this.setups = setups;
        this.metrics = metrics;
        this.preconnect = preconnect;
    }

    List<Round> run(int rounds, LoadPlan first, PrintWriter out)
            throws IOException, InterruptedException {
        List<Round> done = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            // a seed per round: a later round must not find the earlier one's prompts in the caches
            LoadPlan plan = LoadPlan.burst(first.burst(), first.drainTimeout(), first.seed() + i);
            if (preconnect) {
                client.preconnect(plan.burst());
            }
            Map<Double, Long> before = metrics == null ? null : ServerRefusals.scrape(http, metrics);
            Measurements m = new LoadGenerator(client, workloads.apply(plan.seed()), plan).run(new Slo(null, null));
            LoadResult r = m.result(setups.apply(plan.seed()));
            ServerRefusals server = metrics == null ? null : ServerRefusals.between(before, ServerRefusals.scrape(http, metrics));
            Integer health = metrics == null ? null : health();
            out.printf("%nround %d of %d, %s%n", i + 1, rounds,
                    preconnect ? "pre-connected (connections opened and warmed before the round)" : "connections as the client opens them");
            ResultTable.print(out, r);
            if (server != null) {
                out.printf("server     %d refusals timed by the server (ferry_request_refusal_seconds): p50 <= %s ms, "
                        + "p99 <= %s ms%n", server.count(), bound(server.p50AtMostMs()), bound(server.p99AtMostMs()));
                out.printf("health     /health after the burst: %s%n", health == 0 ? "no answer" : health);
            }
            done.add(new Round(i + 1, preconnect, r, server, health));
        }
        return done;
    }

    private int health() throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(metrics.resolve("/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String bound(Double ms) {
        return ms == null ? "(beyond the last bucket)" : String.valueOf(ms);
    }
}
