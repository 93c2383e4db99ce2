package dev.ferry.bench.load;

import java.time.Duration;

/**
 * Service-level objectives a request must meet to count toward goodput: time to first token, and
 * mean inter-token latency over its output (as vLLM's goodput holds TPOT). Either may be absent.
 */
record Slo(Duration ttft, Duration itl) {

    boolean any() {
        return ttft != null || itl != null;
    }

    boolean met(long ttftNanos, long meanItlNanos) {
        return (ttft == null || ttftNanos <= ttft.toNanos()) && (itl == null || meanItlNanos <= itl.toNanos());
    }

    Double ttftMs() {
        return ttft == null ? null : ttft.toNanos() / 1e6;
    }

    Double itlMs() {
        return itl == null ? null : itl.toNanos() / 1e6;
    }
}
