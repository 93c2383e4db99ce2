package dev.ferry.bench.load;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Results as JSON files, snake_case: a run's {@link LoadResult}, or a sweep's points and crossing. */
final class ResultsJson {
    /** A sweep: its runs in increasing rate, and where p95 TTFT crosses the SLO (null without --slo-ttft). */
    record Sweep(List<LoadResult> points, Crossing p95TtftCrossing) {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ResultsJson() {}

    static void write(Path file, Object results) throws IOException {
        MAPPER.writeValue(file.toFile(), results);
    }

    static LoadResult readRun(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        try {
            return MAPPER.readValue(file.toFile(), LoadResult.class);
        } catch (JacksonException e) {
            throw new IOException(file + ": not the JSON of one ferry bench run (" + e.getOriginalMessage() + ")");
        }
    }
}
