package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTimelineTest {
    private final List<RequestTimeline> ended = new ArrayList<>();
    private final RequestTimeline t = new RequestTimeline(1_000, new BenchRequest(new int[] {1, 2}, 4), true, ended::add);

    @Test
    void latenciesCountFromWhenTheRequestWasDueAndCoalescedTokensShareTheirGap() {
        t.output(1, 5_000);
        t.output(3, 11_000); // three tokens in one message, 6 us after the first
        t.finished(4, 12_000);
        assertEquals(4_000, t.ttftNanos());
        assertEquals(11_000, t.e2eNanos());
        assertEquals(3, t.gapCount());
        for (int i = 0; i < 3; i++) {
            assertEquals(2_000, t.gap(i));
        }
        assertEquals(2_000, t.meanGapNanos());
    }

    @Test
    void theFirstTerminalEventWinsAndIsReportedOnce() {
        t.rejected("RESOURCE_EXHAUSTED", 2_000);
        t.failed("CANCELLED", 3_000);
        assertFalse(t.abandon(4_000), "it had ended");
        assertEquals(List.of(t), ended);
        assertEquals(RequestTimeline.Outcome.REJECTED, t.outcome());
        assertEquals(1_000, t.e2eNanos());
    }

    @Test
    void abandoningCancelsTheRequestThenIgnoresItsLateAnswer() {
        int[] cancelled = {0};
        t.cancelWith(() -> cancelled[0]++);
        t.output(1, 2_000);
        t.abandon(9_000);
        t.finished(4, 10_000);
        assertEquals(1, cancelled[0]);
        assertEquals(RequestTimeline.Outcome.UNANSWERED, t.outcome());
        assertEquals(1, ended.size());
    }
}
