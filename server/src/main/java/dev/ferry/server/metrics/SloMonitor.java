package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.Snapshots.counter;
import static dev.ferry.server.metrics.Snapshots.gauge;

import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.store.config.SloConfig;
import dev.ferry.store.config.SloConfig.Slo;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every READY model's latency objectives once a second, each over a {@link SlidingWindow}
 * fed from the latencies its engine recorded ({@link EngineMetrics#moveInterval}). A breach sets
 * {@code ferry_slo_breached}, counts in {@code ferry_slo_breaches_total} and logs one WARN line when
 * it begins and one INFO line when it ends, not one per request. A model's ferry.properties
 * objectives win over the server-wide defaults of the same name.
 */
public final class SloMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SloMonitor.class);
    private static final Map<SloConfig.Latency, Dist> RECORDED = Map.of(SloConfig.Latency.TTFT, Dist.TTFT_US,
            SloConfig.Latency.ITL, Dist.INTER_TOKEN_US, SloConfig.Latency.E2E, Dist.E2E_US,
            SloConfig.Latency.QUEUE, Dist.QUEUE_WAIT_US);

    private final ModelRegistry registry;
    private final SloConfig defaults;
    /** Replaced when the model reloads or its objectives change. */
    private final WatchedModels<SloConfig, Watched> watched = new WatchedModels<>();
    private ScheduledExecutorService ticker;

    SloMonitor(ModelRegistry registry, SloConfig defaults) {
        this.registry = registry;
        this.defaults = defaults;
    }

    /** Watches {@code registry}'s models from now on, ticking every second on a daemon thread. */
    static SloMonitor start(ModelRegistry registry, SloConfig defaults) {
        SloMonitor m = new SloMonitor(registry, defaults);
        m.ticker = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("ferry-slo", true));
        m.ticker.scheduleAtFixedRate(m::safeTick, 1, 1, TimeUnit.SECONDS);
        return m;
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) { // a thrown tick would cancel every later one
            LOG.error("SLO check failed", e);
        }
    }

    /** One second passed: feeds each window what its engine recorded since, and checks the objectives. */
    void tick() {
        watched.tick(registry, m -> {
            SloConfig config = m.instance().folder().serving().slo().over(defaults);
            return config.isEmpty() ? null : config;
        }, (model, metrics, config) -> new Watched(this, model, metrics, config));
    }

    List<MetricSnapshot> snapshots() {
        Map<Labels, Integer> breached = new LinkedHashMap<>();
        Map<Labels, Long> breaches = new LinkedHashMap<>();
        Map<Labels, Double> values = new LinkedHashMap<>();
        Map<Labels, Double> thresholds = new LinkedHashMap<>();
        for (Watched w : watched.all()) {
            for (Objective o : w.objectives) {
                Labels labels = Labels.of("model", w.model, "slo", o.slo.name());
                breached.put(labels, o.breached ? 1 : 0);
                breaches.put(labels, o.breaches);
                values.put(labels, o.valueMicros / 1e6);
                thresholds.put(labels, o.thresholdMicros / 1e6);
            }
        }
        return List.of(
                gauge("ferry_slo_breached", "1 while the objective's windowed percentile is over its threshold", breached),
                counter("ferry_slo_breaches", "Times the objective went into breach", breaches),
                gauge("ferry_slo_value_seconds", "The objective's percentile over its window; NaN with no samples",
                        values),
                gauge("ferry_slo_threshold_seconds", "The objective's threshold", thresholds));
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** One model's objectives and a window per latency they bound. */
    private static final class Watched implements WatchedModels.Watcher {
        /** Whose intervals these are in the engines' metrics: the monitor's, kept across reloads of the objectives. */
        final Object reader;
        final String model;
        /** One per replica: the model's windows take what all of them recorded. */
        final List<EngineMetrics> metrics;
        final SloConfig config;
        final Map<Dist, SlidingWindow> windows = new EnumMap<>(Dist.class);
        final List<Objective> objectives = new ArrayList<>();

        Watched(Object reader, String model, List<EngineMetrics> metrics, SloConfig config) {
            this.reader = reader;
            this.model = model;
            this.metrics = metrics;
            this.config = config;
            for (Slo slo : config.objectives()) {
                Dist d = RECORDED.get(slo.latency());
                windows.computeIfAbsent(d, k -> new SlidingWindow(config.effectiveWindow()));
                objectives.add(new Objective(slo, d));
            }
        }

        @Override
        public void tick() {
            windows.forEach((d, w) -> w.tick(h -> metrics.forEach(m -> m.moveInterval(reader, d, h))));
            for (Objective o : objectives) {
                SlidingWindow w = windows.get(o.dist);
                o.valueMicros = w.valueAtPercentile(o.slo.percentile());
                boolean over = o.valueMicros > o.thresholdMicros; // false for NaN: no traffic breaches nothing
                if (over && !o.breached) {
                    o.breaches++;
                    LOG.warn("SLO breached: model {} {} is {} over the last {} s ({} samples), threshold {}", model,
                            o.slo.name(), micros(o.valueMicros), w.span().toSeconds(), w.count(),
                            micros(o.thresholdMicros));
                } else if (!over && o.breached) {
                    LOG.info("SLO met again: model {} {} is {} over the last {} s, threshold {}", model, o.slo.name(),
                            w.count() == 0 ? "unmeasured (no samples)" : micros(o.valueMicros), w.span().toSeconds(),
                            micros(o.thresholdMicros));
                }
                o.breached = over;
            }
        }

        @Override
        public void abandon(String why) {
            for (Objective o : objectives) {
                if (o.breached) {
                    LOG.info("SLO no longer checked: model {} {}: {}", model, o.slo.name(), why);
                }
            }
        }
    }

    /** One objective's state, written by the ticker and read by scrapes. */
    private static final class Objective {
        final Slo slo;
        final Dist dist;
        final double thresholdMicros;
        volatile double valueMicros = Double.NaN;
        volatile boolean breached;
        volatile long breaches;

        Objective(Slo slo, Dist dist) {
            this.slo = slo;
            this.dist = dist;
            this.thresholdMicros = slo.threshold().toNanos() / 1e3;
        }
    }

    private static String micros(double us) {
        if (us < 1e3) {
            return String.format(Locale.ROOT, "%.0f us", us);
        }
        return us < 1e6 ? String.format(Locale.ROOT, "%.1f ms", us / 1e3) : String.format(Locale.ROOT, "%.2f s", us / 1e6);
    }
}
