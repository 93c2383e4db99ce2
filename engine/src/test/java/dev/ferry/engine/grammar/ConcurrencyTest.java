package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Threads sharing one token grammar (and its caches, filled as they race) see the masks one thread sees alone. */
class ConcurrencyTest {

    @Test
    void threadsSharingATokenGrammarAgreeWithOneThread() throws Exception {
        Walker walker = Walker.standard();
        GrammarSpec spec = GbnfParser.parse(GbnfGrammarTest.JSON);
        // the reference: walks, and the mask before each token, on a grammar no other thread touches
        TokenGrammar alone = new TokenGrammar(Grammar.compile(spec, GrammarLimits.DEFAULTS), walker.vocab, List.of(), Walker.FORMAT);
        Random rnd = new Random(9);
        List<int[]> walks = new ArrayList<>();
        List<List<long[]>> expected = new ArrayList<>();
        for (int w = 0; w < 40; w++) {
            GrammarMatcher m = alone.start();
            List<Integer> tokens = new ArrayList<>();
            List<long[]> masks = new ArrayList<>();
            for (int step = 0; step < 60 && !m.isComplete(); step++) {
                long[] mask = m.allowedTokens();
                masks.add(mask.clone());
                List<Integer> allowed = Walker.ids(mask);
                allowed.remove(Integer.valueOf(walker.endId));
                if (allowed.isEmpty()) {
                    break;
                }
                int token = allowed.get(rnd.nextInt(allowed.size()));
                m.accept(token);
                tokens.add(token);
            }
            walks.add(tokens.stream().mapToInt(Integer::intValue).toArray());
            expected.add(masks);
        }

        for (int round = 0; round < 5; round++) {
            TokenGrammar shared = new TokenGrammar(Grammar.compile(spec, GrammarLimits.DEFAULTS), walker.vocab, List.of(), Walker.FORMAT);
            int threads = 4;
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Integer> order = new ArrayList<>();
                for (int w = 0; w < walks.size(); w++) {
                    order.add(w);
                }
                Collections.shuffle(order, new Random(round * 31 + t));
                done.add(pool.submit(() -> {
                    go.await();
                    for (int w : order) {
                        GrammarMatcher m = shared.start();
                        int[] tokens = walks.get(w);
                        for (int step = 0; step < expected.get(w).size(); step++) {
                            assertArrayEquals(expected.get(w).get(step), m.allowedTokens(), "walk " + w + " step " + step);
                            if (step < tokens.length) {
                                assertTrue(m.accept(tokens[step]));
                            }
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
    }
}
