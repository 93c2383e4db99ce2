package dev.ferry.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's own account of its refusals over a run: {@code ferry_request_refusal_seconds} (start
 * of validation to the refusal, every model) scraped from its /metrics before and after, so the
 * client's refusal latency can be read beside the server's share of it. Prometheus buckets give
 * bounds, not values: a percentile is reported as the bucket bound it lies under.
 *
 * @param count refusals the server timed during the run
 * @param p50AtMostMs the bound the server's median refusal time lies under, in ms; null beyond the last bucket
 * @param p99AtMostMs the same for the 99th percentile
 */
record ServerRefusals(long count, Double p50AtMostMs, Double p99AtMostMs) {
    private static final String BUCKET = "ferry_request_refusal_seconds_bucket{";

    /** Cumulative counts per upper bound in seconds, summed over the histogram's label sets. */
    static Map<Double, Long> scrape(HttpClient http, URI metrics) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(metrics + " answered " + r.statusCode());
        }
        Map<Double, Long> cumulative = new TreeMap<>();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith(BUCKET)) {
                continue;
            }
            int le = line.indexOf("le=\"");
            String bound = line.substring(le + 4, line.indexOf('"', le + 4));
            double seconds = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
            long n = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
            cumulative.merge(seconds, n, Long::sum);
        }
        return cumulative;
    }

    /** What was refused between two scrapes. */
    static ServerRefusals between(Map<Double, Long> before, Map<Double, Long> after) {
        TreeMap<Double, Long> run = new TreeMap<>();
        after.forEach((bound, n) -> run.put(bound, n - before.getOrDefault(bound, 0L)));
        long total = run.isEmpty() ? 0 : run.lastEntry().getValue();
        return new ServerRefusals(total, bound(run, total, 0.50), bound(run, total, 0.99));
    }

    private static Double bound(TreeMap<Double, Long> cumulative, long total, double quantile) {
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(quantile * total);
        for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                return Double.isInfinite(e.getKey()) ? null : e.getKey() * 1000;
            }
        }
        return null;
    }
}
