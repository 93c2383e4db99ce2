package dev.ferry.bench.load;

import java.io.PrintWriter;
import java.util.List;

/** Prints results for a person: one run as a block of figures, a sweep as one row per rate. */
final class ResultTable {
    private ResultTable() {}

    static void print(PrintWriter out, LoadResult r) {
        LoadResult.Setup s = r.setup();
        out.printf("target     %s  model %s  prompts %s tokens (shared prefix %.2f), outputs %s tokens, seed %d%n",
                s.target(), s.model(), s.promptTokens(), s.sharedPrefix(), s.outputTokens(), s.seed());
        out.printf("load       %s, measured %.1f s%n", load(s), r.measuredSeconds());
        out.printf("requests   sent %d, finished %d, rejected %d, failed %d, unanswered %d, short outputs %d%n",
                r.sent(), r.finished(), r.rejected(), r.failed(), r.unanswered(), r.shortOutputs());
        out.printf("throughput %.3f req/s, %.1f output tokens/s, %d output tokens%n", r.requestThroughput(),
                r.outputTokensPerSecond(), r.outputTokens());
        if (r.goodput() != null) {
            out.printf("goodput    %.3f req/s within %s%n", r.goodput(), slo(s));
        }
        out.printf("%-12s %9s %9s %9s %9s %9s %9s %8s%n", "latency ms", "p50", "p90", "p95", "p99", "mean", "max", "count");
        row(out, "TTFT", r.ttftMs());
        row(out, "ITL", r.itlMs());
        row(out, "E2E", r.e2eMs());
        row(out, "rejected", r.rejectionLatencyMs());
        row(out, "send lag", r.schedulingLagMs());
        if (!r.errors().isEmpty()) {
            out.println("errors     " + r.errors());
        }
        if (r.unanswered() > 0) {
            out.println("WARNING: " + r.unanswered() + " requests had no terminal answer when the run ended");
        }
    }

    static void printSweep(PrintWriter out, List<LoadResult> points) {
        out.printf("%n%8s %8s %9s %8s | %9s %9s %9s | %8s %8s | %9s | %6s %6s %6s%n", "rate", "req/s", "tok/s", "goodput",
                "TTFT p50", "TTFT p95", "TTFT p99", "ITL p50", "ITL p99", "E2E p50", "rej", "err", "unans");
        for (LoadResult r : points) {
            out.printf("%8.3f %8.3f %9.1f %8s | %9.1f %9.1f %9.1f | %8.1f %8.1f | %9.1f | %6d %6d %6d%n",
                    r.setup().rate(), r.requestThroughput(), r.outputTokensPerSecond(),
                    r.goodput() == null ? "-" : String.format("%.3f", r.goodput()), r.ttftMs().p50(), r.ttftMs().p95(),
                    r.ttftMs().p99(), r.itlMs().p50(), r.itlMs().p99(), r.e2eMs().p50(), r.rejected(), r.failed(),
                    r.unanswered());
        }
    }

    private static String load(LoadResult.Setup s) {
        return s.rate() != null ? String.format("open loop, Poisson %.3f req/s", s.rate())
                : s.concurrency() != null ? "closed loop, " + s.concurrency() + " concurrent"
                : "burst of " + s.burst() + " requests at once";
    }

    private static String slo(LoadResult.Setup s) {
        String ttft = s.sloTtftMs() == null ? null : "TTFT <= " + s.sloTtftMs() + " ms";
        String itl = s.sloItlMs() == null ? null : "mean ITL <= " + s.sloItlMs() + " ms";
        return ttft == null ? itl : itl == null ? ttft : ttft + " and " + itl;
    }

    private static void row(PrintWriter out, String name, Percentiles p) {
        out.printf("%-12s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %8d%n", name, p.p50(), p.p90(), p.p95(), p.p99(), p.mean(),
                p.max(), p.count());
    }
}
