package dev.ferry.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.KvDemand;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TuningOptions;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.MemoryBudget;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller that knows its requests gets a KV pool for them (ferry generate) instead of a server's
 * default; the pool still fits one full-length sequence, and an operator's size still wins.
 */
class KvDemandTest {
    /** The tiny preset: 2 layers x 2 KV heads x head dim 16, f32, keys and values. */
    private static final long BYTES_PER_BLOCK = 2L * 2 * 2 * 16 * Float.BYTES * 16;
    private static final int MAX_LEN = 128;

    private static GenerateRequest request(int promptTokens, int maxTokens) {
        return GenerateRequest.of(new int[promptTokens], maxTokens, SamplingParams.greedy());
    }

    /** The layers' forms, timed by the first load and read by the others. */
    @TempDir
    static Path tuning;

    private static int poolBlocks(LoadOptions options) {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 5));
             LoadedModel loaded = LoadedModel.load(folder, options.withMaxModelLen(MAX_LEN)
                     .withTuning(new TuningOptions(tuning, false)))) {
            assertEquals(16, loaded.kvPool().blockSize());
            return loaded.kvPool().numBlocks();
        }
    }

    @Test
    void poolHoldsTheLongestRequestsThatRunAtOnceInWholeBlocks() {
        // 30, 80 and 128 tokens, two at a time: the 80 (5 blocks) and the 128 (8 blocks)
        KvDemand demand = KvDemand.of(List.of(request(10, 20), request(100, 28), request(40, 40)), 2);
        assertEquals(13, poolBlocks(LoadOptions.defaults().withKvDemand(demand)));
        // a request longer than the model accepts needs no more than a full-length sequence
        assertEquals(16, poolBlocks(LoadOptions.defaults().withKvDemand(
                KvDemand.of(List.of(request(100, 1000), request(100, 1000)), 4))));
    }

    @Test
    void poolFitsOneFullLengthSequenceHoweverShortTheRequests() {
        assertEquals(MAX_LEN / 16, poolBlocks(LoadOptions.defaults().withKvDemand(KvDemand.of(List.of(request(3, 1)), 1))));
    }

    @Test
    void anOperatorsSizeWinsAndUnknownRequestsKeepTheServersDefault() {
        KvDemand small = KvDemand.of(List.of(request(3, 1)), 1);
        assertEquals((1 << 20) / BYTES_PER_BLOCK,
                poolBlocks(LoadOptions.defaults().withKvDemand(small).withKvCacheMemory(MemoryBudget.parse("1MiB"))));
        // a server's default on the CPU: 64 full-length sequences
        assertEquals(64 * MAX_LEN / 16, poolBlocks(LoadOptions.defaults()));
    }
}
