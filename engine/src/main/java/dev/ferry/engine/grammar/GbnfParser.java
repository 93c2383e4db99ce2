package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses grammar text in the GBNF style of llama.cpp (docs/grammar-syntax.md) into a
 * {@link GrammarSpec} whose root is the rule named {@code root}. Errors are
 * {@link GrammarException}s that start with the line and column at fault.
 */
public final class GbnfParser {

    private final String text;
    private final GrammarLimits limits;
    private int pos;
    private int depth;
    private final Map<String, Expr> rules = new LinkedHashMap<>();
    /** Where each referenced name was first used, to report an undefined one there. */
    private final Map<String, Integer> references = new LinkedHashMap<>();

    private GbnfParser(String text, GrammarLimits limits) {
        this.text = text;
        this.limits = limits;
    }

    /** Parses within {@link GrammarLimits#DEFAULTS}. */
    public static GrammarSpec parse(String text) {
        return parse(text, GrammarLimits.DEFAULTS);
    }

    /** Parses within {@code limits}: source size, parenthesis nesting, repetition bounds. */
    public static GrammarSpec parse(String text, GrammarLimits limits) {
        return new GbnfParser(text, limits).grammar();
    }

    private GrammarSpec grammar() {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxSourceBytes()) {
            throw new GrammarException("grammar of " + bytes + " bytes, more than the limit of " + limits.maxSourceBytes()
                    + " (GrammarLimits.maxSourceBytes)");
        }
        while (true) {
            skip(true);
            if (pos >= text.length()) {
                break;
            }
            rule();
        }
        for (Map.Entry<String, Integer> ref : references.entrySet()) {
            if (!rules.containsKey(ref.getKey())) {
                throw error("undefined rule '" + ref.getKey() + "'", ref.getValue());
            }
        }
        if (!rules.containsKey("root")) {
            throw new GrammarException("grammar defines no rule named 'root' (where generation starts)");
        }
        return new GrammarSpec(rules, "root");
    }

    private GrammarException error(String what, int at) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new GrammarException("line " + line + ":" + (at - lineStart + 1) + ": " + what);
    }

    private void rule() {
        int at = pos;
        String name = name();
        if (name.isEmpty()) {
            throw error("expected a rule name", at);
        }
        skip(false);
        if (!text.startsWith("::=", pos)) {
            throw error("expected '::=' after rule name '" + name + "'", pos);
        }
        pos += 3;
        skip(true);
        Expr body = alternatives(false);
        skip(false);
        if (pos < text.length()) {
            if (text.charAt(pos) != '\n') {
                throw error("unexpected '" + text.charAt(pos) + "' in rule '" + name + "'", pos);
            }
            pos++;
        }
        if (rules.putIfAbsent(name, body) != null) {
            throw error("rule '" + name + "' defined twice", at);
        }
    }

    /**
     * Skips blanks and comments; newlines too when {@code newlines} (inside parentheses, after
     * {@code |} and {@code ::=}), for elsewhere a newline ends the rule.
     */
    private void skip(boolean newlines) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || (c == '\n' && newlines)) {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private String name() {
        int start = pos;
        while (pos < text.length() && isNameChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private Expr alternatives(boolean nested) {
        List<Expr> options = new ArrayList<>();
        options.add(sequence(nested));
        while (pos < text.length() && text.charAt(pos) == '|') {
            pos++;
            skip(true);
            options.add(sequence(nested));
        }
        return options.size() == 1 ? options.get(0) : new Expr.Alt(options);
    }

    private Expr sequence(boolean nested) {
        List<Expr> parts = new ArrayList<>();
        while (true) {
            skip(nested);
            if (pos >= text.length()) {
                break;
            }
            char c = text.charAt(pos);
            if (c != '"' && c != '[' && c != '.' && c != '(' && !isNameChar(c)) {
                break;
            }
            Expr term = term();
            skip(nested);
            while (pos < text.length() && "*+?{".indexOf(text.charAt(pos)) >= 0) {
                term = postfix(term);
                skip(nested);
            }
            parts.add(term);
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Seq(parts);
    }

    private Expr term() {
        int at = pos;
        char c = text.charAt(pos);
        if (c == '"') {
            return literal();
        }
        if (c == '[') {
            return charClass();
        }
        if (c == '.') {
            pos++;
            return CodePointSet.ALL.toCharClass();
        }
        if (c == '(') {
            if (++depth > limits.maxDepth()) {
                throw error("parentheses nested deeper than " + limits.maxDepth() + " (GrammarLimits.maxDepth)", at);
            }
            pos++;
            skip(true);
            Expr inside = alternatives(true);
            skip(true);
            if (pos >= text.length() || text.charAt(pos) != ')') {
                throw error("'(' without its ')'", at);
            }
            pos++;
            depth--;
            return inside;
        }
        String name = name();
        references.putIfAbsent(name, at);
        return new Expr.RuleRef(name);
    }

    private Expr postfix(Expr term) {
        int at = pos;
        char c = text.charAt(pos++);
        if (c == '*') {
            return new Expr.Repeat(term, 0, -1);
        }
        if (c == '+') {
            return new Expr.Repeat(term, 1, -1);
        }
        if (c == '?') {
            return new Expr.Repeat(term, 0, 1);
        }
        skip(false);
        int min = number(at);
        int max = min;
        skip(false);
        if (pos < text.length() && text.charAt(pos) == ',') {
            pos++;
            skip(false);
            max = pos < text.length() && Character.isDigit(text.charAt(pos)) ? number(at) : -1;
            skip(false);
        }
        if (pos >= text.length() || text.charAt(pos) != '}') {
            throw error("malformed repetition (expected {m}, {m,} or {m,n})", at);
        }
        pos++;
        if (Math.max(min, max) > limits.maxRepeat()) {
            throw error("repetition bound " + Math.max(min, max) + " above the limit of " + limits.maxRepeat()
                    + " (GrammarLimits.maxRepeat)", at);
        }
        if (max >= 0 && min > max) {
            throw error("repetition {" + min + "," + max + "} with its minimum above its maximum", at);
        }
        return new Expr.Repeat(term, min, max);
    }

    /** A decimal number, saturating so that a huge bound is refused by the limit check. */
    private int number(int at) {
        if (pos >= text.length() || !Character.isDigit(text.charAt(pos))) {
            throw error("malformed repetition (expected {m}, {m,} or {m,n})", at);
        }
        long n = 0;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            n = Math.min(Integer.MAX_VALUE, n * 10 + text.charAt(pos++) - '0');
        }
        return (int) n;
    }

    private Expr literal() {
        int open = pos++;
        StringBuilder s = new StringBuilder();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error("unterminated literal", open);
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return new Expr.Literal(s.toString());
            }
            s.appendCodePoint(c == '\\' ? escape() : text.codePointAt(pos));
            if (c != '\\') {
                pos += Character.charCount(text.codePointAt(pos));
            }
        }
    }

    private Expr charClass() {
        int open = pos++;
        boolean negated = pos < text.length() && text.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error("'[' without its ']'", open);
            }
            if (text.charAt(pos) == ']') {
                pos++;
                break;
            }
            int at = pos;
            int lo = classChar();
            int hi = lo;
            if (pos + 1 < text.length() && text.charAt(pos) == '-' && text.charAt(pos + 1) != ']') {
                pos++;
                hi = classChar();
                if (hi < lo) {
                    throw error("range " + CodePointSet.describe(lo) + "-" + CodePointSet.describe(hi) + " out of order", at);
                }
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        return new Expr.CharClass(ranges.stream().mapToInt(Integer::intValue).toArray(), negated);
    }

    private int classChar() {
        if (text.charAt(pos) == '\\') {
            return escape();
        }
        int cp = text.codePointAt(pos);
        pos += Character.charCount(cp);
        return cp;
    }

    /** The escape at {@code pos} (a backslash), in a literal or a class. */
    private int escape() {
        int at = pos;
        pos++;
        if (pos >= text.length()) {
            throw error("backslash at the end", at);
        }
        char c = text.charAt(pos++);
        switch (c) {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'x': return hex(2, at);
            case 'u': return hex(4, at);
            case 'U': return hex(8, at);
            case '"': case '\\': case '[': case ']': case '-': case '^': case '/':
                return c;
            default:
                throw error("unknown escape \\" + c, at);
        }
    }

    private int hex(int digits, int at) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < text.length() ? Character.digit(text.charAt(pos), 16) : -1;
            if (d < 0) {
                throw error("escape needing " + digits + " hex digits", at);
            }
            v = v * 16 + d;
            pos++;
        }
        if (v > CodePointSet.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF)) {
            throw error("escape of U+" + Long.toHexString(v).toUpperCase() + ", which is no Unicode scalar value", at);
        }
        return (int) v;
    }
}
