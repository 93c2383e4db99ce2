package dev.ferry.engine.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.kv.BlockManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static Sequence seq(long arrival, Priority p, int promptLen) {
        int[] prompt = new int[promptLen];
        for (int i = 0; i < promptLen; i++) {
            prompt[i] = (int) (arrival * 100 + i);
        }
        return new Sequence(arrival, p, arrival, prompt);
    }

    /** A scheduler over {@code blocks}, with {@code queued} added in order. */
    private static Scheduler scheduler(int maxSeqs, int maxTokens, BlockManager blocks, Sequence... queued) {
        Scheduler s = new Scheduler(maxSeqs, maxTokens, new KvManager(blocks));
        for (Sequence q : queued) {
            s.add(q);
        }
        return s;
    }

    /** Applies a plan the way the engine loop does: computes the tokens and samples one where a span ends. */
    private static void complete(Scheduler s, Scheduler.Plan plan) {
        s.update(plan);
        for (Scheduled sc : plan.scheduled()) {
            Sequence q = sc.sequence();
            if (q.numUncomputed() == 0) {
                q.append(1);
            }
        }
    }

    @Test
    void decodesGoFirstAndALongPromptIsChunkedIntoTheBudget() {
        Sequence a = seq(1, Priority.INTERACTIVE, 5);
        Sequence b = seq(2, Priority.INTERACTIVE, 5);
        Scheduler s = scheduler(8, 32, new BlockManager(64, 16, false), a, b);
        complete(s, s.schedule()); // both prefilled
        Sequence longOne = seq(3, Priority.INTERACTIVE, 100);
        s.add(longOne);
        Scheduler.Plan p = s.schedule();
        assertEquals(3, p.scheduled().size());
        assertSame(a, p.scheduled().get(0).sequence());
        assertSame(b, p.scheduled().get(1).sequence());
        assertEquals(1, p.scheduled().get(0).numTokens());
        assertEquals(30, p.scheduled().get(2).numTokens(), "the prompt gets what the decodes leave of 32");
        complete(s, p);
        Scheduler.Plan next = s.schedule();
        assertEquals(1, next.scheduled().get(0).numTokens(), "decodes still first while the prompt is chunked");
        assertEquals(30, next.scheduled().get(2).numTokens());
    }

    @Test
    void aRunningBatchPromptGetsOnlyWhatANewInteractivePromptLeaves() {
        Sequence batch = seq(1, Priority.BATCH, 100);
        Scheduler s = scheduler(8, 32, new BlockManager(64, 16, false), batch);
        complete(s, s.schedule()); // its first chunk: nothing else wanted the step
        Sequence interactive = seq(2, Priority.INTERACTIVE, 20);
        s.add(interactive);
        Scheduler.Plan p = s.schedule();
        assertSame(interactive, p.scheduled().get(0).sequence());
        assertEquals(20, p.scheduled().get(0).numTokens(), "the interactive prompt whole");
        assertSame(batch, p.scheduled().get(1).sequence());
        assertEquals(12, p.scheduled().get(1).numTokens(), "the batch prompt's next chunk in what is left of 32");
    }

    @Test
    void aPromptStartingLikeOneBeingPrefilledWaitsAStepAndSharesItsBlocks() {
        int[] prefix = {9, 8, 7, 6, 5, 4, 3, 2};
        Sequence first = new Sequence(1, Priority.INTERACTIVE, 1, concat(prefix, 100));
        Sequence second = new Sequence(2, Priority.INTERACTIVE, 2, concat(prefix, 200));
        Sequence unrelated = seq(3, Priority.INTERACTIVE, 9);
        Scheduler s = scheduler(8, 64, new BlockManager(64, 4, true), first, second, unrelated);
        Scheduler.Plan p = s.schedule();
        assertEquals(2, p.scheduled().size(), "the second waits, the unrelated one runs");
        assertTrue(s.isWaiting(second));
        s.update(p); // compute and commit, as the loop does
        p.scheduled().forEach(sc -> sc.sequence().append(1));
        Scheduler.Plan next = s.schedule();
        Scheduled admitted = next.scheduled().stream().filter(x -> x.sequence() == second).findFirst().orElseThrow();
        assertEquals(8, second.numComputed(), "both prefix blocks came from the cache");
        assertEquals(1, admitted.numTokens());
    }

    /** {@code n} sequences of one prompt, as the engine makes for a request's choices. */
    private static List<Sequence> choices(int n, int[] prompt) {
        List<Sequence> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(new Sequence(i, Priority.INTERACTIVE, i, prompt));
        }
        return out;
    }

    @Test
    void choicesOfOnePromptPrefillItOnceAndShareItsFullBlocks() {
        BlockManager bm = new BlockManager(64, 4, true);
        int[] prompt = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}; // two full blocks and two tokens
        List<Sequence> c = choices(4, prompt);
        Scheduler s = scheduler(8, 7, bm); // 7 tokens a step: the prompt takes two chunks
        s.add(c);
        Scheduler.Plan p = s.schedule();
        assertEquals(List.of(c.get(0)), p.scheduled().stream().map(Scheduled::sequence).toList());
        assertTrue(s.isHeld(c.get(1)) && s.isHeld(c.get(3)));
        assertEquals(3, s.stats().waiting(), "held choices count as waiting");
        complete(s, p);
        p = s.schedule();
        assertEquals(1, p.scheduled().size(), "the first chunk filled one block of two: the others still wait");
        complete(s, p); // the prompt is computed, its two full blocks cached
        p = s.schedule();
        assertEquals(4, p.scheduled().size());
        for (Sequence other : c.subList(1, 4)) {
            assertEquals(8, other.numComputed(), "both full blocks from the cache");
            assertArrayEquals(Arrays.copyOf(c.get(0).blockTable(), 2), Arrays.copyOf(other.blockTable(), 2));
        }
        assertEquals(3 + 3, bm.checkConsistency(), "the first's 3 blocks, then one own tail block per other choice");
        assertEquals(3 * 8, s.stats().prefixHitTokens());
        c.forEach(s::finish);
        assertEquals(0, bm.checkConsistency());
        assertTrue(!s.hasUnfinished());
    }

    @Test
    void choicesLeftHeldWhenTheFirstEndsQueueOrRetireCleanly() {
        BlockManager bm = new BlockManager(64, 4, true);
        List<Sequence> c = choices(3, new int[] {1, 2, 3, 4, 5, 6});
        Scheduler s = scheduler(8, 64, bm);
        s.add(c);
        s.schedule(); // the first takes its blocks
        s.finish(c.get(2)); // a held choice retires (its request was cancelled)
        s.finish(c.get(0)); // the first leaves before its prompt is cached: the second computes it itself
        assertTrue(s.isWaiting(c.get(1)));
        Scheduler.Plan p = s.schedule();
        assertEquals(6, p.scheduled().get(0).numTokens());
        s.finish(c.get(1));
        assertEquals(0, bm.checkConsistency());
        assertTrue(!s.hasUnfinished());
    }

    @Test
    void withoutPrefixCachingChoicesQueueTogether() {
        List<Sequence> c = choices(3, new int[] {1, 2, 3, 4, 5, 6});
        Scheduler s = scheduler(8, 64, new BlockManager(64, 4, false));
        s.add(c);
        assertEquals(3, s.schedule().scheduled().size());
    }

    private static int[] concat(int[] a, int b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    @Test
    void interactiveRequestsAreAdmittedBeforeBatchOnes() {
        Sequence batch = seq(1, Priority.BATCH, 4);
        Sequence interactive = seq(2, Priority.INTERACTIVE, 4);
        Scheduler s = scheduler(1, 64, new BlockManager(64, 16, false), batch, interactive);
        assertSame(interactive, s.schedule().scheduled().get(0).sequence());
    }

    @Test
    void fullPoolPreemptsLowestPriorityLatestArrivalAndItResumesFromScratch() {
        BlockManager bm = new BlockManager(4, 4, false); // 16 token slots
        Sequence old = seq(1, Priority.BATCH, 4);
        Sequence interactive = seq(2, Priority.INTERACTIVE, 4);
        Sequence young = seq(3, Priority.BATCH, 4);
        Scheduler s = scheduler(8, 64, bm, old, interactive, young);
        complete(s, s.schedule()); // 3 of 4 blocks used; each sequence now has 5 tokens
        // Each decode needs a second block: interactive takes the last one, old needs one more.
        Scheduler.Plan p = s.schedule();
        assertTrue(p.preempted().contains(young), "latest-arrived batch request goes first: " + p.preempted());
        assertTrue(!p.preempted().contains(interactive));
        assertEquals(0, young.numComputed());
        assertTrue(s.isWaiting(young));
        assertEquals(young.length(), young.numUncomputed(), "recompute prompt and generated tokens");
        assertEquals(4, bm.checkConsistency(), "young's block went to old: two blocks each for old and interactive");
        assertEquals(new Scheduler.Stats(2, 1, 4, 4, 9, 0), s.stats(), "three prompts looked up 3 of their 4 tokens each");
    }

    @Test
    void finishTakesASequenceOutOfEitherQueueAndFreesItsBlocks() {
        BlockManager bm = new BlockManager(16, 4, true);
        Sequence running = seq(1, Priority.INTERACTIVE, 9);
        Sequence waiting = seq(2, Priority.INTERACTIVE, 9);
        Scheduler s = scheduler(1, 64, bm, running, waiting);
        complete(s, s.schedule()); // only one sequence per step: the second still waits
        assertEquals(3, bm.checkConsistency());
        assertEquals(1, s.stats().running());
        assertEquals(1, s.stats().waiting());
        s.finish(running);
        assertEquals(0, bm.checkConsistency());
        assertEquals(2, bm.numCachedUnreferenced(), "its two full blocks stay cached");
        assertEquals(0, running.numComputed());
        assertEquals(0, s.numRunning());
        assertSame(waiting, s.nextWaiting());
        s.finish(waiting);
        assertTrue(!s.hasUnfinished());
        assertThrows(IllegalArgumentException.class, () -> s.finish(waiting), "retired twice");
    }
}
