package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.store.ModelLoadException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** ferry.properties' {@code quantize} key. */
class QuantizeKeyTest {
    @Test
    void int8IsReadInAnyCaseAndUnsetIsNone() {
        assertEquals(Quantization.INT8, parse(" INT8 ").quantize());
        assertNull(ServingConfig.parse(new Properties()).quantize());
    }

    @Test
    void anUnknownValueNamesTheKeyAndTheKnownValues() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> parse("int4"));
        assertEquals("ferry.properties: key 'quantize': unknown quantization 'int4' (expected int8)", e.getMessage());
    }

    private static ServingConfig parse(String quantize) {
        Properties p = new Properties();
        p.setProperty("quantize", quantize);
        return ServingConfig.parse(p);
    }
}
