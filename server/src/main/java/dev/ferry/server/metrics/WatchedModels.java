package dev.ferry.server.metrics;

import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a monitor keeps per serving generation model (the SLO and anomaly monitors): made when the
 * model appears, made again when it reloads (its engines' metrics are other objects then) or its
 * settings change, dropped when it goes; each change gives the old one its closing word. Ticked by
 * one thread; read by scrapes from any.
 *
 * @param <S> what a model is watched with (a model's objectives, the monitor's thresholds)
 * @param <W> the monitor's state for one model
 */
final class WatchedModels<S, W extends WatchedModels.Watcher> {
    /** A monitor's state for one model. */
    interface Watcher {
        /** One interval passed: take what the engines recorded since the last. */
        void tick();

        /** No longer watched, for {@code why}: an open alert gets its closing line. */
        void abandon(String why);
    }

    /** Makes the state of a model from its name, its replicas' metrics and its settings. */
    interface Factory<S, W> {
        W create(String model, List<EngineMetrics> metrics, S settings);
    }

    private record Entry<S, W>(List<EngineMetrics> metrics, S settings, W watcher) {}

    /** By model name. */
    private final Map<String, Entry<S, W>> byModel = new ConcurrentHashMap<>();

    /**
     * Ticks every watched model, first making or remaking what changed.
     *
     * @param settings what the monitor watches a model with (compared by equals), or null to leave it unwatched
     */
    void tick(ModelRegistry registry, Function<ServedModel, S> settings, Factory<S, W> create) {
        Set<String> seen = new HashSet<>();
        for (ServedModel m : registry.list()) {
            S s = m.servesGeneration() && !m.replicas().isEmpty() ? settings.apply(m) : null;
            if (s == null) {
                continue;
            }
            List<EngineMetrics> metrics = m.replicas().stream().map(r -> r.engine().metrics()).toList();
            Entry<S, W> e = byModel.get(m.name());
            if (e == null || !e.metrics.equals(metrics) || !e.settings.equals(s)) { // EngineMetrics: by identity
                if (e != null) {
                    e.watcher.abandon("its model reloaded or its settings changed");
                }
                e = new Entry<>(metrics, s, create.create(m.name(), metrics, s));
                byModel.put(m.name(), e);
            }
            seen.add(m.name());
            e.watcher.tick();
        }
        byModel.entrySet().removeIf(e -> {
            if (seen.contains(e.getKey())) {
                return false;
            }
            e.getValue().watcher.abandon("its model is no longer served");
            return true;
        });
    }

    Collection<W> all() {
        return byModel.values().stream().map(Entry::watcher).toList();
    }
}
