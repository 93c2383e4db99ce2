package dev.ferry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one {@link GpuBenchmark} run, in the order they were measured, and the runner of
 * its parts: a part that fails is recorded as {@code <part>_error} and the run goes on, and the JSON
 * is rewritten after every part, so a run cut short keeps what it measured.
 */
final class GpuResults {
    /** One part of the benchmark. */
    interface Part {
        void run() throws Exception;
    }

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final String jsonOut;

    /** @param jsonOut where the JSON goes; null for none */
    GpuResults(String jsonOut) {
        this.jsonOut = jsonOut;
    }

    void put(String key, Object value) {
        values.put(key, value);
    }

    Object get(String key) {
        return values.get(key);
    }

    /** Runs one part of the benchmark; a failure is recorded and the rest still runs. */
    void part(String name, Part body) {
        long s = System.nanoTime();
        System.err.printf("gpu-bench: %s ...%n", name);
        try {
            body.run();
        } catch (Exception | OutOfMemoryError e) {
            String msg = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            values.put(name + "_error", msg);
            System.err.printf("gpu-bench: %s failed: %s%n", name, msg);
            e.printStackTrace();
        }
        System.err.printf("gpu-bench: %s done in %.1f s%n", name, (System.nanoTime() - s) / 1e9);
        save();
    }

    void save() {
        if (jsonOut != null) {
            try {
                Report.writeJson(values, jsonOut);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The table on stdout, and the JSON a last time. */
    void print() throws IOException {
        Report.print(values, jsonOut);
    }
}
