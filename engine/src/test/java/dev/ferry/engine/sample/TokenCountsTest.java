package dev.ferry.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenCountsTest {

    @Test
    void keepsOneEntryPerDistinctTokenWithPromptFlagAndOutputCount() {
        TokenCounts h = new TokenCounts();
        h.addPrompt(new int[] {5, 9, 5});
        h.addOutput(9);
        h.addOutput(2);
        h.addOutput(2);
        assertEquals(3, h.size());
        Map<Integer, String> got = new HashMap<>();
        for (int i = 0; i < h.size(); i++) {
            got.put(h.token(i), h.inPrompt(i) + "/" + h.outputCount(i));
        }
        assertEquals(Map.of(5, "true/0", 9, "true/1", 2, "false/2"), got);
    }

    @Test
    void matchesAHashMapOverManyTokens() {
        Random rnd = new Random(1);
        TokenCounts h = new TokenCounts();
        Set<Integer> prompt = new HashSet<>();
        Map<Integer, Integer> counts = new HashMap<>();
        int[] ids = rnd.ints(3000, 0, 150_000).toArray();
        h.addPrompt(ids);
        for (int id : ids) {
            prompt.add(id);
        }
        for (int i = 0; i < 20_000; i++) {
            int id = rnd.nextBoolean() ? rnd.nextInt(200) : rnd.nextInt(150_000);  // dense and sparse ids
            h.addOutput(id);
            counts.merge(id, 1, Integer::sum);
        }
        Set<Integer> all = new HashSet<>(prompt);
        all.addAll(counts.keySet());
        assertEquals(all.size(), h.size());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < h.size(); i++) {
            int t = h.token(i);
            assertTrue(seen.add(t), "token " + t + " listed twice");
            assertEquals(prompt.contains(t), h.inPrompt(i), "token " + t);
            assertEquals(counts.getOrDefault(t, 0), h.outputCount(i), "token " + t);
        }
    }

    @Test
    void rejectsNegativeIds() {
        assertThrows(IllegalArgumentException.class, () -> new TokenCounts().addOutput(-1));
    }
}
