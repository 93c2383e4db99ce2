package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what CPython 3 prints for the same values. */
class PythonJsonTest {
    @Test
    void floatsUsePythonsRepr() {
        double[] values = {1e-05, 1e-06, 0.02, 500000.0, 1e16, 1.5e-7, 0.0001, 1e15, 123456789012345678.0, -2.5, 0.1 + 0.2};
        List<String> python = List.of("1e-05", "1e-06", "0.02", "500000.0", "1e+16", "1.5e-07", "0.0001",
                "1000000000000000.0", "1.2345678901234568e+17", "-2.5", "0.30000000000000004");
        for (int i = 0; i < values.length; i++) {
            assertEquals(python.get(i), PythonJson.pythonFloat(values[i]));
        }
    }

    @Test
    void layoutAndEscapingMatchJsonDumpsIndent2SortKeys() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("b", List.of(1, Map.of()));
        obj.put("a", "q\"\\\n\u0001é");
        obj.put("c", List.of());
        assertEquals("""
                {
                  "a": "q\\"\\\\\\n\\u0001é",
                  "b": [
                    1,
                    {}
                  ],
                  "c": []
                }
                """, PythonJson.write(obj, true));
    }

    @Test
    void oneLineLayoutIsJsonDumpsWithTheMapsOwnKeyOrder() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("b", 1);
        obj.put("a", List.of(1.0, "é\n", true, Map.of(), List.of()));
        obj.put("c", null);
        obj.put("f", 2.5f);
        obj.put("n", Double.NaN);
        // json.dumps({"b": 1, "a": [1.0, "é\n", True, {}, []], "c": None, "f": 2.5, "n": float("nan")}, ensure_ascii=False)
        assertEquals("{\"b\": 1, \"a\": [1.0, \"é\\n\", true, {}, []], \"c\": null, \"f\": 2.5, \"n\": NaN}",
                PythonJson.dumps(obj));
    }
}
