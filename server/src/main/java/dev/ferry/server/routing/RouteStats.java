package dev.ferry.server.routing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How the routes' decisions turned out, counted per route, model and outcome: what an operator
 * reads to tune thresholds and bias, or to see a large model shedding load onto the small one.
 * Recording is a map lookup and an add; {@link #snapshot()} copies.
 */
public final class RouteStats {
    public enum Outcome {
        /** The chosen model served the request. */
        CHOSEN,
        /** A fallback served it after the models before it could not. */
        FALLBACK,
        /** No candidate could; counted against the chosen model. */
        REJECTED
    }

    /** One counter's labels. */
    public record Key(String route, String model, Outcome outcome) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = route.compareTo(o.route);
            c = c != 0 ? c : model.compareTo(o.model);
            return c != 0 ? c : outcome.compareTo(o.outcome);
        }
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    public void record(String route, String model, Outcome outcome) {
        counts.computeIfAbsent(new Key(route, model, outcome), k -> new LongAdder()).increment();
    }

    /** Every counter so far, sorted by route, model, outcome. */
    public Map<Key, Long> snapshot() {
        Map<Key, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
