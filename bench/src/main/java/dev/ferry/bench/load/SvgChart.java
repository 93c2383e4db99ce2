package dev.ferry.bench.load;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart of a few series over shared x values, drawn as an inline SVG element: linear axes
 * from zero with round ticks, a legend, and optional dashed guides (a threshold across, a rate
 * upward). Written by hand so a report opens anywhere without a network or a charting library.
 */
final class SvgChart {
    private static final int WIDTH = 460;
    private static final int HEIGHT = 300;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 45;

    record Series(String name, String color, double[] y) {}

    private final String title;
    private final String xLabel;
    private final double[] x;
    private final List<Series> series = new ArrayList<>();
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
        double xMax = niceCeiling(max(x, 0));
        double yMax = niceCeiling(Math.max(series.stream().mapToDouble(s -> max(s.y(), 0)).max().orElse(0),
                thresholdY == null ? 0 : thresholdY));
        StringBuilder b = new StringBuilder();
        b.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                + "font-size=\"11\">%n", WIDTH, HEIGHT));
        b.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        axes(b, xMax, yMax);
        if (thresholdY != null) {
            double y = py(thresholdY, yMax);
            b.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"5,4\"/>%n", LEFT, y,
                    WIDTH - RIGHT, y));
            b.append(f("<text x=\"%d\" y=\"%.1f\" fill=\"#c00\" text-anchor=\"end\">%s</text>%n", WIDTH - RIGHT - 2, y - 4,
                    escape(thresholdLabel)));
        }
        if (markerX != null) {
            double mx = px(markerX, xMax);
            b.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>%n", mx,
                    TOP, mx, HEIGHT - BOTTOM));
            b.append(f("<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n", mx + 3, TOP + 10, escape(markerLabel)));
        }
        for (int i = 0; i < series.size(); i++) {
            line(b, series.get(i), xMax, yMax, i);
        }
        return b.append("</svg>\n").toString();
    }

    private void axes(StringBuilder b, double xMax, double yMax) {
        int bottom = HEIGHT - BOTTOM;
        b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", LEFT, bottom, WIDTH - RIGHT, bottom));
        b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n", LEFT, TOP, LEFT, bottom));
        for (int i = 0; i <= 5; i++) {
            double xv = xMax * i / 5;
            double yv = yMax * i / 5;
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px(xv, xMax), bottom + 15, number(xv)));
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 5, py(yv, yMax) + 4, number(yv)));
            b.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", LEFT + 1, py(yv, yMax),
                    WIDTH - RIGHT, py(yv, yMax)));
        }
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8,
                escape(xLabel)));
    }

    private void line(StringBuilder b, Series s, double xMax, double yMax, int index) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            points.append(f("%.1f,%.1f ", px(x[i], xMax), py(s.y()[i], yMax)));
        }
        b.append(f("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", s.color(),
                points.toString().trim()));
        for (int i = 0; i < x.length; i++) {
            b.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s at %s: %s</title></circle>%n",
                    px(x[i], xMax), py(s.y()[i], yMax), s.color(), escape(s.name()), number(x[i]), number(s.y()[i])));
        }
        int ly = TOP + 4 + 14 * index;
        b.append(f("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>%n", LEFT + 10, ly, s.color()));
        b.append(f("<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 27, ly + 5, escape(s.name())));
    }

    private static double px(double v, double max) {
        return LEFT + (WIDTH - LEFT - RIGHT) * v / max;
    }

    private static double py(double v, double max) {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * v / max;
    }

    private static double max(double[] values, double floor) {
        double m = floor;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}, so ticks fall on round numbers. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
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
