package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.Snapshots.counter;
import static dev.ferry.server.metrics.Snapshots.gauge;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.models.ModelRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beside the fixed SLO thresholds, watches each serving model's TTFT, inter-token latency, queue
 * depth and error rate against a {@link RobustBaseline} learned from the model's own traffic, one
 * observation per {@link AnomalyConfig#interval()}: a sustained rise sets {@code ferry_anomaly_active}
 * and logs one WARN line, its end one INFO line. Latencies are each interval's median, so a few slow
 * requests do not make an anomaly but a shifted level does.
 */
public final class AnomalyMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyMonitor.class);

    /** What is watched per model, with the floors under its spread (in the unit it is observed in). */
    enum Signal {
        TTFT("ttft", 0.1, 1_000),
        ITL("itl", 0.1, 500),
        QUEUE_DEPTH("queue_depth", 0.1, 1),
        ERROR_RATE("error_rate", 0.1, 0.02);

        final String label;
        final double relativeFloor;
        final double absoluteFloor;

        Signal(String label, double relativeFloor, double absoluteFloor) {
            this.label = label;
            this.relativeFloor = relativeFloor;
            this.absoluteFloor = absoluteFloor;
        }

        boolean latency() {
            return this == TTFT || this == ITL;
        }

        /** The observed value in the unit Prometheus gets (seconds for latencies, microseconds observed). */
        double exported(double value) {
            return latency() ? value / 1e6 : value;
        }

        String format(double value) {
            if (latency()) {
                return value < 1e6 ? String.format(Locale.ROOT, "%.1f ms", value / 1e3)
                        : String.format(Locale.ROOT, "%.2f s", value / 1e6);
            }
            return this == ERROR_RATE ? String.format(Locale.ROOT, "%.1f%%", value * 100)
                    : String.format(Locale.ROOT, "%.1f", value);
        }
    }

    private final ModelRegistry registry;
    private final AnomalyConfig config;
    /** Replaced when the model reloads. */
    private final WatchedModels<AnomalyConfig, Watched> watched = new WatchedModels<>();
    private ScheduledExecutorService ticker;

    AnomalyMonitor(ModelRegistry registry, AnomalyConfig config) {
        this.registry = registry;
        this.config = config;
    }

    /** Watches {@code registry}'s models from now on, one observation per interval on a daemon thread. */
    static AnomalyMonitor start(ModelRegistry registry, AnomalyConfig config) {
        AnomalyMonitor m = new AnomalyMonitor(registry, config);
        long every = config.interval().toMillis();
        m.ticker = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("ferry-anomaly", true));
        m.ticker.scheduleAtFixedRate(m::safeTick, every, every, TimeUnit.MILLISECONDS);
        return m;
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) { // a thrown tick would cancel every later one
            LOG.error("anomaly check failed", e);
        }
    }

    /** One interval passed: observes every serving model's signals. */
    void tick() {
        watched.tick(registry, m -> config, (model, metrics, settings) -> new Watched(model, metrics));
    }

    List<MetricSnapshot> snapshots() {
        Map<Labels, Integer> active = new LinkedHashMap<>();
        Map<Labels, Long> raised = new LinkedHashMap<>();
        Map<Labels, Double> scores = new LinkedHashMap<>();
        Map<Labels, Double> values = new LinkedHashMap<>();
        Map<Labels, Double> baselines = new LinkedHashMap<>();
        for (Watched w : watched.all()) {
            w.signals.forEach((s, state) -> {
                Labels labels = Labels.of("model", w.model, "signal", s.label);
                active.put(labels, state.active ? 1 : 0);
                raised.put(labels, state.raised);
                scores.put(labels, state.score);
                values.put(labels, s.exported(state.value));
                baselines.put(labels, s.exported(state.baseline));
            });
        }
        return List.of(
                gauge("ferry_anomaly_active", "1 while the signal stays well above its learned baseline", active),
                counter("ferry_anomalies", "Times the signal's anomaly was raised", raised),
                gauge("ferry_anomaly_score", "The last observation's distance above the baseline, in robust "
                        + "standard deviations", scores),
                gauge("ferry_anomaly_value", "The last observation (seconds for latencies, the interval's median; "
                        + "NaN when nothing was measured)", values),
                gauge("ferry_anomaly_baseline", "The signal's learned normal level, in the value's unit", baselines));
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** One model's signals: their baselines, and what the last interval brought. */
    private final class Watched implements WatchedModels.Watcher {
        final String model;
        /** One per replica: the model's signals take what all of them recorded. */
        final List<EngineMetrics> metrics;
        final Map<Signal, SignalState> signals = new EnumMap<>(Signal.class);
        private final Histogram interval = new Histogram(2);
        private long errors;
        private long ended;

        Watched(String model, List<EngineMetrics> metrics) {
            this.model = model;
            this.metrics = metrics;
            for (Signal s : Signal.values()) {
                signals.put(s, new SignalState(new RobustBaseline(config, s.relativeFloor, s.absoluteFloor)));
            }
            errors = count(List.of(FinishReason.ERROR));
            ended = count(List.of(FinishReason.values()));
        }

        @Override
        public void tick() {
            observe(Signal.TTFT, median(Dist.TTFT_US));
            observe(Signal.ITL, median(Dist.INTER_TOKEN_US));
            observe(Signal.QUEUE_DEPTH, metrics.stream().mapToInt(EngineMetrics::waiting).sum());
            long nowErrors = count(List.of(FinishReason.ERROR));
            long nowEnded = count(List.of(FinishReason.values()));
            long newlyEnded = nowEnded - ended;
            observe(Signal.ERROR_RATE, newlyEnded == 0 ? Double.NaN : (double) (nowErrors - errors) / newlyEnded);
            errors = nowErrors;
            ended = nowEnded;
        }

        private double median(Dist d) {
            interval.reset();
            metrics.forEach(m -> m.moveInterval(AnomalyMonitor.this, d, interval));
            return interval.getTotalCount() == 0 ? Double.NaN : interval.getValueAtPercentile(50);
        }

        private long count(List<FinishReason> reasons) {
            return metrics.stream().mapToLong(m -> reasons.stream().mapToLong(m::finishedCount).sum()).sum();
        }

        private void observe(Signal s, double value) {
            SignalState state = signals.get(s);
            double before = state.detector().baseline();
            RobustBaseline.Change change = state.detector().observe(value);
            state.update(value);
            if (change == RobustBaseline.Change.RAISED) {
                LOG.warn("Anomaly: model {} {} is {} against a baseline of {} (score {}, {} intervals of {} ms in a row)",
                        model, s.label, s.format(value), s.format(before),
                        String.format(Locale.ROOT, "%.1f", state.score), config.sustain(), config.interval().toMillis());
            } else if (change == RobustBaseline.Change.CLEARED) {
                LOG.info("Anomaly over: model {} {} is {}, baseline {}", model, s.label, s.format(value),
                        s.format(before));
            }
        }

        @Override
        public void abandon(String why) {
            signals.forEach((s, state) -> {
                if (state.active) {
                    LOG.info("Anomaly no longer watched: model {} {}: {}", model, s.label, why);
                }
            });
        }
    }

    /** One signal's baseline (ticker only) and the figures scrapes read. */
    private static final class SignalState {
        private final RobustBaseline detector;
        volatile double value = Double.NaN;
        volatile double baseline = Double.NaN;
        volatile double score;
        volatile boolean active;
        volatile long raised;

        SignalState(RobustBaseline detector) {
            this.detector = detector;
        }

        RobustBaseline detector() {
            return detector;
        }

        void update(double observed) {
            value = observed;
            baseline = detector.baseline();
            score = detector.score();
            active = detector.active();
            raised = detector.raised();
        }
    }
}
