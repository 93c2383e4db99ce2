package dev.ferry.bench.load;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A sweep as one self-contained HTML page: TTFT, inter-token latency and goodput against offered
 * load, each an inline SVG chart ({@link SvgChart}), and the figures as a table.
 */
final class SweepPlot {
    private SweepPlot() {}

    static String html(List<LoadResult> points, Crossing crossing) {
        double[] rates = values(points, r -> r.setup().rate());
        LoadResult.Setup s = points.get(0).setup();
        // latencies span decades between light load and overload: log scales keep both readable
        SvgChart ttft = new SvgChart("Time to first token (ms)", "offered load (req/s)", rates).logY()
                .series("p50", "#1f77b4", values(points, r -> r.ttftMs().p50()))
                .series("p95", "#ff7f0e", values(points, r -> r.ttftMs().p95()))
                .series("p99", "#d62728", values(points, r -> r.ttftMs().p99()));
        if (crossing != null) {
            ttft.threshold(crossing.thresholdMs(), "SLO " + fmt(crossing.thresholdMs()) + " ms");
            if (crossing.rate() != null) {
                ttft.marker(crossing.rate(), "p95 crosses at " + fmt(crossing.rate()));
            }
        }
        SvgChart itl = new SvgChart("Inter-token latency (ms)", "offered load (req/s)", rates).logY()
                .series("p50", "#1f77b4", values(points, r -> r.itlMs().p50()))
                .series("p99", "#d62728", values(points, r -> r.itlMs().p99()));
        SvgChart throughput = new SvgChart("Throughput and goodput (req/s)", "offered load (req/s)", rates)
                .series("offered", "#bbbbbb", rates)
                .series("finished", "#7f7f7f", values(points, LoadResult::requestThroughput));
        if (s.sloTtftMs() != null || s.sloItlMs() != null) {
            throughput.series("goodput", "#2ca02c", values(points, r -> r.goodput() == null ? 0 : r.goodput()));
        }
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ferry bench sweep</title>\n"
                + "<style>body{font-family:sans-serif;margin:20px}td,th{padding:2px 8px;text-align:right}"
                + "table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}</style></head><body>\n");
        b.append("<h2>ferry bench: ").append(SvgChart.escape(s.model())).append(" at ").append(SvgChart.escape(s.target()))
                .append("</h2>\n<p>prompts ").append(SvgChart.escape(s.promptTokens())).append(" tokens (shared prefix ")
                .append(fmt(s.sharedPrefix())).append("), outputs ").append(SvgChart.escape(s.outputTokens()))
                .append(" tokens; Poisson arrivals.");
        if (crossing != null) {
            b.append(' ').append(SvgChart.escape(crossing.describe())).append('.');
        }
        b.append("</p>\n<div>\n").append(ttft.svg()).append(itl.svg()).append(throughput.svg()).append("</div>\n");
        table(b, points);
        return b.append("</body></html>\n").toString();
    }

    private static void table(StringBuilder b, List<LoadResult> points) {
        b.append("<table><tr><th>rate</th><th>req/s</th><th>tok/s</th><th>goodput</th><th>TTFT p50</th><th>TTFT p95</th>"
                + "<th>TTFT p99</th><th>ITL p50</th><th>ITL p99</th><th>E2E p50</th><th>rejected</th><th>failed</th>"
                + "<th>unanswered</th></tr>\n");
        for (LoadResult r : points) {
            b.append("<tr>");
            for (Object v : new Object[] {r.setup().rate(), r.requestThroughput(), r.outputTokensPerSecond(),
                    r.goodput() == null ? "-" : r.goodput(), r.ttftMs().p50(), r.ttftMs().p95(), r.ttftMs().p99(),
                    r.itlMs().p50(), r.itlMs().p99(), r.e2eMs().p50(), r.rejected(), r.failed(), r.unanswered()}) {
                b.append("<td>").append(v instanceof Double d ? fmt(d) : v).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static double[] values(List<LoadResult> points, ToDoubleFunction<LoadResult> f) {
        return points.stream().mapToDouble(f).toArray();
    }

    private static String fmt(double v) {
        return SvgChart.number(v);
    }
}
