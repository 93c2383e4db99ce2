package dev.ferry.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Prompts of uniformly random tokens; prompt {@code i} depends only on {@code seed + i}, so runs compare. */
final class RandomPrompts {
    private RandomPrompts() {}

    static List<int[]> of(int n, int length, long vocab, long seed) {
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new SplittableRandom(seed + i).ints(length, 0, (int) vocab).toArray());
        }
        return out;
    }
}
