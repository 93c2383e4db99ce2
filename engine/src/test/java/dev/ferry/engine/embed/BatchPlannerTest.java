package dev.ferry.engine.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.config.EncoderBatchConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How waiting inputs become batches: by size, by delay, within the real-token budget, oldest first. */
class BatchPlannerTest {
    private static final long MS = 1_000_000;

    private static EncoderBatchConfig config(int... sizes) {
        return EncoderBatchConfig.defaults().withMaxQueueDelay(Duration.ofMillis(10))
                .withPreferredBatchSizes(Arrays.stream(sizes).boxed().toList());
    }

    private static List<Pending> inputs(int... lengths) {
        EmbedRequest r = new EmbedRequest(lengths.length);
        List<Pending> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            out.add(new Pending(r, i, new int[lengths[i]], i)); // arrived i ns after the start
        }
        return out;
    }

    @Test
    void waitsUntilTheLargestPreferredSizeOrTheDelay() {
        BatchPlanner planner = new BatchPlanner(config(4, 8));
        List<Pending> pending = inputs(5, 5, 5, 5, 5);
        assertTrue(planner.next(pending, 9 * MS).isEmpty(), "5 inputs, below 8, before the delay: wait");
        assertEquals(10 * MS, planner.deadline(pending));
        List<Pending> batch = planner.next(pending, 10 * MS);
        assertEquals(4, batch.size(), "after the delay: the largest preferred size available");
        assertSame(pending.get(0), planner.next(pending, 20 * MS).get(0), "then the rest, once it has waited too");
        assertTrue(pending.isEmpty());

        List<Pending> eight = inputs(5, 5, 5, 5, 5, 5, 5, 5);
        assertEquals(8, planner.next(eight, 0).size(), "the largest preferred size runs at once");
    }

    @Test
    void tokenBudgetBoundsTheBatchAndRunsItAtOnce() {
        BatchPlanner planner = new BatchPlanner(config(16).withMaxBatchTokens(100));
        List<Pending> pending = inputs(30, 30, 30, 30, 30);
        List<Pending> batch = planner.next(pending, 0);
        assertEquals(3, batch.size(), "4 x 30 tokens would exceed 100");
        List<Pending> huge = inputs(500);
        assertEquals(1, planner.next(huge, 20 * MS).size(), "an input longer than the budget runs alone");
    }

    @Test
    void tokenBudgetCountsRealTokensNotRowsTimesTheLongest() {
        BatchPlanner planner = new BatchPlanner(config(16).withMaxBatchTokens(100));
        List<Pending> pending = inputs(90, 5, 5, 5);
        List<Pending> batch = planner.next(pending, 0);
        assertEquals(List.of(90, 5, 5), batch.stream().map(Pending::length).toList(),
                "90 + 5 + 5 real tokens fill the budget exactly (padded to the longest they would be 270)");
        assertEquals(1, pending.size(), "the fourth waits for the next batch");
    }

    @Test
    void batchesTakeInputsInArrivalOrderOldestFirst() {
        BatchPlanner planner = new BatchPlanner(config(2));
        List<Pending> pending = inputs(40, 5, 5, 38);
        List<Pending> expected = List.copyOf(pending);
        assertEquals(expected.subList(0, 2), planner.next(pending, 0), "the oldest and the next arrival");
        assertEquals(expected.subList(2, 4), planner.next(pending, 0));
    }
}
