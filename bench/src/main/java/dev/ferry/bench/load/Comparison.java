package dev.ferry.bench.load;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A run's key figures against a baseline run's: a figure regressed when it is worse by more than
 * the allowed fraction (lower throughput or goodput, higher latency). Figures the baseline lacks
 * (no goodput without an SLO, no latency without a finished request) are not compared.
 */
final class Comparison {
    /** A compared figure and which direction is better. */
    private record Figure(String name, Function<LoadResult, Double> read, boolean higherIsBetter) {}

    /** One figure of both runs. */
    record Delta(String name, double baseline, double current, boolean regressed) {
        double changePercent() {
            return 100 * (current - baseline) / baseline;
        }
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("request_throughput", LoadResult::requestThroughput, true),
            new Figure("output_tokens_per_second", LoadResult::outputTokensPerSecond, true),
            new Figure("goodput", LoadResult::goodput, true),
            new Figure("ttft_ms.p50", r -> r.ttftMs().p50(), false),
            new Figure("ttft_ms.p95", r -> r.ttftMs().p95(), false),
            new Figure("ttft_ms.p99", r -> r.ttftMs().p99(), false),
            new Figure("itl_ms.p50", r -> r.itlMs().p50(), false),
            new Figure("itl_ms.p95", r -> r.itlMs().p95(), false),
            new Figure("itl_ms.p99", r -> r.itlMs().p99(), false),
            new Figure("e2e_ms.p50", r -> r.e2eMs().p50(), false),
            new Figure("e2e_ms.p95", r -> r.e2eMs().p95(), false),
            new Figure("e2e_ms.p99", r -> r.e2eMs().p99(), false));

    private final List<Delta> deltas;

    private Comparison(List<Delta> deltas) {
        this.deltas = deltas;
    }

    /** @param maxRegression allowed worsening as a fraction (0.1 for 10%) */
    static Comparison of(LoadResult baseline, LoadResult current, double maxRegression) {
        List<Delta> deltas = new ArrayList<>();
        for (Figure f : FIGURES) {
            Double b = f.read().apply(baseline);
            Double c = f.read().apply(current);
            if (b == null || c == null || b == 0) {
                continue;
            }
            boolean regressed = f.higherIsBetter() ? c < b * (1 - maxRegression) : c > b * (1 + maxRegression);
            deltas.add(new Delta(f.name(), b, c, regressed));
        }
        return new Comparison(deltas);
    }

    List<Delta> deltas() {
        return deltas;
    }

    List<Delta> regressions() {
        return deltas.stream().filter(Delta::regressed).toList();
    }

    void print(PrintWriter out, double maxRegression) {
        out.printf("%nagainst the baseline (allowed regression %.1f%%):%n", 100 * maxRegression);
        for (Delta d : deltas) {
            out.printf("  %-26s %12.3f -> %12.3f  %+8.1f%%%s%n", d.name(), d.baseline(), d.current(), d.changePercent(),
                    d.regressed() ? "  REGRESSED" : "");
        }
        List<Delta> r = regressions();
        out.println(r.isEmpty() ? "no regression" : "regressed: " + String.join(", ", r.stream().map(Delta::name).toList()));
    }
}
