package dev.ferry.server.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.EmbeddingInput;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.embed.Embeddings;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One store with both kinds of model: each loads as what it is, shares the registry's lifecycle
 * (ready, unload, reload, failure of one leaving the others serving), and an embedding model takes
 * no share of the devices' KV budget.
 */
class MixedStoreTest {

    @Test
    void generatorsAndEmbeddersShareTheLifecycle(@TempDir Path store) throws Exception {
        ServingFixture.createTinyModel(store.resolve("tiny"));
        create(store.resolve("bert"));
        create(store.resolve("broken"));
        Files.writeString(store.resolve("broken").resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]""");
        try (ModelRegistry registry = new ModelRegistry(store,
                new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS), Duration.ofSeconds(5))) {
            registry.loadAll();
            ServedModel tiny = registry.get("tiny");
            ServedModel bert = registry.get("bert");
            assertTrue(tiny.servesGeneration());
            assertNull(tiny.embedder());
            assertTrue(bert.servesEmbeddings());
            assertTrue(bert.replicas().isEmpty());
            assertEquals(ServedModel.State.FAILED, registry.get("broken").state());
            assertTrue(registry.get("broken").error().contains("Dense"), registry.get("broken").error());

            Embeddings embeddings = new Embeddings(new Inference(registry, ServingLimits.DEFAULTS), null);
            EmbeddingRequest hello = new EmbeddingRequest("bert", List.of(new EmbeddingInput.Text("hello")), null, false);
            assertEquals(64, embeddings.embed(hello).get().vectors().get(0).length);

            assertEquals(ServedModel.State.UNLOADED, registry.unload("bert").state());
            ApiException unloaded = assertThrows(ApiException.class, () -> embeddings.embed(hello));
            assertEquals(ApiStatus.UNAVAILABLE, unloaded.status());
            assertTrue(registry.get("tiny").servesGeneration(), "the generator serves on");
            assertTrue(registry.anyServing());

            ServedModel reloaded = registry.load("bert");
            assertNotNull(reloaded.embedder());
            assertEquals(64, embeddings.embed(hello).get().vectors().get(0).length);
        }
    }

    @Test
    void anEmbeddingModelTakesNoShareOfTheKvBudget(@TempDir Path store) throws Exception {
        ServingFixture.createTinyModel(store.resolve("tiny"));
        create(store.resolve("bert"));
        long budget = 64L << 20;
        DevicePool pool = new DevicePool(List.of(), device -> budget);
        try (ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS, dev.ferry.server.admission.AdmissionLimits.DEFAULTS, pool))) {
            registry.loadAll();
            assertTrue(registry.get("bert").servesEmbeddings());
            assertEquals(budget, pool.ceiling("tiny", 0), "the generator's slice is the whole CPU budget");
        }
    }

    private static void create(Path dir) throws Exception {
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.fromName("bert")), dir);
    }
}
