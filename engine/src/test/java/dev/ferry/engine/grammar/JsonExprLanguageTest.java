package dev.ferry.engine.grammar;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A slow, obviously-correct reading of a {@link GrammarSpec} (every way each expression can match,
 * as a set of end positions; patterns through java.util.regex), so the front end's languages can
 * be tested apart from the byte-level automaton; and the tests of that reading itself.
 */
class JsonExprLanguageTest {

    /** Whether {@code spec} matches the whole of {@code text}. */
    static boolean matches(GrammarSpec spec, String text) {
        return new Language(spec, text).ends(spec.rules().get(spec.root()), 0).contains(text.length());
    }

    private static final class Language {
        private final GrammarSpec spec;
        private final String text;
        private final Map<String, Set<Integer>> ruleMemo = new HashMap<>();
        private final Map<String, Pattern> patterns = new HashMap<>();

        Language(GrammarSpec spec, String text) {
            this.spec = spec;
            this.text = text;
        }

        Set<Integer> ends(Expr expr, int from) {
            Set<Integer> out = new HashSet<>();
            if (expr instanceof Expr.Literal literal) {
                if (text.startsWith(literal.text(), from)) {
                    out.add(from + literal.text().length());
                }
            } else if (expr instanceof Expr.CharClass chars) {
                if (from < text.length()) {
                    int cp = text.codePointAt(from);
                    if (inClass(chars, cp)) {
                        out.add(from + Character.charCount(cp));
                    }
                }
            } else if (expr instanceof Expr.Seq seq) {
                Set<Integer> at = Set.of(from);
                for (Expr part : seq.parts()) {
                    Set<Integer> next = new HashSet<>();
                    for (int position : at) {
                        next.addAll(ends(part, position));
                    }
                    at = next;
                }
                out.addAll(at);
            } else if (expr instanceof Expr.Alt alt) {
                for (Expr option : alt.options()) {
                    out.addAll(ends(option, from));
                }
            } else if (expr instanceof Expr.Repeat repeat) {
                Set<Integer> at = Set.of(from);
                for (int count = 0; !at.isEmpty(); count++) {
                    if (count >= repeat.min()) {
                        out.addAll(at);
                    }
                    if (repeat.max() >= 0 && count == repeat.max()) {
                        break;
                    }
                    Set<Integer> next = new HashSet<>();
                    for (int position : at) {
                        for (int end : ends(repeat.body(), position)) {
                            if (end > position || count < repeat.min()) {
                                next.add(end);
                            }
                        }
                    }
                    // an unbounded repeat past its minimum only needs positions not yet seen
                    if (repeat.max() < 0 && count >= repeat.min()) {
                        next.removeAll(out);
                    }
                    at = next;
                }
            } else if (expr instanceof Expr.RuleRef ref) {
                String key = ref.name() + "@" + from;
                Set<Integer> memo = ruleMemo.get(key);
                if (memo == null) {
                    Expr rule = spec.rules().get(ref.name());
                    if (rule == null) {
                        throw new AssertionError("undefined rule " + ref.name());
                    }
                    memo = ends(rule, from);
                    ruleMemo.put(key, memo);
                }
                out.addAll(memo);
            } else if (expr instanceof Expr.Pattern pattern) {
                Pattern compiled = patterns.computeIfAbsent(pattern.regex(), Pattern::compile);
                for (int end = from; end <= text.length(); end++) {
                    String piece = text.substring(from, end);
                    if (pattern.withinJsonString() && piece.chars().anyMatch(c -> c == '"' || c == '\\' || c < 0x20)) {
                        break;
                    }
                    if (compiled.matcher(piece).matches()) {
                        out.add(end);
                    }
                }
            }
            return out;
        }

        private static boolean inClass(Expr.CharClass chars, int cp) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                return false;
            }
            boolean inside = false;
            for (int i = 0; i < chars.ranges().length; i += 2) {
                inside |= cp >= chars.ranges()[i] && cp <= chars.ranges()[i + 1];
            }
            return inside != chars.negated();
        }
    }

    @Test
    void readsEachKindOfExpression() {
        Expr digits = new Expr.Repeat(new Expr.CharClass(new int[] {'0', '9'}, false), 1, 3);
        GrammarSpec spec = new GrammarSpec(Map.of(
                "root", new Expr.Seq(List.of(new Expr.Literal("["), new Expr.RuleRef("item"), new Expr.Literal("]"))),
                "item", new Expr.Alt(List.of(digits, new Expr.Pattern("x+", false)))), "root");
        assertTrue(matches(spec, "[123]"));
        assertTrue(matches(spec, "[xxx]"));
        assertFalse(matches(spec, "[1234]"));
        assertFalse(matches(spec, "[]"));
        assertFalse(matches(spec, "[1x]"));
    }
}
