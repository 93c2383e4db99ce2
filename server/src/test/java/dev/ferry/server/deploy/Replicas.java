package dev.ferry.server.deploy;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Ferry replicas behind the balancer, and what their own /metrics say about who ran what. */
final class Replicas {
    static final String PROMPT_TOKENS = "ferry_prompt_tokens_total{model=\"tiny\"}";
    static final String PREFIX_HITS = "ferry_prefix_cache_hit_tokens_total{model=\"tiny\"}";

    private final List<FerryProcess> all;

    Replicas(List<FerryProcess> all) {
        this.all = all;
    }

    /** The replica listening at {@code address} (either protocol), as nginx's log names it. */
    FerryProcess at(String address) {
        return all.stream().filter(r -> address.equals(r.httpAddress()) || address.equals(r.grpcAddress()))
                .findFirst().orElseThrow(() -> new AssertionError("no replica at " + address));
    }

    FerryProcess other(FerryProcess than) {
        return all.stream().filter(r -> r != than).findFirst().orElseThrow();
    }

    /** Every replica's metrics now. */
    Map<FerryProcess, Map<String, Double>> metrics() throws IOException, InterruptedException {
        Map<FerryProcess, Map<String, Double>> m = new HashMap<>();
        for (FerryProcess r : all) {
            m.put(r, r.metrics());
        }
        return m;
    }

    /**
     * Since {@code before}: {@code served} ran exactly {@code promptTokens} prompt tokens and found
     * at least {@code minHits} of them in its prefix cache; every other replica ran nothing.
     */
    void assertWarmedOnlyOne(FerryProcess served, Map<FerryProcess, Map<String, Double>> before, int promptTokens,
                             int minHits) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        // the engine counts a request when it finishes, just after its last token went out: poll briefly
        for (String problem; (problem = warmingProblem(served, before, promptTokens, minHits)) != null; ) {
            if (System.nanoTime() > end) {
                throw new AssertionError(problem);
            }
            Thread.sleep(50);
        }
    }

    private String warmingProblem(FerryProcess served, Map<FerryProcess, Map<String, Double>> before, int promptTokens,
                                  int minHits) throws IOException, InterruptedException {
        Map<FerryProcess, Map<String, Double>> now = metrics();
        for (FerryProcess r : all) {
            double ran = delta(now, before, r, PROMPT_TOKENS);
            double hits = delta(now, before, r, PREFIX_HITS);
            boolean ok = r == served ? ran == promptTokens && hits >= minHits : ran == 0 && hits == 0;
            if (!ok) {
                return r + ": prompt tokens +" + ran + ", prefix-cache hit tokens +" + hits
                        + (r == served ? "; expected +" + promptTokens + " and at least " + minHits : "; expected none");
            }
        }
        return null;
    }

    private static double delta(Map<FerryProcess, Map<String, Double>> now, Map<FerryProcess, Map<String, Double>> before,
                                FerryProcess r, String sample) {
        return now.get(r).getOrDefault(sample, 0.0) - before.get(r).getOrDefault(sample, 0.0);
    }
}
