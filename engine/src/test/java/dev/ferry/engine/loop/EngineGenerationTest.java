package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One request through the engine: eos, stop ids, stop strings, limits and input checks. */
class EngineGenerationTest {
    @TempDir
    Path tmp;

    @Test
    void stopsAtEosUnlessIgnored() throws Exception {
        Path dir = copy(TinyModels.create("qwen2", 31));
        int first;
        try (ModelFolder folder = ModelFolder.open(dir); ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            first = engine.submit(GenerateRequest.of(new int[] {4, 5, 6}, 1, SamplingParams.greedy())).await().tokenIds()[0];
        }
        // Make the first greedy token an eos id: generation must stop right after it.
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [" + first + "]}");
        try (ModelFolder folder = ModelFolder.open(dir); ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            TokenStream.Result r = engine.submit(GenerateRequest.of(new int[] {4, 5, 6}, 10, SamplingParams.greedy())).await();
            assertEquals(FinishReason.STOP, r.finish().reason());
            assertArrayEquals(new int[] {first}, r.tokenIds());
            assertEquals(1, r.finish().usage().completionTokens());
            assertEquals(3, r.finish().usage().promptTokens());
            TokenStream.Result ignored = engine.submit(GenerateRequest.of(new int[] {4, 5, 6}, 10, SamplingParams.greedy())
                    .withIgnoreEos(true)).await();
            assertEquals(FinishReason.LENGTH, ignored.finish().reason());
            assertEquals(10, ignored.tokenIds().length);
        }
    }

    @Test
    void stopTokenIdsAndStopStringsEndGeneration() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 33));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            int[] prompt = folder.tokenizer().encode("The quick brown fox", true);
            TokenStream.Result free = engine.submit(GenerateRequest.of(prompt, 24, SamplingParams.greedy()).withIgnoreEos(true)).await();
            int[] ids = free.tokenIds();
            TokenStream.Result byId = engine.submit(GenerateRequest.of(prompt, 24, SamplingParams.greedy()).withIgnoreEos(true)
                    .withStop(List.of(), List.of(ids[5]))).await();
            int firstAt = 0;
            while (ids[firstAt] != ids[5]) {
                firstAt++;
            }
            assertEquals(FinishReason.STOP, byId.finish().reason());
            assertEquals(firstAt + 1, byId.tokenIds().length);
            // A stop string taken from the middle of the free-running text: output ends right before it.
            String text = free.text();
            String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
            TokenStream.Result byString = engine.submit(GenerateRequest.of(prompt, 24, SamplingParams.greedy())
                    .withIgnoreEos(true).withStop(List.of(stop), List.of())).await();
            assertEquals(FinishReason.STOP, byString.finish().reason());
            assertEquals(text.substring(0, text.indexOf(stop)), byString.text());
            assertTrue(byString.finish().usage().completionTokens() <= ids.length);
        }
    }

    @Test
    void contextLimitEndsGenerationAndOversizedPromptsAreRejected() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 32));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withMaxModelLen(200));
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withMaxNumBatchedTokens(64))) {
            int[] prompt = new int[190];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 7) % 500;
            }
            TokenStream.Result r = engine.submit(GenerateRequest.of(prompt, 50, SamplingParams.greedy()).withIgnoreEos(true)).await();
            assertEquals(FinishReason.LENGTH, r.finish().reason());
            assertEquals(10, r.tokenIds().length, "stops when prompt + output reach max model length 200");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(GenerateRequest.of(new int[200], 5, SamplingParams.greedy())));
            assertTrue(e.getMessage().contains("200"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> engine.submit(GenerateRequest.of(new int[] {1, 999}, 5, SamplingParams.greedy())));
            assertTrue(e.getMessage().contains("prompt_ids[1]"), e.getMessage());
        }
    }

    private Path copy(Path src) throws IOException {
        Path dst = tmp.resolve(src.getFileName());
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }
}
