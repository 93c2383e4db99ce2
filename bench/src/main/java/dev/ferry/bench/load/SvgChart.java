package dev.ferry.bench.load;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.DoubleStream;

/**
 * A line chart of a few series over shared x values, drawn as an inline SVG element: a linear x
 * axis from zero, a linear or logarithmic y axis with round ticks, a legend, and optional dashed
 * guides (a threshold across, a rate upward). Written by hand so a report opens anywhere without a
 * network or a charting library.
 */
final class SvgChart {
    private static final int WIDTH = 460;
    private static final int HEIGHT = 300;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 45;

    record Series(String name, String color, double[] y) {}

    /** Where values fall between two pixel positions, and which values get a labelled tick. */
    private record Scale(double lo, double hi, double step, boolean log, double from, double to) {
        /** From zero to a round multiple of a round step at or above every value. */
        static Scale linear(DoubleStream values, double from, double to) {
            double max = values.max().orElse(1);
            double step = niceCeiling(max / 5);
            return new Scale(0, Math.max(step, step * Math.ceil(max / step - 1e-9)), step, false, from, to);
        }

        /** Between round numbers around the positive values: latencies that span decades stay readable. */
        static Scale log(DoubleStream values, double from, double to) {
            double[] v = values.filter(d -> d > 0).toArray();
            double lo = niceFloor(Arrays.stream(v).min().orElse(1));
            return new Scale(lo, Math.max(niceCeiling(Arrays.stream(v).max().orElse(10)), 2 * lo), 0, true, from, to);
        }

        double at(double v) {
            double f = log ? Math.log(Math.max(v, lo) / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo);
            return from + (to - from) * f;
        }

        /** Linear: every step. Log: the ends, and each 1, 2 and 5 between them (each power of ten over two decades). */
        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (!log) {
                for (int i = 0; i <= Math.round((hi - lo) / step); i++) {
                    t.add(lo + i * step);
                }
                return t;
            }
            double[] multiples = hi / lo <= 100 ? new double[] {1, 2, 5} : new double[] {1};
            t.add(lo);
            for (double decade = Math.pow(10, Math.floor(Math.log10(lo))); decade < hi; decade *= 10) {
                for (double m : multiples) {
                    if (m * decade > lo * 1.0001 && m * decade < hi * 0.9999) {
                        t.add(m * decade);
                    }
                }
            }
            t.add(hi);
            return t;
        }
    }

    private final String title;
    private final String xLabel;
    private final double[] x;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private Double thresholdY;
    private String thresholdLabel;
    private Double markerX;
    private String markerLabel;

    SvgChart(String title, String xLabel, double[] x) {
        this.title = title;
        this.xLabel = xLabel;
        this.x = x;
    }

    SvgChart series(String name, String color, double[] y) {
        series.add(new Series(name, color, y));
        return this;
    }

    SvgChart logY() {
        logY = true;
        return this;
    }

    SvgChart threshold(double y, String label) {
        thresholdY = y;
        thresholdLabel = label;
        return this;
    }

    SvgChart marker(double atX, String label) {
        markerX = atX;
        markerLabel = label;
        return this;
    }

    String svg() {
        Scale xs = Scale.linear(Arrays.stream(x), LEFT, WIDTH - RIGHT);
        DoubleStream ys = DoubleStream.concat(series.stream().flatMapToDouble(s -> Arrays.stream(s.y())),
                thresholdY == null ? DoubleStream.empty() : DoubleStream.of(thresholdY));
        Scale yScale = logY ? Scale.log(ys, HEIGHT - BOTTOM, TOP) : Scale.linear(ys, HEIGHT - BOTTOM, TOP);
        StringBuilder b = new StringBuilder();
        b.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                + "font-size=\"11\">%n", WIDTH, HEIGHT));
        b.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", LEFT,
                escape(title + (logY ? " (log scale)" : ""))));
        axes(b, xs, yScale);
        if (thresholdY != null) {
            double y = yScale.at(thresholdY);
            b.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"5,4\"/>%n", LEFT, y,
                    WIDTH - RIGHT, y));
            b.append(f("<text x=\"%d\" y=\"%.1f\" fill=\"#c00\" text-anchor=\"end\">%s</text>%n", WIDTH - RIGHT - 2, y - 4,
                    escape(thresholdLabel)));
        }
        if (markerX != null) {
            double mx = xs.at(markerX);
            b.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>%n", mx,
                    TOP, mx, HEIGHT - BOTTOM));
            b.append(f("<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n", mx + 3, HEIGHT - BOTTOM - 6,
                    escape(markerLabel)));
        }
        for (int i = 0; i < series.size(); i++) {
            line(b, series.get(i), xs, yScale, i);
        }
        return b.append("</svg>\n").toString();
    }

    private void axes(StringBuilder b, Scale xs, Scale ys) {
        int bottom = HEIGHT - BOTTOM;
        b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", LEFT, bottom, WIDTH - RIGHT, bottom));
        b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", LEFT, TOP, LEFT, bottom));
        for (double v : xs.ticks()) {
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", xs.at(v), bottom + 15, number(v)));
        }
        for (double v : ys.ticks()) {
            double y = ys.at(v);
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 5, y + 4, number(v)));
            b.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", LEFT + 1, y, WIDTH - RIGHT, y));
        }
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8,
                escape(xLabel)));
    }

    private void line(StringBuilder b, Series s, Scale xs, Scale ys, int index) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            points.append(f("%.1f,%.1f ", xs.at(x[i]), ys.at(s.y()[i])));
        }
        b.append(f("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", s.color(),
                points.toString().trim()));
        for (int i = 0; i < x.length; i++) {
            b.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s at %s: %s</title></circle>%n",
                    xs.at(x[i]), ys.at(s.y()[i]), s.color(), escape(s.name()), number(x[i]), number(s.y()[i])));
        }
        int ly = TOP + 4 + 14 * index;
        b.append(f("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>%n", LEFT + 10, ly, s.color()));
        b.append(f("<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 27, ly + 5, escape(s.name())));
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}, so ticks fall on round numbers. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5}) {
            if (m * p >= v * 0.9999) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** The largest 1, 2 or 5 times a power of ten at or below {@code v} (which is positive). */
    static double niceFloor(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {5, 2, 1}) {
            if (m * p <= v * 1.0001) {
                return m * p;
            }
        }
        return p;
    }

    /** Four significant digits in plain notation ("1235", "0.25"): axis ticks and labels read as figures. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
