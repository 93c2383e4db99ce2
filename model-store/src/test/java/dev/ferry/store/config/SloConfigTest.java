package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelLoadException;
import dev.ferry.store.config.SloConfig.Latency;
import dev.ferry.store.config.SloConfig.Slo;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SloConfigTest {

    @Test
    void ferryPropertiesCarriesObjectivesAndAWindow() throws IOException {
        ServingConfig c = ServingConfig.parse(properties("""
                max-num-seqs=8
                slo.ttft.p95=500ms
                slo.itl.p99.9=100ms
                slo.e2e.p99=2s
                slo.window=30s
                """));
        assertEquals(Duration.ofSeconds(30), c.slo().window());
        assertEquals(List.of("e2e.p99", "itl.p99.9", "ttft.p95"), c.slo().objectives().stream().map(Slo::name).toList());
        Slo ttft = c.slo().objectives().get(2);
        assertEquals(Latency.TTFT, ttft.latency());
        assertEquals(95.0, ttft.percentile());
        assertEquals(Duration.ofMillis(500), ttft.threshold());
    }

    @Test
    void withoutSloKeysThereAreNoObjectivesAndTheDefaultWindow() throws IOException {
        SloConfig c = ServingConfig.parse(properties("max-num-seqs=8")).slo();
        assertTrue(c.isEmpty());
        assertNull(c.window());
        assertEquals(SloConfig.DEFAULT_WINDOW, c.effectiveWindow());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "slo.ttfb.p95=500ms | key 'slo.ttfb.p95': unknown latency 'ttfb'",
            "slo.ttft=500ms     | key 'slo.ttft': expected slo.<latency>.p<percentile>",
            "slo.ttft.p0=1s     | key 'slo.ttft.p0': percentile p0 is outside",
            "slo.ttft.p101=1s   | key 'slo.ttft.p101': percentile p101 is outside",
            "slo.ttft.p95=fast  | key 'slo.ttft.p95': expected a duration such as 250us",
            "slo.ttft.p95=0ms   | key 'slo.ttft.p95': the threshold must be positive",
            "slo.window=1.5s    | key 'slo.window': the window must be whole seconds",
            "slo.window=2h      | key 'slo.window': the window must be whole seconds"})
    void badKeysAndValuesAreNamedInTheError(String line, String expected) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ServingConfig.parse(properties(line)));
        assertTrue(e.getMessage().startsWith("ferry.properties: " + expected), e.getMessage());
    }

    @Test
    void theSameObjectiveTwiceIsAnError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SloConfig.parse(Map.of("slo.ttft.p95", "1s", "slo.ttft.p95.0", "2s")));
        assertTrue(e.getMessage().contains("sets ttft.p95 a second time"), e.getMessage());
    }

    @Test
    void aModelsOwnObjectivesAndWindowWinOverDefaults() {
        SloConfig defaults = SloConfig.parse(Map.of("slo.ttft.p95", "1s", "slo.e2e.p99", "10s", "slo.window", "120s"));
        SloConfig own = SloConfig.parse(Map.of("slo.ttft.p95", "200ms"));
        SloConfig merged = own.over(defaults);
        assertEquals(Duration.ofSeconds(120), merged.effectiveWindow());
        assertEquals(Map.of("ttft.p95", Duration.ofMillis(200), "e2e.p99", Duration.ofSeconds(10)),
                merged.objectives().stream().collect(java.util.stream.Collectors.toMap(Slo::name, Slo::threshold)));
        assertEquals(Duration.ofSeconds(5), SloConfig.parse(Map.of("slo.window", "5s")).over(defaults).window());
    }

    private static Properties properties(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }
}
