package dev.ferry.server.routing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where shadow evaluation meets the rest of the server: which small-tier requests are shadowed
 * ({@link #pick}), and what became of them: each scored pair is kept in the {@link ShadowStore},
 * written to the request log and handed to every registered {@link ShadowListener} (the learned
 * router registers one with {@link #addListener}); each shed shadow is counted by reason.
 */
public final class Shadows {
    private static final Logger LOG = LoggerFactory.getLogger(Shadows.class);
    public static final int KEPT_PER_BUCKET = 512;

    /** Why a picked shadow did not run. Shadows are the first work shed. */
    public enum Shed {
        /** The route's shadows waiting or running reached its shadow-queue. */
        QUEUE_FULL,
        /** The large tier's admission control refused it as batch work (its queue is near its bound). */
        ADMISSION,
        /** The large tier was not ready, or its engine's queue was full or it shut down meanwhile. */
        UNAVAILABLE,
        /** The small answer cannot be scored there (no token to compare, a prompt too long, another vocabulary). */
        UNSCORABLE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Receives each scored pair with the id of the request it shadowed, for the request log. */
    public interface Log {
        void shadowed(String requestId, String bucket, ShadowResult result);
    }

    /** Counter labels. */
    public record ShedKey(String route, Shed reason) {}

    private final ShadowSampler sampler = new ShadowSampler();
    private final ShadowStore store = new ShadowStore(KEPT_PER_BUCKET);
    private final List<ShadowListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> scored = new ConcurrentHashMap<>();
    private final Map<ShedKey, LongAdder> shed = new ConcurrentHashMap<>();
    private volatile Log log = (id, bucket, result) -> { };

    /** From now on {@code listener} receives every scored pair, off the request path. */
    public void addListener(ShadowListener listener) {
        listeners.add(listener);
    }

    /** Where scored pairs are logged (the request log); nowhere until set. */
    public void logTo(Log log) {
        this.log = log;
    }

    public ShadowStore store() {
        return store;
    }

    /** Counts one request of {@code route} served by its small tier; true when the large tier is to score it. */
    public boolean pick(RouteConfig route) {
        return sampler.pick(route.name(), route.shadow().rate());
    }

    /** A scored pair: kept, logged, and handed to the listeners (one failing does not stop the others). */
    public void scored(String requestId, String bucket, ShadowResult result) {
        scored.computeIfAbsent(result.route(), r -> new LongAdder()).increment();
        store.add(result, bucket);
        log.shadowed(requestId, bucket, result);
        for (ShadowListener l : listeners) {
            try {
                l.accept(result);
            } catch (RuntimeException e) {
                LOG.warn("shadow listener {} failed on a result of route {}", l, result.route(), e);
            }
        }
    }

    public void shed(String route, Shed reason) {
        shed.computeIfAbsent(new ShedKey(route, reason), k -> new LongAdder()).increment();
    }

    /** Scored pairs so far, by route. */
    public Map<String, Long> scoredCounts() {
        Map<String, Long> out = new TreeMap<>();
        scored.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Shed shadows so far, by route and reason. */
    public Map<ShedKey, Long> shedCounts() {
        Map<ShedKey, Long> out = new TreeMap<>((a, b) -> a.route().equals(b.route())
                ? a.reason().compareTo(b.reason()) : a.route().compareTo(b.route()));
        shed.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
