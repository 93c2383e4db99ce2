package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.Snapshots.counter;
import static dev.ferry.server.metrics.Snapshots.gauge;

import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.stream.StreamStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The engines' and the streams' figures for Prometheus, read at scrape time: every READY model's
 * {@link EngineMetrics#snapshot()} (labelled {@code model}) and the server-wide {@link StreamStats}.
 * Request latencies become classic histograms cut from the engines' HdrHistograms (see
 * {@link ClassicBuckets}); step time and batch sizes stay summaries with quantiles from them.
 */
public final class FerryMetrics implements MultiCollector {
    private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};

    /** A request latency exported as a histogram with {@code buckets} (upper bounds in seconds). */
    private record Latency(Dist dist, String name, double[] buckets, String help) {}

    private static final List<Latency> LATENCIES = List.of(
            new Latency(Dist.TTFT_US, "ferry_time_to_first_token_seconds", ClassicBuckets.REQUEST_SECONDS,
                    "Submit to first token sampled"),
            new Latency(Dist.INTER_TOKEN_US, "ferry_inter_token_latency_seconds", ClassicBuckets.TOKEN_SECONDS,
                    "Between consecutive tokens of one request"),
            new Latency(Dist.QUEUE_WAIT_US, "ferry_queue_wait_seconds", ClassicBuckets.REQUEST_SECONDS,
                    "Submit to first scheduled"),
            new Latency(Dist.E2E_US, "ferry_e2e_request_latency_seconds", ClassicBuckets.REQUEST_SECONDS,
                    "Submit to finish"));

    /** How one engine distribution is exported as a summary; {@code scale} turns recorded values into the unit. */
    private record Distribution(Dist dist, String name, Unit unit, double scale, String help) {}

    private static final List<Distribution> DISTRIBUTIONS = List.of(
            new Distribution(Dist.STEP_US, "ferry_step_duration_seconds", Unit.SECONDS, 1 / Snapshots.MICROS_PER_SECOND,
                    "One engine iteration that ran a step"),
            new Distribution(Dist.BATCH_TOKENS, "ferry_batch_tokens", null, 1, "Tokens in one step"),
            new Distribution(Dist.BATCH_SEQS, "ferry_batch_sequences", null, 1, "Sequences in one step"),
            new Distribution(Dist.FORMAT_US, "ferry_structured_output_step_seconds", Unit.SECONDS,
                    1 / Snapshots.MICROS_PER_SECOND,
                    "Structured-output work of one constrained sequence in one step (its token mask and its advance)"));

    private final ModelRegistry models;
    private final StreamStats streams;

    public FerryMetrics(ModelRegistry models, StreamStats streams) {
        this.models = models;
        this.streams = streams;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, EngineMetrics.Snapshot> engines = new LinkedHashMap<>();
        for (ServedModel m : models.list()) {
            if (m.servesGeneration()) {
                engines.put(m.name(), EngineMetrics.Snapshot.sum(m.replicas().stream()
                        .map(r -> r.engine().metrics().snapshot()).toList()));
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (Latency l : LATENCIES) {
            out.add(histogram(l, engines));
        }
        for (Distribution d : DISTRIBUTIONS) {
            out.add(summary(d, engines));
        }
        out.add(counter("ferry_requests_finished", "Requests ended, by reason", finished(engines)));
        out.add(counter("ferry_prompt_tokens", "Prompt tokens of finished requests",
                perModel(engines, s -> s.promptTokens())));
        out.add(counter("ferry_completion_tokens", "Generated tokens of finished requests",
                perModel(engines, s -> s.completionTokens())));
        out.add(counter("ferry_preemptions", "Sequences preempted to free KV blocks",
                perModel(engines, s -> s.preemptions())));
        out.add(counter("ferry_prefix_cache_queried_tokens", "Prompt tokens looked up in the prefix cache",
                perModel(engines, s -> s.prefixQueriedTokens())));
        out.add(counter("ferry_prefix_cache_hit_tokens", "Prompt tokens found in the prefix cache",
                perModel(engines, s -> s.prefixHitTokens())));
        out.add(gauge("ferry_running_sequences", "Sequences holding KV blocks", perModel(engines, s -> s.running())));
        out.add(gauge("ferry_waiting_sequences", "Sequences waiting to be scheduled",
                perModel(engines, s -> s.waiting())));
        out.add(gauge("ferry_kv_blocks_used", "KV blocks referenced by sequences",
                perModel(engines, s -> s.kvBlocksUsed())));
        out.add(gauge("ferry_kv_blocks_total", "KV blocks in the pool", perModel(engines, s -> s.kvBlocksTotal())));
        out.add(gauge("ferry_kv_blocks_usage_ratio", "Fraction of the KV pool referenced by sequences",
                perModel(engines, s -> s.kvBlocksTotal() == 0 ? 0 : (double) s.kvBlocksUsed() / s.kvBlocksTotal())));
        out.add(gauge("ferry_prefix_cache_hit_ratio", "Fraction of looked-up prompt tokens found in the prefix cache",
                perModel(engines, EngineMetrics.Snapshot::prefixHitRatio)));
        out.add(gauge("ferry_stream_buffered_tokens", "Tokens sampled and not yet handed to a transport",
                Map.of(Labels.EMPTY, (double) streams.bufferedTokens())));
        out.add(gauge("ferry_stream_max_buffered_tokens", "The most tokens one stream has held back at once",
                Map.of(Labels.EMPTY, (double) streams.maxBufferedPerStream())));
        out.add(counter("ferry_stream_messages_sent", "Stream messages handed to transports",
                Map.of(Labels.EMPTY, (double) streams.messagesSent())));
        out.add(counter("ferry_stream_tokens_sent", "Tokens handed to transports",
                Map.of(Labels.EMPTY, (double) streams.tokensSent())));
        return new MetricSnapshots(out);
    }

    private static MetricSnapshot histogram(Latency l, Map<String, EngineMetrics.Snapshot> engines) {
        Map<Labels, Histogram> points = new LinkedHashMap<>();
        engines.forEach((model, s) -> points.put(Labels.of("model", model), s.histogram(l.dist())));
        return Snapshots.latency(l.name(), l.help(), points, l.buckets());
    }

    private static MetricSnapshot summary(Distribution d, Map<String, EngineMetrics.Snapshot> engines) {
        SummarySnapshot.Builder b = SummarySnapshot.builder().name(d.name()).help(d.help());
        if (d.unit() != null) {
            b.unit(d.unit());
        }
        engines.forEach((model, s) -> {
            Histogram h = s.histogram(d.dist());
            long count = h.getTotalCount();
            Quantiles.Builder q = Quantiles.builder();
            for (double quantile : QUANTILES) {
                // An empty summary has no quantiles yet: NaN, as Prometheus' own clients report it.
                q.quantile(new Quantile(quantile, count == 0 ? Double.NaN
                        : h.getValueAtPercentile(quantile * 100) * d.scale()));
            }
            b.dataPoint(SummaryDataPointSnapshot.builder()
                    .labels(Labels.of("model", model))
                    .count(count)
                    .sum(h.getMean() * count * d.scale()) // HdrHistogram keeps no exact sum; its mean is within 0.1%
                    .quantiles(q.build())
                    .build());
        });
        return b.build();
    }

    private static Map<Labels, Double> finished(Map<String, EngineMetrics.Snapshot> engines) {
        Map<Labels, Double> points = new LinkedHashMap<>();
        engines.forEach((model, s) -> s.finished().forEach((reason, n) ->
                points.put(Labels.of("model", model, "reason", reason.wireName()), (double) n)));
        return points;
    }

    private static Map<Labels, Double> perModel(Map<String, EngineMetrics.Snapshot> engines,
                                                ToDoubleFunction<EngineMetrics.Snapshot> value) {
        Map<Labels, Double> points = new LinkedHashMap<>();
        engines.forEach((model, s) -> points.put(Labels.of("model", model), value.applyAsDouble(s)));
        return points;
    }
}
