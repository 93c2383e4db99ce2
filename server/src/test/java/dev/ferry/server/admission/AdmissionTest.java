package dev.ferry.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.metrics.StepRates;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    static final AdmissionLimits LIMITS = new AdmissionLimits(4, 2, 1000, true);

    @Test
    void aRequestForSeveralChoicesWaitsAsThatManySequencesWithItsPromptOnce() {
        Admission a = new Admission(LIMITS, new StepRates());
        Admission.Ticket three = a.admit(100, Priority.INTERACTIVE, 0, 3);
        assertEquals(3, a.waiting());
        assertEquals(100, a.waitingPromptTokens(), "the choices share one prefill");
        assertEquals(RejectReason.QUEUE_FULL, assertThrows(AdmissionRejected.class,
                () -> a.admit(10, Priority.INTERACTIVE, 0, 2)).reason(), "3 + 2 is past the bound of 4");
        assertEquals(3, a.waiting(), "a refusal takes back what it counted");
        three.started();
        assertEquals(0, a.waiting());
        a.admit(10, Priority.INTERACTIVE, 0, 4);
    }

    @Test
    void theEarlyCheckRefusesOnlyWhatAdmitWouldAndCountsNothing() {
        Admission a = new Admission(LIMITS, new StepRates());
        a.refuseIfFull(Priority.INTERACTIVE, 4);
        a.admit(10, Priority.INTERACTIVE, 0, 3);
        a.refuseIfFull(Priority.INTERACTIVE, 1); // the fourth place is free
        AdmissionRejected two = assertThrows(AdmissionRejected.class, () -> a.refuseIfFull(Priority.INTERACTIVE, 2));
        assertEquals(RejectReason.QUEUE_FULL, two.reason());
        assertTrue(two.retryAfterMillis() > 0, "a full queue gives a retry hint");
        assertEquals(RejectReason.QUEUE_FULL, assertThrows(AdmissionRejected.class,
                () -> a.refuseIfFull(Priority.BATCH, 1)).reason(), "batch has 2 places and 3 are taken");
        assertEquals(3, a.waiting(), "the early check only looks");
        a.admit(10, Priority.INTERACTIVE, 0, 1);
    }

    @Test
    void batchIsShedBeforeInteractive() {
        Admission a = new Admission(LIMITS, new StepRates());
        a.admit(10, Priority.BATCH, 0);
        a.admit(10, Priority.INTERACTIVE, 0);
        AdmissionRejected e = assertThrows(AdmissionRejected.class, () -> a.admit(10, Priority.BATCH, 0));
        assertEquals(RejectReason.QUEUE_FULL, e.reason());
        assertTrue(e.retryAfterMillis() >= 100);
        a.admit(10, Priority.INTERACTIVE, 0);
        a.admit(10, Priority.INTERACTIVE, 0);
        assertEquals(RejectReason.QUEUE_FULL, assertThrows(AdmissionRejected.class,
                () -> a.admit(10, Priority.INTERACTIVE, 0)).reason());
        assertEquals(4, a.waiting());
    }

    @Test
    void startedFreesTheSlotOnce() {
        Admission a = new Admission(LIMITS, new StepRates());
        List<Admission.Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tickets.add(a.admit(100, Priority.INTERACTIVE, 0));
        }
        tickets.get(0).started();
        tickets.get(0).started();
        assertEquals(3, a.waiting());
        assertEquals(300, a.waitingPromptTokens());
        a.admit(100, Priority.INTERACTIVE, 0);
        assertThrows(AdmissionRejected.class, () -> a.admit(100, Priority.INTERACTIVE, 0));
    }

    @Test
    void waitingPromptTokensAreBounded() {
        Admission a = new Admission(LIMITS, new StepRates());
        a.admit(900, Priority.INTERACTIVE, 0);
        AdmissionRejected e = assertThrows(AdmissionRejected.class, () -> a.admit(200, Priority.INTERACTIVE, 0));
        assertEquals(RejectReason.WAITING_TOKENS, e.reason());
        assertEquals(1, a.waiting(), "a refused request leaves no count behind");
        assertEquals(900, a.waitingPromptTokens());
        Admission empty = new Admission(LIMITS, new StepRates());
        empty.admit(5000, Priority.INTERACTIVE, 0); // alone, a long prompt is admitted: the bound is on queues
    }

    @Test
    void aDeadlineThatCannotBeMetIsRefusedAtOnce() {
        StepRates rates = new StepRates();
        rates.record(1000, TimeUnit.MILLISECONDS.toNanos(100)); // 10,000 prompt tokens/s
        rates.record(0, TimeUnit.MILLISECONDS.toNanos(10));
        Admission a = new Admission(LIMITS.withMaxWaiting(100, 100).withMaxWaitingPromptTokens(1 << 20), rates);
        a.admit(5000, Priority.INTERACTIVE, 0); // 0.5 s of prefill ahead
        long estimate = a.estimateFirstTokenNanos(1000, Priority.INTERACTIVE);
        assertEquals(610, TimeUnit.NANOSECONDS.toMillis(estimate), 1); // (5000 + 1000) / 10k + 10 ms
        long t0 = System.nanoTime();
        AdmissionRejected e = assertThrows(AdmissionRejected.class,
                () -> a.admit(1000, Priority.INTERACTIVE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        // well under the 200 ms a refusal that waited for the deadline would take; room for a busy machine's stalls
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(100), "refused without waiting");
        assertEquals(RejectReason.DEADLINE, e.reason());
        assertEquals(610, e.retryAfterMillis(), 1);
        a.admit(1000, Priority.INTERACTIVE, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        // batch waits behind interactive work too; interactive only behind interactive
        a.admit(20_000, Priority.BATCH, 0);
        assertTrue(a.estimateFirstTokenNanos(10, Priority.BATCH) > a.estimateFirstTokenNanos(10, Priority.INTERACTIVE));
    }

    @Test
    void whenEverySlotIsTakenTheWaitForOneCountsAndTheBoundRefuses() throws InterruptedException {
        StepRates rates = new StepRates();
        rates.record(1000, TimeUnit.MILLISECONDS.toNanos(100)); // 10,000 prompt tokens/s
        rates.capacity(2);
        rates.running(2);
        rates.completionsPerSecond(); // starts the sample
        for (int i = 0; i < 2; i++) {
            rates.completed();
        }
        Thread.sleep(600);
        double perSecond = rates.completionsPerSecond();
        assertTrue(perSecond > 2 && perSecond < 4, "2 completions in about 0.6 s: " + perSecond);
        Admission a = new Admission(LIMITS.withMaxFirstToken(TimeUnit.MILLISECONDS.toNanos(800)), rates);
        long first = a.estimateFirstTokenNanos(100, Priority.INTERACTIVE);
        assertTrue(first > TimeUnit.MILLISECONDS.toNanos(250) && first < TimeUnit.MILLISECONDS.toNanos(520),
                "one slot to wait for at ~3/s plus 10 ms of prefill: " + first);
        a.admit(100, Priority.INTERACTIVE, 0);
        a.admit(100, Priority.INTERACTIVE, 0);
        AdmissionRejected e = assertThrows(AdmissionRejected.class, () -> a.admit(100, Priority.INTERACTIVE, 0));
        assertEquals(RejectReason.TTFT_BOUND, e.reason(), "three slots to wait for exceed 800 ms");
        rates.running(0);
        a.admit(100, Priority.INTERACTIVE, 0); // slots free: no wait
    }

    @Test
    void withoutMeasuredRatesDeadlinesAreNotGuessed() {
        Admission a = new Admission(LIMITS, new StepRates());
        // 50 ms: shorter than any guess for 100 prompt tokens on a CPU would be, and longer than a stall
        // between taking the time and checking it (1 ms failed once on a busy 2-core machine)
        a.admit(100, Priority.INTERACTIVE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        assertEquals(RejectReason.DEADLINE, assertThrows(AdmissionRejected.class,
                () -> a.admit(100, Priority.INTERACTIVE, System.nanoTime() - 1)).reason(), "already passed");
    }
}
