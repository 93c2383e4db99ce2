package dev.ferry.engine.grammar;

import static dev.ferry.engine.grammar.JsonExprs.alt;
import static dev.ferry.engine.grammar.JsonExprs.literal;
import static dev.ferry.engine.grammar.JsonExprs.seq;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * The keys an object's additionalProperties may add: any key but the declared property names,
 * written without escapes (so the text is the key, and comparing texts is comparing keys).
 * Built from a trie of the names: at each node, either stop where no name ends, or go on with a
 * character no name continues with (then anything), or follow a name's next character.
 */
final class JsonKeys {
    private static final Expr PLAIN = new Expr.CharClass(JsonStrings.PLAIN_RANGES, false);

    private JsonKeys() {}

    /** The text between the quotes of a key that is none of {@code names}. */
    static Expr noneOf(Collection<String> names) {
        Trie root = new Trie();
        names.forEach(root::add);
        return root.others();
    }

    private static final class Trie {
        private final TreeMap<Integer, Trie> next = new TreeMap<>();
        private boolean ends;

        void add(String name) {
            Trie node = this;
            for (int cp : name.codePoints().toArray()) {
                node = node.next.computeIfAbsent(cp, c -> new Trie());
            }
            node.ends = true;
        }

        /** The strings that, appended to this node's prefix, make no name. */
        Expr others() {
            List<Expr> options = new ArrayList<>();
            if (!ends) {
                options.add(JsonExprs.EMPTY);
            }
            int[] rest = without(JsonStrings.PLAIN_RANGES, next.keySet().stream().mapToInt(Integer::intValue).toArray());
            options.add(seq(new Expr.CharClass(rest, false), new Expr.Repeat(PLAIN, 0, -1)));
            next.forEach((cp, child) -> {
                // a name with a character keys cannot hold unescaped is never generated anyway
                if (isPlain(cp)) {
                    options.add(seq(literal(Character.toString(cp)), child.others()));
                }
            });
            return alt(options);
        }
    }

    private static boolean isPlain(int cp) {
        for (int i = 0; i < JsonStrings.PLAIN_RANGES.length; i += 2) {
            if (cp >= JsonStrings.PLAIN_RANGES[i] && cp <= JsonStrings.PLAIN_RANGES[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** {@code ranges} (sorted, disjoint, inclusive pairs) less the code points {@code removed} (sorted). */
    private static int[] without(int[] ranges, int[] removed) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ranges.length; i += 2) {
            int from = ranges[i];
            int to = ranges[i + 1];
            for (int cp : removed) {
                if (cp < from || cp > to) {
                    continue;
                }
                if (cp > from) {
                    out.add(from);
                    out.add(cp - 1);
                }
                from = cp + 1;
            }
            if (from <= to) {
                out.add(from);
                out.add(to);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
