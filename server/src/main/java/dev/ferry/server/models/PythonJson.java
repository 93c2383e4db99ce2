package dev.ferry.server.models;

import java.math.BigDecimal;
import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(x, ensure_ascii=False)} writes it, which is what
 * transformers' {@code tojson} filter gives chat templates: ", " and ": " separators, keys in the
 * map's order, non-ASCII text as is, floats as Python prints them (1.0, 1e-05).
 */
final class PythonJson {
    private PythonJson() {}

    static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object v, StringBuilder out) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n instanceof BigDecimal d ? d.toString() : n.toString());
        } else if (v instanceof Map<?, ?> map) {
            out.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(sep);
                string(String.valueOf(e.getKey()), out);
                out.append(": ");
                write(e.getValue(), out);
                sep = ", ";
            }
            out.append('}');
        } else if (v instanceof Iterable<?> list) {
            out.append('[');
            String sep = "";
            for (Object item : list) {
                out.append(sep);
                write(item, out);
                sep = ", ";
            }
            out.append(']');
        } else {
            string(v.toString(), out);
        }
    }

    private static void string(String s, StringBuilder out) {
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

    /** Python's repr of a float: the shortest digits, in plain notation from 1e-4 up to 1e16. */
    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d));
        double magnitude = Math.abs(d);
        if (d == 0 || (magnitude >= 1e-4 && magnitude < 1e16)) {
            String plain = shortest.stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString().replaceAll("0+$", "");
        int exponent = digits.length() - 1 - shortest.scale() + (shortest.unscaledValue().abs().toString().length() - digits.length());
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
