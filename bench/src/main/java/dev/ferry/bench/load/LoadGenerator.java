package dev.ferry.bench.load;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one plan against a client. One driver thread sends each request when {@link Arrivals} says
 * it is due and never waits for answers (clients are asynchronous), so an open loop stays open
 * however slow the server gets; when the driver itself falls behind, the request still goes out,
 * late, and its lag is recorded. Answers are counted as they end; once sending stops, requests
 * still in flight after the drain timeout are cancelled and counted as unanswered.
 */
final class LoadGenerator {
    /** A deadline far enough away to mean "none", with room left before nanoTime arithmetic overflows. */
    private static final long NO_DEADLINE_NANOS = Long.MAX_VALUE / 4;

    private final LoadClient client;
    private final Workload workload;
    private final LoadPlan plan;
    private final Set<RequestTimeline> inFlight = ConcurrentHashMap.newKeySet();

    LoadGenerator(LoadClient client, Workload workload, LoadPlan plan) {
        this.client = client;
        this.workload = workload;
        this.plan = plan;
    }

    Measurements run(Slo slo) throws InterruptedException {
        // a burst's requests are all due at once: drawn and encoded before it, so the driver only sends them
        Deque<LoadClient.Prepared> ready = new ArrayDeque<>();
        for (int i = 0; plan.burst() != null && i < plan.burst(); i++) {
            ready.add(client.prepare(workload.next()));
        }
        long start = System.nanoTime();
        long windowStart = start + plan.warmup().toNanos();
        long deadline = plan.duration() != null ? windowStart + plan.duration().toNanos() : start + NO_DEADLINE_NANOS;
        Arrivals arrivals = plan.arrivals(start);
        Measurements measurements = new Measurements(windowStart, slo);
        long measuredSent = 0;
        while (plan.requests() == null || measuredSent < plan.requests()) {
            long due = arrivals.awaitNext(deadline);
            if (due == Long.MIN_VALUE) {
                break;
            }
            boolean measured = due - windowStart >= 0;
            LoadClient.Prepared request = ready.isEmpty() ? client.prepare(workload.next()) : ready.poll();
            RequestTimeline t = new RequestTimeline(due, request.request(), measured, ended -> {
                inFlight.remove(ended);
                arrivals.ended();
                if (ended.measured()) {
                    measurements.ended(ended);
                }
            });
            inFlight.add(t);
            if (measured) {
                measuredSent++;
                measurements.sent(System.nanoTime() - due);
            }
            request.start().accept(t);
        }
        drain(plan.drainTimeout().toNanos());
        return measurements;
    }

    private void drain(long timeoutNanos) throws InterruptedException {
        long until = System.nanoTime() + timeoutNanos;
        while (!inFlight.isEmpty() && System.nanoTime() - until < 0) {
            Thread.sleep(5);
        }
        for (RequestTimeline t : inFlight) {
            t.abandon(System.nanoTime());
        }
    }
}
