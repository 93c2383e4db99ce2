package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelLoadException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** An encoder's ferry.properties keys (batcher, Matryoshka sizes): read into ServingConfig, errors naming the key. */
class EncoderBatchConfigTest {

    private static ServingConfig parse(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return ServingConfig.parse(p);
    }

    @Test
    void keysOverrideTheDefaults() {
        Properties p = new Properties();
        p.setProperty("max-queue-delay", "2ms");
        p.setProperty("preferred-batch-sizes", "32, 8,16");
        p.setProperty("max-batch-tokens", "4096");
        EncoderBatchConfig c = ServingConfig.parse(p).encoderBatching();
        assertEquals(Duration.ofMillis(2), c.maxQueueDelay());
        assertEquals(List.of(8, 16, 32), c.preferredBatchSizes());
        assertEquals(32, c.maxBatchSize());
        assertEquals(4096, c.maxBatchTokens());
        assertEquals(EncoderBatchConfig.defaults(), ServingConfig.defaults().encoderBatching());
    }

    @Test
    void badValuesNameTheKey() {
        for (String[] kv : new String[][] {{"max-queue-delay", "5"}, {"preferred-batch-sizes", "8,0"},
                {"preferred-batch-sizes", ","}, {"max-batch-tokens", "-1"},
                {"matryoshka-dimensions", "64,x"}, {"matryoshka-dimensions", "0"}, {"matryoshka-dimensions", " , "}}) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> parse(kv[0], kv[1]));
            assertTrue(e.getMessage().startsWith("ferry.properties: key '" + kv[0] + "': "), e.getMessage());
        }
    }

    @Test
    void groupByLengthIsGoneNowThatBatchesArePacked() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> parse("group-by-length", "true"));
        assertTrue(e.getMessage().startsWith("ferry.properties: key 'group-by-length': unknown key"), e.getMessage());
    }

    @Test
    void matryoshkaDimensionsAreSortedSizesAndNoneByDefault() {
        assertEquals(List.of(64, 128, 256), parse("matryoshka-dimensions", "256, 64,128,64").matryoshkaDimensions());
        assertEquals(List.of(), ServingConfig.defaults().matryoshkaDimensions());
    }
}
