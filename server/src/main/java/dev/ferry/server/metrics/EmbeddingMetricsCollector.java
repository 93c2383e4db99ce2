package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.Snapshots.counter;
import static dev.ferry.server.metrics.Snapshots.gauge;

import dev.ferry.engine.metrics.EmbeddingMetrics;
import dev.ferry.engine.metrics.EmbeddingMetrics.Dist;
import dev.ferry.server.cache.EmbeddingCache;
import dev.ferry.server.embed.Embeddings;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The embedding models' figures for Prometheus, read at scrape time: each ready embedding model's
 * batcher ({@link EmbeddingMetrics}, labelled {@code model}) and the embedding cache's lookups.
 * Queue waits are a classic histogram like the engines' latencies; batch sizes and batch times are
 * summaries with quantiles from their HdrHistograms.
 */
public final class EmbeddingMetricsCollector implements MultiCollector {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99};

    private final ModelRegistry models;
    private final Embeddings embeddings;

    public EmbeddingMetricsCollector(ModelRegistry models, Embeddings embeddings) {
        this.models = models;
        this.embeddings = embeddings;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, EmbeddingMetrics.Snapshot> batchers = new LinkedHashMap<>();
        for (ServedModel m : models.list()) {
            if (m.servesEmbeddings()) {
                batchers.put(m.name(), m.embedder().batcher().metrics().snapshot());
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        Map<Labels, Histogram> waits = new LinkedHashMap<>();
        batchers.forEach((model, s) -> waits.put(Labels.of("model", model), s.histogram(Dist.QUEUE_WAIT_US)));
        out.add(Snapshots.latency("ferry_embedding_queue_wait_seconds",
                "Input queued to the start of the batch that embeds it", waits, ClassicBuckets.TOKEN_SECONDS));
        out.add(summary("ferry_embedding_batch_size", "Inputs in one encoder batch", batchers, Dist.BATCH_SIZE, 1));
        out.add(summary("ferry_embedding_batch_duration_seconds", "One encoder batch's forward and pooling", batchers,
                Dist.BATCH_US, 1 / Snapshots.MICROS_PER_SECOND));
        out.add(counter("ferry_embeddings", "Inputs embedded by the encoders (cache hits not included)",
                perModel(batchers, EmbeddingMetrics.Snapshot::embeddings)));
        out.add(counter("ferry_embedding_batches", "Encoder batches run", perModel(batchers, s -> s.batches())));
        out.add(counter("ferry_embedding_refusals", "Embedding requests refused because the encoder queue was full",
                perModel(batchers, s -> s.refused())));
        out.add(gauge("ferry_embedding_queued_inputs", "Inputs waiting in the encoder queue",
                perModel(batchers, s -> s.queued())));
        out.add(gauge("ferry_embeddings_per_second", "Inputs embedded per second over the last "
                + EmbeddingMetrics.RATE_WINDOW_S + " s", perModel(batchers, s -> s.embeddingsPerSecond())));
        EmbeddingCache.Stats cache = embeddings.cacheStats();
        if (cache != null) {
            out.addAll(cache(cache));
        }
        return new MetricSnapshots(out);
    }

    private static List<MetricSnapshot> cache(EmbeddingCache.Stats s) {
        return List.of(
                counter("ferry_embedding_cache_hits", "Inputs answered from the embedding cache, by level "
                        + "(l1 in-process, l2 Redis, l3 results database)", CacheLevels.perLevel(s.levels().hits())),
                counter("ferry_embedding_cache_level_misses", "Inputs looked up at a level that did not hold them",
                        CacheLevels.perLevel(s.levels().misses())),
                Snapshots.latency("ferry_embedding_cache_hit_seconds", "Start of a request's lookup at a level to the "
                        + "vectors found there", CacheLevels.perLevel(s.levels().hitMicros()),
                        ClassicBuckets.LOOKUP_SECONDS),
                counter("ferry_embedding_cache_misses", "Inputs the embedding cache did not hold",
                        Map.of(Labels.EMPTY, s.misses())),
                gauge("ferry_embedding_cache_hit_ratio", "Fraction of inputs answered from the embedding cache",
                        Map.of(Labels.EMPTY, s.hitRatio())),
                gauge("ferry_embedding_cache_bytes", "Heap the in-process embedding cache holds (estimated)",
                        Map.of(Labels.EMPTY, s.l1Bytes())),
                gauge("ferry_embedding_cache_redis_up", "1 while the embedding cache's Redis answers",
                        Map.of(Labels.EMPTY, s.redisUp() ? 1 : 0)),
                counter("ferry_embedding_cache_redis_errors", "Embedding-cache Redis calls that failed or timed out",
                        Map.of(Labels.EMPTY, s.redisErrors())));
    }

    private static MetricSnapshot summary(String name, String help, Map<String, EmbeddingMetrics.Snapshot> batchers,
                                          Dist dist, double scale) {
        Map<Labels, Histogram> values = new LinkedHashMap<>();
        batchers.forEach((model, s) -> values.put(Labels.of("model", model), s.histogram(dist)));
        return Snapshots.summary(name, help, values, scale, QUANTILES);
    }

    private static Map<Labels, Double> perModel(Map<String, EmbeddingMetrics.Snapshot> batchers,
                                                ToDoubleFunction<EmbeddingMetrics.Snapshot> value) {
        Map<Labels, Double> points = new LinkedHashMap<>();
        batchers.forEach((model, s) -> points.put(Labels.of("model", model), value.applyAsDouble(s)));
        return points;
    }
}
