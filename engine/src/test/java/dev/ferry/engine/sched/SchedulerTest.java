package dev.ferry.engine.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.kv.BlockManager;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static Sequence seq(long arrival, Priority p, int promptLen) {
        int[] prompt = new int[promptLen];
        for (int i = 0; i < promptLen; i++) {
            prompt[i] = (int) (arrival * 100 + i);
        }
        return new Sequence(arrival, p, arrival, prompt);
    }

    /** Applies a plan the way the engine loop does: computes the tokens and samples one where a span ends. */
    private static void complete(Scheduler.Plan plan) {
        for (Scheduled s : plan.scheduled()) {
            Sequence q = s.sequence();
            q.markComputed(s.numTokens());
            if (q.numUncomputed() == 0) {
                q.append(1);
            }
        }
    }

    @Test
    void decodesGoFirstAndALongPromptIsChunkedIntoTheBudget() {
        BlockManager bm = new BlockManager(64, 16, false);
        Scheduler s = new Scheduler(8, 32, bm);
        List<Sequence> running = new ArrayList<>();
        PriorityQueue<Sequence> waiting = new PriorityQueue<>(Scheduler.WAITING_ORDER);
        Sequence a = seq(1, Priority.INTERACTIVE, 5);
        Sequence b = seq(2, Priority.INTERACTIVE, 5);
        waiting.add(a);
        waiting.add(b);
        complete(s.schedule(running, waiting)); // both prefilled
        Sequence longOne = seq(3, Priority.INTERACTIVE, 100);
        waiting.add(longOne);
        Scheduler.Plan p = s.schedule(running, waiting);
        assertEquals(3, p.scheduled().size());
        assertSame(a, p.scheduled().get(0).sequence());
        assertSame(b, p.scheduled().get(1).sequence());
        assertEquals(1, p.scheduled().get(0).numTokens());
        assertEquals(30, p.scheduled().get(2).numTokens(), "the prompt gets what the decodes leave of 32");
        complete(p);
        Scheduler.Plan next = s.schedule(running, waiting);
        assertEquals(1, next.scheduled().get(0).numTokens(), "decodes still first while the prompt is chunked");
        assertEquals(30, next.scheduled().get(2).numTokens());
    }

    @Test
    void aPromptStartingLikeOneBeingPrefilledWaitsAStepAndSharesItsBlocks() {
        BlockManager bm = new BlockManager(64, 4, true);
        Scheduler s = new Scheduler(8, 64, bm);
        List<Sequence> running = new ArrayList<>();
        PriorityQueue<Sequence> waiting = new PriorityQueue<>(Scheduler.WAITING_ORDER);
        int[] prefix = {9, 8, 7, 6, 5, 4, 3, 2};
        Sequence first = new Sequence(1, Priority.INTERACTIVE, 1, concat(prefix, 100));
        Sequence second = new Sequence(2, Priority.INTERACTIVE, 2, concat(prefix, 200));
        Sequence unrelated = seq(3, Priority.INTERACTIVE, 9);
        waiting.add(first);
        waiting.add(second);
        waiting.add(unrelated);
        Scheduler.Plan p = s.schedule(running, waiting);
        assertEquals(2, p.scheduled().size(), "the second waits, the unrelated one runs");
        assertTrue(waiting.contains(second));
        for (Scheduled sc : p.scheduled()) { // compute and commit, as the loop does
            Sequence q = sc.sequence();
            q.markComputed(sc.numTokens());
            q.setKeyedBlocks(bm.commitFullBlocks(q.blockTable(), q.tokenArray(), q.numComputed(),
                    q.keys(q.blockTable().length), q.keyedBlocks()));
            q.append(1);
        }
        Scheduler.Plan next = s.schedule(running, waiting);
        Scheduled admitted = next.scheduled().stream().filter(x -> x.sequence() == second).findFirst().orElseThrow();
        assertEquals(8, second.numComputed(), "both prefix blocks came from the cache");
        assertEquals(1, admitted.numTokens());
    }

    private static int[] concat(int[] a, int b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    @Test
    void interactiveRequestsAreAdmittedBeforeBatchOnes() {
        BlockManager bm = new BlockManager(64, 16, false);
        Scheduler s = new Scheduler(1, 64, bm);
        List<Sequence> running = new ArrayList<>();
        PriorityQueue<Sequence> waiting = new PriorityQueue<>(Scheduler.WAITING_ORDER);
        Sequence batch = seq(1, Priority.BATCH, 4);
        Sequence interactive = seq(2, Priority.INTERACTIVE, 4);
        waiting.add(batch);
        waiting.add(interactive);
        assertSame(interactive, s.schedule(running, waiting).scheduled().get(0).sequence());
    }

    @Test
    void fullPoolPreemptsLowestPriorityLatestArrivalAndItResumesFromScratch() {
        BlockManager bm = new BlockManager(4, 4, false); // 16 token slots
        Scheduler s = new Scheduler(8, 64, bm);
        List<Sequence> running = new ArrayList<>();
        PriorityQueue<Sequence> waiting = new PriorityQueue<>(Scheduler.WAITING_ORDER);
        Sequence old = seq(1, Priority.BATCH, 4);
        Sequence interactive = seq(2, Priority.INTERACTIVE, 4);
        Sequence young = seq(3, Priority.BATCH, 4);
        waiting.add(old);
        waiting.add(interactive);
        waiting.add(young);
        complete(s.schedule(running, waiting)); // 3 of 4 blocks used; each sequence now has 5 tokens
        // Each decode needs a second block: interactive takes the last one, old needs one more.
        Scheduler.Plan p = s.schedule(running, waiting);
        assertTrue(p.preempted().contains(young), "latest-arrived batch request goes first: " + p.preempted());
        assertTrue(!p.preempted().contains(interactive));
        assertEquals(0, young.numComputed());
        assertTrue(waiting.contains(young));
        assertEquals(young.length(), young.numUncomputed(), "recompute prompt and generated tokens");
    }
}
