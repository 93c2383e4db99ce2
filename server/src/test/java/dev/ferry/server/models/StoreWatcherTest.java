package dev.ferry.server.models;

import dev.ferry.server.routing.Routes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store watcher, scan by scan with a clock the test moves: folders load once complete and
 * settled, vanish after draining, fail without harming the rest, and routes reload.
 */
class StoreWatcherTest {
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final long S = 1_000_000_000L;

    @TempDir
    Path store;
    @TempDir
    Path outside;
    private ModelRegistry registry;
    private Inference inference;
    private StoreWatcher watcher;

    @BeforeEach
    void start() throws IOException {
        ServingFixture.createTinyModel(store.resolve("resident"), 1);
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS));
        registry.loadAll();
        inference = new Inference(registry, ServingLimits.DEFAULTS);
        watcher = new StoreWatcher(registry, Routes.FILE, inference.routing()::reload, SETTLE, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        watcher.close();
        registry.close();
    }

    @Test
    void aFolderCopiedInLoadsOnceCompleteAndSettled() throws Exception {
        ServingFixture.createTinyModel(outside.resolve("fresh"), 2);
        Path target = Files.createDirectories(store.resolve("fresh"));
        Files.copy(outside.resolve("fresh/config.json"), target.resolve("config.json"));
        watcher.scan(0);
        watcher.scan(5 * S);
        assertNull(registry.get("fresh"), "config.json alone is no model yet");

        copyFolder(outside.resolve("fresh"), target);
        watcher.scan(6 * S);
        watcher.scan(6 * S + SETTLE.toNanos() - 1);
        assertNull(registry.get("fresh"), "just written: the copy may still be going on");
        watcher.scan(6 * S + SETTLE.toNanos());
        assertEquals(ServedModel.State.READY, registry.get("fresh").state());
        assertEquals(ServedModel.State.READY, registry.get("resident").state());
    }

    @Test
    void aRemovedFolderDrainsItsRequestsAndIsForgotten() throws Exception {
        ModelPoolTest.Finished sink = new ModelPoolTest.Finished();
        inference.prepare(new InferenceRequest("resident", new Prompt.TokenIds(new int[] {1, 2, 3}), 200, null, null,
                null, true, null, null, null, 0)).start(sink);
        deleteFolder(store.resolve("resident"));
        watcher.scan(0);
        Finish f = sink.finish.get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.LENGTH, f.reason(), "the request in flight ran to its end");
        assertEquals(200, f.usage().completionTokens());
        waitFor(() -> registry.get("resident") == null);
    }

    @Test
    void aBrokenFolderIsReportedAndLoadsOnceFixed() throws Exception {
        ServingFixture.createTinyModel(outside.resolve("broken"), 3);
        Path config = outside.resolve("broken/config.json");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"hidden_size\": 64", "\"hidden_size\": 96"));
        copyFolder(outside.resolve("broken"), Files.createDirectories(store.resolve("broken")));
        watcher.scan(0);
        watcher.scan(2 * S);
        ServedModel broken = registry.get("broken");
        assertEquals(ServedModel.State.FAILED, broken.state());
        assertTrue(broken.error().contains("model.safetensors"), broken.error());
        assertEquals(ServedModel.State.READY, registry.get("resident").state());

        watcher.scan(4 * S);
        assertEquals(ServedModel.State.FAILED, registry.get("broken").state(), "an unchanged folder is not retried");
        Files.writeString(store.resolve("broken/config.json"), good);
        Files.setLastModifiedTime(store.resolve("broken/config.json"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        watcher.scan(5 * S);
        watcher.scan(7 * S);
        assertEquals(ServedModel.State.READY, registry.get("broken").state());
    }

    @Test
    void anIncompleteFolderThatFailedStaysReportedAsFailed() throws Exception {
        ServingFixture.createTinyModel(outside.resolve("partial"), 4);
        Files.copy(outside.resolve("partial/config.json"), Files.createDirectories(store.resolve("partial"))
                .resolve("config.json"));
        assertEquals(ServedModel.State.FAILED, registry.load("partial").state(), "as loadAll at start finds it");
        watcher.scan(0);
        watcher.scan(5 * S);
        ServedModel partial = registry.get("partial");
        assertEquals(ServedModel.State.FAILED, partial.state());
        assertTrue(partial.error().contains("tokenizer.json") || partial.error().contains("weights"), partial.error());
    }

    @Test
    void aModelUnloadedOnPurposeStaysUnloaded() throws Exception {
        registry.unload("resident", Duration.ZERO);
        watcher.scan(0);
        watcher.scan(5 * S);
        assertEquals(ServedModel.State.UNLOADED, registry.get("resident").state());
    }

    @Test
    void routesReloadWhenTheirFileSettles() throws Exception {
        assertNull(inference.routing().route("auto"));
        Files.writeString(store.resolve("routes.properties"), "route.auto.candidates = resident\n");
        watcher.scan(0);
        assertNull(inference.routing().route("auto"));
        watcher.scan(2 * S);
        assertNotNull(inference.routing().route("auto"));
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 30 * S;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(10);
        }
    }

    static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void deleteFolder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
