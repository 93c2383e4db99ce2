package dev.ferry.store;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes JSON text byte for byte as Python's {@code json.dumps} does, floats in Python's repr
 * ({@code 1e-05}, {@code 500000.0}) and non-ASCII text as is ({@code ensure_ascii=False}), in two
 * layouts: indented by two ({@code indent=2}: {@code ": "} after keys, no space after commas), which
 * is how transformers and tokenizers files on the Hub look; and on one line ({@code ", "} and
 * {@code ": "}), which is what transformers' {@code tojson} filter gives chat templates.
 */
public final class PythonJson {
    private final boolean indent;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    private PythonJson(boolean indent, boolean sortKeys) {
        this.indent = indent;
        this.sortKeys = sortKeys;
    }

    /**
     * The indented JSON text of {@code value} (Maps, Lists, Strings, Integers/Longs, Doubles, Booleans
     * and null), with a trailing newline as HF's save_pretrained writes.
     */
    public static String write(Object value, boolean sortKeys) {
        PythonJson w = new PythonJson(true, sortKeys);
        w.value(value, 0);
        return w.out.append('\n').toString();
    }

    /**
     * {@code json.dumps(value, ensure_ascii=False)}: one line, keys in the map's order; any other
     * number as Java prints it, any other iterable as a list and any other object as its string.
     */
    public static String dumps(Object value) {
        PythonJson w = new PythonJson(false, false);
        w.value(value, 0);
        return w.out.toString();
    }

    private void value(Object v, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Integer || v instanceof Long || !indent && v instanceof Number) {
            out.append(v);
        } else if (v instanceof Map<?, ?> m) {
            object(m, depth);
        } else if (v instanceof List<?> || !indent && v instanceof Iterable<?>) {
            array((Iterable<?>) v, depth);
        } else if (!indent) {
            string(v.toString());
        } else {
            throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
        }
    }

    private void object(Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        Map<?, ?> ordered = sortKeys ? new TreeMap<>(map) : map;
        out.append('{');
        String sep = "";
        for (Map.Entry<?, ?> e : ordered.entrySet()) {
            out.append(sep);
            newline(depth + 1);
            string(String.valueOf(e.getKey()));
            out.append(": ");
            value(e.getValue(), depth + 1);
            sep = indent ? "," : ", ";
        }
        newline(depth);
        out.append('}');
    }

    private void array(Iterable<?> list, int depth) {
        if (!list.iterator().hasNext()) {
            out.append("[]");
            return;
        }
        out.append('[');
        String sep = "";
        for (Object item : list) {
            out.append(sep);
            newline(depth + 1);
            value(item, depth + 1);
            sep = indent ? "," : ", ";
        }
        newline(depth);
        out.append(']');
    }

    private void newline(int depth) {
        if (indent) {
            out.append('\n').append("  ".repeat(depth));
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's float repr: shortest digits, positional for 1e-4 <= |x| < 1e16, else {@code d.ddde±XX};
     * NaN and the infinities as json.dumps writes them by default.
     */
    public static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return Double.doubleToRawLongBits(d) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp10 = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp10 >= -4 && exp10 < 16) {
            String plain = bd.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp10));
    }
}
