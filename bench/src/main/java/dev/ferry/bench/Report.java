package dev.ferry.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Prints results as an aligned table on stdout and, when asked, writes them as JSON. */
final class Report {
    private Report() {}

    static void print(Map<String, Object> results, String jsonOut) throws IOException {
        int width = results.keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Map.Entry<String, Object> e : results.entrySet()) {
            System.out.printf("%-" + width + "s  %s%n", e.getKey(), e.getValue());
        }
        if (jsonOut != null) {
            writeJson(results, jsonOut);
        }
    }

    /** Writes the results as JSON only: a long run saves what it has after each part. */
    static void writeJson(Map<String, Object> results, String jsonOut) throws IOException {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(Path.of(jsonOut).toFile(), results);
    }
}
