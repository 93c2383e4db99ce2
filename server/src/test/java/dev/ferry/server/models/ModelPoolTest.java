package dev.ferry.server.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.stream.StreamStats;
import dev.ferry.store.config.MemoryBudget;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several models and replicas loaded side by side on the CPU, each device's KV budget split among them. */
class ModelPoolTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path store;

    private ModelRegistry registry(DevicePool devices) {
        return new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS,
                AdmissionLimits.DEFAULTS, devices));
    }

    @Test
    void kvSharesSplitTheDeviceBudgetAsConfigured() throws Exception {
        ServingFixture.createTinyModel(store.resolve("big-share"), 1);
        Files.writeString(store.resolve("big-share/ferry.properties"), "kv-cache-share = 0.75\n");
        ServingFixture.createTinyModel(store.resolve("small-share"), 2);
        Files.writeString(store.resolve("small-share/ferry.properties"), "kv-cache-share = 0.25\n");
        try (ModelRegistry registry = registry(new DevicePool(List.of("cpu"), MemoryBudget.ofBytes(4 * MIB)))) {
            registry.loadAll();
            var big = registry.get("big-share").instance().loaded().kvPool();
            var small = registry.get("small-share").instance().loaded().kvPool();
            assertEquals(3 * MIB, big.totalBytes(), "0.75 of the 4 MiB budget");
            assertEquals(MIB, small.totalBytes(), "0.25 of it");
            assertEquals(3 * small.numBlocks(), big.numBlocks());
        }
    }

    @Test
    void modelsWithoutSharesSplitTheBudgetEvenly() throws Exception {
        for (String name : List.of("a", "b")) {
            ServingFixture.createTinyModel(store.resolve(name), name.hashCode());
        }
        try (ModelRegistry registry = registry(new DevicePool(List.of("cpu"), MemoryBudget.ofBytes(4 * MIB)))) {
            registry.loadAll();
            assertEquals(2 * MIB, registry.get("a").instance().loaded().kvPool().totalBytes());
            assertEquals(2 * MIB, registry.get("b").instance().loaded().kvPool().totalBytes());
        }
    }

    @Test
    void requestsGoToTheLeastLoadedReplica() throws Exception {
        ServingFixture.createTinyModel(store.resolve("twin"), 3);
        Files.writeString(store.resolve("twin/ferry.properties"), "replicas = 2\n");
        try (ModelRegistry registry = registry(new DevicePool(List.of(), (MemoryBudget) null))) {
            registry.loadAll();
            ServedModel twin = registry.get("twin");
            assertEquals(2, twin.replicas().size());
            Inference inference = new Inference(registry, ServingLimits.DEFAULTS);
            List<CompletableFuture<Finish>> done = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Finished sink = new Finished();
                inference.prepare(new InferenceRequest("twin", new Prompt.TokenIds(new int[] {1, 2, 3 + i}), 128,
                        null, null, null, true, null, null, null, 0)).start(sink);
                done.add(sink.finish);
            }
            for (CompletableFuture<Finish> f : done) {
                assertEquals(FinishReason.LENGTH, f.get(30, TimeUnit.SECONDS).reason());
            }
            for (ServedModel.Instance replica : twin.replicas()) {
                long finished = replica.engine().metrics().snapshot().finished().values().stream()
                        .mapToLong(Long::longValue).sum();
                assertEquals(3, finished, "six long requests alternate between two replicas");
                assertEquals(0, replica.inFlight());
            }
            // /metrics speaks of the model: both replicas' requests
            MetricSnapshots metrics = new FerryMetrics(registry, new StreamStats()).collect();
            assertEquals(6, value(metrics, "ferry_requests_finished", "twin"));
            HistogramSnapshot e2e = (HistogramSnapshot) metrics.stream()
                    .filter(m -> m.getMetadata().getName().equals("ferry_e2e_request_latency_seconds")).findFirst()
                    .orElseThrow();
            assertEquals(6, e2e.getDataPoints().stream().filter(d -> d.getLabels().get("model").equals("twin"))
                    .findFirst().orElseThrow().getCount());
        }
    }

    /** The sum of a counter's points for {@code model}. */
    private static double value(MetricSnapshots metrics, String name, String model) {
        CounterSnapshot c = (CounterSnapshot) metrics.stream().filter(m -> m.getMetadata().getName().equals(name))
                .findFirst().orElseThrow();
        return c.getDataPoints().stream().filter(d -> model.equals(d.getLabels().get("model")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    /** Completes with the request's finish. */
    static final class Finished implements TokenSink {
        final CompletableFuture<Finish> finish = new CompletableFuture<>();
        volatile int tokens;

        @Override
        public void onToken(TokenEvent token) {
            tokens++;
        }

        @Override
        public void onFinish(Finish f) {
            assertTrue(finish.complete(f), "exactly one finish");
        }
    }
}
