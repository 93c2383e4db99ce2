package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.SamplingParams;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ResponseKeyTest {
    static final SamplingParams SAMPLED = SamplingParams.of(0.8, 40, 0.9, 7);
    static final GenerateRequest BASE = new GenerateRequest("a", new int[] {1, 2, 3}, 16, SAMPLED, List.of(5),
            List.of("x"), false, Priority.INTERACTIVE, 0, null);

    static ResponseKey key(GenerateRequest r) {
        return ResponseKey.of("hash", "f32", "cpu()", r);
    }

    static GenerateRequest sampled(UnaryOperator<SamplingParams> change) {
        return new GenerateRequest("a", BASE.promptIds(), BASE.maxTokens(), change.apply(SAMPLED), BASE.stopTokenIds(),
                BASE.stop(), false, null, 0, null);
    }

    @Test
    void requestIdPriorityAndDeadlineDoNotChangeTheKey() {
        GenerateRequest other = new GenerateRequest("b", new int[] {1, 2, 3}, 16, SAMPLED, List.of(5), List.of("x"),
                false, Priority.BATCH, System.nanoTime(), null);
        assertEquals(key(BASE), key(other));
        assertEquals(key(BASE).redisKey(), key(other).redisKey());
    }

    @Test
    void everyFieldThatShapesTheAnswerChangesTheKey() {
        List<GenerateRequest> variants = List.of(
                new GenerateRequest("a", new int[] {1, 2, 4}, 16, SAMPLED, List.of(5), List.of("x"), false, null, 0, null),
                new GenerateRequest("a", BASE.promptIds(), 17, SAMPLED, List.of(5), List.of("x"), false, null, 0, null),
                BASE.withStop(List.of("y"), List.of(5)),
                BASE.withStop(List.of("x"), List.of(6)),
                BASE.withIgnoreEos(true),
                sampled(s -> SamplingParams.of(0.7, 40, 0.9, 7)),
                sampled(s -> SamplingParams.of(0.8, 41, 0.9, 7)),
                sampled(s -> SamplingParams.of(0.8, 40, 0.8, 7)),
                sampled(s -> s.withSeed(8)),
                sampled(s -> s.withMinP(0.1)),
                sampled(s -> s.withRepetitionPenalty(1.1)),
                sampled(s -> s.withPresencePenalty(0.5)),
                sampled(s -> s.withFrequencyPenalty(0.5)),
                sampled(s -> s.withLogprobs(0)),
                sampled(s -> s.withLogprobs(2)));
        ResponseKey base = key(BASE);
        for (GenerateRequest v : variants) {
            assertNotEquals(base, key(v), () -> "same key for " + v);
        }
        assertNotEquals(base, ResponseKey.of("other", "f32", "cpu()", BASE), "model content");
        assertNotEquals(base, ResponseKey.of("hash", "f16", "cpu()", BASE), "dtype");
        assertNotEquals(base, ResponseKey.of("hash", "f32", "gpu(0)", BASE), "device");
    }

    @Test
    void greedyIgnoresTheSeedWhichSamplingNeeds() {
        GenerateRequest greedyA = GenerateRequest.of(BASE.promptIds(), 8, SamplingParams.greedy().withSeed(1));
        GenerateRequest greedyB = GenerateRequest.of(BASE.promptIds(), 8, SamplingParams.greedy().withSeed(2));
        assertEquals(key(greedyA), key(greedyB));
        assertEquals(key(GenerateRequest.of(BASE.promptIds(), 8, SamplingParams.of(-0.0, 0, 1, 0))), key(greedyA));
        assertNotEquals(key(sampled(s -> s.withSeed(1))), key(sampled(s -> s.withSeed(2))));
    }

    @Test
    void theOrderOfStopsDoesNotMatter() {
        assertEquals(key(BASE.withStop(List.of("a", "b"), List.of(3, 4))),
                key(BASE.withStop(List.of("b", "a", "b"), List.of(4, 3))));
    }

    @Test
    void promptAndMaxTokensCannotTradeBytes() {
        // length prefixes keep ([1,2], max 3) apart from ([1], then 2 read as max tokens) and the like
        GenerateRequest a = GenerateRequest.of(new int[] {1, 2}, 3, SamplingParams.greedy());
        GenerateRequest b = GenerateRequest.of(new int[] {1}, 2, SamplingParams.greedy());
        assertNotEquals(key(a), key(b));
    }

    @Test
    void redisKeyIsVersionedAndHex() {
        String k = key(BASE).redisKey();
        assertTrue(k.matches("ferry:rc:v2:[0-9a-f]{64}"), k);
    }
}
