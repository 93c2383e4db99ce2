package dev.ferry.bench.load;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The measured requests of a run, gathered as they end: latencies as HdrHistograms (microseconds,
 * three significant digits) and counts. Requests end on client threads; one lock serializes the
 * recording, which is cheap next to a request's life.
 */
final class Measurements {
    private static final long HOUR_US = TimeUnit.HOURS.toMicros(1);

    private final long windowStart;
    private final Slo slo;
    private final Histogram ttft = histogram();
    private final Histogram itl = histogram();
    private final Histogram e2e = histogram();
    private final Histogram rejectionLatency = histogram();
    private final Histogram lag = histogram();
    private final Map<String, Long> errors = new TreeMap<>();
    private long sent;
    private long finished;
    private long rejected;
    private long failed;
    private long unanswered;
    private long shortOutputs;
    private long outputTokens;
    private long metSlo;
    private long lastEnd;

    /** @param windowStart when measured requests start to be due (the end of the warm-up) */
    Measurements(long windowStart, Slo slo) {
        this.windowStart = windowStart;
        this.slo = slo;
        this.lastEnd = windowStart;
    }

    synchronized void sent(long lagNanos) {
        sent++;
        lag.recordValue(us(lagNanos));
    }

    synchronized void ended(RequestTimeline t) {
        lastEnd = Math.max(lastEnd, t.end());
        switch (t.outcome()) {
            case FINISHED -> finished(t);
            case REJECTED -> {
                rejected++;
                rejectionLatency.recordValue(us(t.e2eNanos()));
            }
            case FAILED -> {
                failed++;
                errors.merge(t.status(), 1L, Long::sum);
            }
            case UNANSWERED -> unanswered++;
        }
    }

    private void finished(RequestTimeline t) {
        finished++;
        outputTokens += t.outputTokens();
        if (t.outputTokens() < t.request().outputTokens()) {
            shortOutputs++;
        }
        e2e.recordValue(us(t.e2eNanos()));
        if (!t.sawOutput()) {
            return; // nothing streamed (an empty answer): no first token to time
        }
        ttft.recordValue(us(t.ttftNanos()));
        for (int i = 0; i < t.gapCount(); i++) {
            itl.recordValue(us(t.gap(i)));
        }
        if (slo.met(t.ttftNanos(), t.meanGapNanos())) {
            metSlo++;
        }
    }

    synchronized LoadResult result(LoadResult.Setup setup) {
        double seconds = Math.max(1e-9, (lastEnd - windowStart) / 1e9);
        return new LoadResult(setup, round(seconds), sent, finished, rejected, failed, unanswered, shortOutputs,
                Collections.unmodifiableMap(new TreeMap<>(errors)), outputTokens, round(finished / seconds), round(outputTokens / seconds),
                slo.any() ? round(metSlo / seconds) : null, Percentiles.of(ttft), Percentiles.of(itl), Percentiles.of(e2e),
                Percentiles.of(rejectionLatency), Percentiles.of(lag));
    }

    private static Histogram histogram() {
        return new Histogram(HOUR_US, 3);
    }

    /** Nanoseconds to whole microseconds, clamped into the histograms' range. */
    private static long us(long nanos) {
        return Math.min(HOUR_US, Math.max(0, nanos / 1000));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
