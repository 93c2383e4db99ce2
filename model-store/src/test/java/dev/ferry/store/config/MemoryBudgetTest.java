package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryBudgetTest {

    @ParameterizedTest
    @CsvSource({
            "512MiB, 536870912",
            "2GB, 2000000000",
            "1073741824, 1073741824",
            "1.5GiB, 1610612736",
            "1.5 GiB, 1610612736",
            "64kib, 65536",
            "1KB, 1000",
            "10m, 10485760",
            "2g, 2147483648",
            "100b, 100",
            "1_073_741_824, 1073741824"})
    void sizesParseToBytesWithBinaryAndDecimalUnits(String text, long bytes) {
        MemoryBudget b = MemoryBudget.parse(text);
        assertFalse(b.isFraction());
        assertEquals(bytes, b.bytes());
        assertEquals(bytes, b.resolve(80L << 30)); // an absolute size ignores what the device has
    }

    @Test
    void decimalWithoutUnitIsAFractionOfAvailableMemory() {
        MemoryBudget b = MemoryBudget.parse("0.5");
        assertTrue(b.isFraction());
        assertEquals(0.5, b.fraction());
        assertEquals(1L << 29, b.resolve(1L << 30));
        assertEquals(1L << 30, MemoryBudget.parse("1.0").resolve(1L << 30));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "", "GiB", "12 parsecs", "50%", "1..5"})
    void textThatIsNeitherSizeNorFractionSaysWhatIsExpected(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("512MiB") && e.getMessage().contains("0.5"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "-0.5", "0.0"})
    void fractionOutsideZeroToOneIsRefusedWithTheValue(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(text));
        assertTrue(e.getMessage().contains("memory fraction must be in (0, 1]"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(Double.parseDouble(text))), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5GB", "0MiB"})
    void nonPositiveSizeIsRefused(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(text));
        assertTrue(e.getMessage().contains("memory size must be positive"), e.getMessage());
    }

    @Test
    void toStringShowsBytesOrFraction() {
        assertEquals("536870912 bytes", MemoryBudget.parse("512MiB").toString());
        assertEquals("0.5", MemoryBudget.parse("0.5").toString());
    }
}
