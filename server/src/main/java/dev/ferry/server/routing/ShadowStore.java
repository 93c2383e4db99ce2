package dev.ferry.server.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest shadow results of each route, per complexity bucket, in bounded rings: what the
 * metrics' agreement is computed from, and what a router can read back. The bucket is the
 * transparent length score ({@link LengthHeuristic}) in steps of {@value #BUCKET_WIDTH}, which stays
 * put while a learned scorer changes; the last bucket takes every score from {@value #LAST_BUCKET} up.
 */
public final class ShadowStore {
    static final double BUCKET_WIDTH = 0.25;
    static final double LAST_BUCKET = 2.0;
    private static final LengthHeuristic LENGTH = new LengthHeuristic();

    /** Means over the results a store keeps. */
    public record Summary(int count, double agreement, double meanLogprob) {}

    private record Key(String route, String bucket) {}

    private final int perBucket;
    private final Map<Key, Ring> rings = new ConcurrentHashMap<>();

    /** @param perBucket results kept per route and bucket; older ones are dropped */
    public ShadowStore(int perBucket) {
        if (perBucket < 1) {
            throw new IllegalArgumentException("a shadow store keeps at least one result per bucket");
        }
        this.perBucket = perBucket;
    }

    /** The bucket of a request: the lower end of its length score's step, as "0.25". */
    public static String bucket(RouteInput input, RouteConfig route) {
        double score = Math.min(LENGTH.score(input, route).value(), LAST_BUCKET);
        return String.format(Locale.ROOT, "%.2f", Math.floor(score / BUCKET_WIDTH) * BUCKET_WIDTH);
    }

    void add(ShadowResult result, String bucket) {
        rings.computeIfAbsent(new Key(result.route(), bucket), k -> new Ring(perBucket)).add(result);
    }

    /** The kept results of {@code route}, every bucket, oldest first within each bucket. */
    public List<ShadowResult> results(String route) {
        List<ShadowResult> out = new ArrayList<>();
        rings.forEach((k, ring) -> {
            if (k.route().equals(route)) {
                out.addAll(ring.snapshot());
            }
        });
        return out;
    }

    /** Means per route over every bucket, by route name. */
    public Map<String, Summary> byRoute() {
        Map<String, List<ShadowResult>> kept = new TreeMap<>();
        rings.forEach((k, ring) -> kept.computeIfAbsent(k.route(), r -> new ArrayList<>()).addAll(ring.snapshot()));
        Map<String, Summary> out = new TreeMap<>();
        kept.forEach((route, results) -> out.put(route, summary(results)));
        return out;
    }

    /** Means per bucket of {@code route}, by bucket. */
    public Map<String, Summary> byBucket(String route) {
        Map<String, Summary> out = new TreeMap<>();
        rings.forEach((k, ring) -> {
            if (k.route().equals(route)) {
                out.put(k.bucket(), summary(ring.snapshot()));
            }
        });
        return out;
    }

    private static Summary summary(List<ShadowResult> results) {
        double agreement = 0;
        double logprob = 0;
        for (ShadowResult r : results) {
            agreement += r.agreement();
            logprob += r.meanLogprob();
        }
        int n = results.size();
        return new Summary(n, n == 0 ? 0 : agreement / n, n == 0 ? 0 : logprob / n);
    }

    /** The newest {@code capacity} results of one route and bucket. */
    private static final class Ring {
        private final ShadowResult[] slots;
        private long added;

        Ring(int capacity) {
            slots = new ShadowResult[capacity];
        }

        synchronized void add(ShadowResult r) {
            slots[(int) (added++ % slots.length)] = r;
        }

        synchronized List<ShadowResult> snapshot() {
            int n = (int) Math.min(added, slots.length);
            List<ShadowResult> out = new ArrayList<>(n);
            for (long i = added - n; i < added; i++) {
                out.add(slots[(int) (i % slots.length)]);
            }
            return out;
        }
    }
}
