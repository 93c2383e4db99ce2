package dev.ferry.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.sample.SamplingParams;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-sequence generation: streaming order, eos, limits and input checks. */
class GeneratorTest {
    @TempDir
    Path tmp;

    @Test
    void stopsAtEosAndStreamsEveryToken() throws IOException {
        Path dir = copy(TinyModels.create("qwen2", 31));
        int first;
        try (ModelFolder folder = ModelFolder.open(dir); ModelRunner runner = ModelRunner.load(folder, RunnerOptions.defaults())) {
            first = new Generator(runner).generate(new int[] {4, 5, 6}, 1, SamplingParams.greedy(), false, t -> { }).tokenIds()[0];
        }
        // Make the first greedy token an eos id: generation must stop right after it.
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [" + first + "]}");
        try (ModelFolder folder = ModelFolder.open(dir); ModelRunner runner = ModelRunner.load(folder, RunnerOptions.defaults())) {
            List<Integer> streamed = new ArrayList<>();
            Generator.Result r = new Generator(runner).generate(new int[] {4, 5, 6}, 10, SamplingParams.greedy(), true, streamed::add);
            assertEquals(FinishReason.STOP, r.finishReason());
            assertArrayEquals(new int[] {first}, r.tokenIds());
            assertEquals(List.of(first), streamed);
            Generator.Result ignored = new Generator(runner).generate(new int[] {4, 5, 6}, 10, SamplingParams.greedy(), false, t -> { });
            assertEquals(FinishReason.LENGTH, ignored.finishReason());
            assertEquals(10, ignored.tokenIds().length);
        }
    }

    @Test
    void longPromptsRunInChunksAndContextLimitEndsGeneration() {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 32));
             ModelRunner runner = ModelRunner.load(folder, RunnerOptions.defaults().withMaxModelLen(200))) {
            int[] prompt = new int[190];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 7) % 500;
            }
            Generator.Result r = new Generator(runner).generate(prompt, 50, SamplingParams.greedy(), false, t -> { });
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(10, r.tokenIds().length, "stops when prompt + output reach max model length 200");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Generator(runner).generate(new int[200], 5, SamplingParams.greedy(), false, t -> { }));
            assertTrue(e.getMessage().contains("200"), e.getMessage());
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
