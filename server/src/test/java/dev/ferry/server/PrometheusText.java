package dev.ferry.server;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a scrape in Prometheus' text format, as the server's /metrics writes it. */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** Sample values by name and labels as written ({@code name{a="x",b="y"}}), in order. */
    public static Map<String, Double> samples(String body) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }
}
