package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers a {@link GrammarSpec}'s expressions to {@link ByteRules}: literals to their UTF-8 bytes,
 * character classes to byte sets or to a rule of UTF-8 byte sequences, alternatives and grouped
 * repetition bodies to helper rules, unbounded repetition to a right-recursive rule, bounded
 * repetition to a chain of optional rules, and patterns to automaton rules. The spec's own rules
 * come first (the root is rule 0), so that rule ids below {@link #userRuleCount} are the names the
 * user wrote.
 */
final class Lowering {

    private final GrammarSpec spec;
    private final GrammarLimits limits;
    private final ByteRules.Builder rules;
    private final Map<String, Integer> userRules = new HashMap<>();
    /** Helpers shared across the grammar: one rule per distinct non-ASCII class and per pattern. */
    private final Map<CodePointSet, Integer> classRules = new HashMap<>();
    private final Map<Expr.Pattern, Integer> patternRules = new HashMap<>();
    /** The user rule being lowered: named in errors and in helper rule names. */
    private String current;

    private Lowering(GrammarSpec spec, GrammarLimits limits) {
        this.spec = spec;
        this.limits = limits;
        this.rules = new ByteRules.Builder(limits.maxStates());
    }

    static ByteRules lower(GrammarSpec spec, GrammarLimits limits) {
        return new Lowering(spec, limits).run();
    }

    /** The spec's own rules are ids 0 to this, less one, in {@link #order}. */
    static int userRuleCount(GrammarSpec spec) {
        return spec.rules().size();
    }

    /** The root first, then the other rules by name: ids that do not depend on map order. */
    private static List<String> order(GrammarSpec spec) {
        List<String> names = new ArrayList<>(spec.rules().keySet());
        names.remove(spec.root());
        names.sort(null);
        names.add(0, spec.root());
        return names;
    }

    private ByteRules run() {
        List<String> names = order(spec);
        for (String name : names) {
            userRules.put(name, rules.newRule(name));
        }
        for (String name : names) {
            current = name;
            int id = userRules.get(name);
            Expr body = spec.rules().get(name);
            if (body instanceof Expr.Alt alt) {
                for (Expr option : alt.options()) {
                    rules.addAlternative(id, sequence(option, 2));
                }
            } else {
                rules.addAlternative(id, sequence(body, 1));
            }
        }
        return rules.build(userRules.get(spec.root()));
    }

    private GrammarException error(String what) {
        return new GrammarException("rule '" + current + "': " + what);
    }

    private int[] sequence(Expr e, int depth) {
        IntList out = new IntList();
        append(e, out, depth);
        return out.toArray();
    }

    /** Appends the positions that match {@code e}, {@code depth} levels inside the rule's expression. */
    private void append(Expr e, IntList out, int depth) {
        if (depth > limits.maxDepth()) {
            throw error("expression nested deeper than " + limits.maxDepth() + " (GrammarLimits.maxDepth)");
        }
        if (e instanceof Expr.Literal l) {
            appendLiteral(l.text(), out);
        } else if (e instanceof Expr.CharClass c) {
            appendClass(CodePointSet.of(c, "rule '" + current + "'"), out);
        } else if (e instanceof Expr.Seq s) {
            for (Expr part : s.parts()) {
                append(part, out, depth + 1);
            }
        } else if (e instanceof Expr.Alt a) {
            if (a.options().size() == 1) {
                append(a.options().get(0), out, depth + 1);
            } else {
                int r = rules.newRule(current + "#alt");
                for (Expr option : a.options()) {
                    rules.addAlternative(r, sequence(option, depth + 1));
                }
                out.add(ByteRules.Builder.ref(r));
            }
        } else if (e instanceof Expr.Repeat r) {
            appendRepeat(r, out, depth);
        } else if (e instanceof Expr.RuleRef ref) {
            Integer id = userRules.get(ref.name());
            if (id == null) {
                throw error("refers to undefined rule '" + ref.name() + "'");
            }
            out.add(ByteRules.Builder.ref(id));
        } else if (e instanceof Expr.Pattern p) {
            Integer id = patternRules.get(p);
            if (id == null) {
                id = PatternRules.add(p, limits, rules, current);
                patternRules.put(p, id);
            }
            out.add(ByteRules.Builder.ref(id));
        } else {
            throw error("missing expression (null)");
        }
    }

    private void appendLiteral(String text, IntList out) {
        text.codePoints().filter(cp -> cp >= 0xD800 && cp <= 0xDFFF).findFirst().ifPresent(cp -> {
            throw error("literal has a lone surrogate " + CodePointSet.describe(cp));
        });
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.add(rules.byteSet(ByteBits.range(b & 0xFF, b & 0xFF)));
        }
    }

    private void appendClass(CodePointSet members, IntList out) {
        if (members.isAscii()) {
            out.add(rules.byteSet(ByteBits.ofAscii(members)));
            return;
        }
        Integer id = classRules.get(members);
        if (id == null) {
            id = rules.newRule(current + "#class");
            if (members.lo(0) < 0x80) {
                rules.addAlternative(id, new int[] {rules.byteSet(ByteBits.ofAscii(members))});
            }
            for (int[] seq : Utf8Sequences.of(members)) {
                if (seq.length > 2) {    // one-byte members: the alternative above
                    int[] bytes = new int[seq.length / 2];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = rules.byteSet(ByteBits.range(seq[2 * i], seq[2 * i + 1]));
                    }
                    rules.addAlternative(id, bytes);
                }
            }
            classRules.put(members, id);
        }
        out.add(ByteRules.Builder.ref(id));
    }

    private void appendRepeat(Expr.Repeat r, IntList out, int depth) {
        int min = r.min();
        int max = r.max();
        if (min < 0 || max < -1 || (max >= 0 && max < min)) {
            throw error("repetition {" + min + "," + max + "} is malformed (0 <= min <= max, or max -1 for no bound)");
        }
        if (Math.max(min, max) > limits.maxRepeat()) {
            throw error("repetition bound " + Math.max(min, max) + " above the limit of " + limits.maxRepeat()
                    + " (GrammarLimits.maxRepeat)");
        }
        int unit = unit(r.body(), depth + 1);
        rules.checkRoom(out.size() + min, userRules.get(current));
        for (int i = 0; i < min; i++) {
            out.add(unit);
        }
        if (max < 0) {
            // body, then the rule again (a tail call: matching does not deepen the stack), or nothing
            int star = rules.newRule(current + "#repeat");
            rules.addAlternative(star, new int[] {unit, ByteRules.Builder.ref(star)});
            rules.addAlternative(star, new int[0]);
            out.add(ByteRules.Builder.ref(star));
        } else if (max > min) {
            // (body (body (body)?)?)?: one optional rule per further copy, innermost first
            int next = -1;
            String name = current + "#repeat";
            for (int i = min; i < max; i++) {
                int optional = rules.newRule(name);
                rules.addAlternative(optional, next < 0 ? new int[] {unit} : new int[] {unit, ByteRules.Builder.ref(next)});
                rules.addAlternative(optional, new int[0]);
                next = optional;
            }
            out.add(ByteRules.Builder.ref(next));
        }
    }

    /** One position that matches {@code body}: its own when it lowers to one, else a helper rule's reference. */
    private int unit(Expr body, int depth) {
        int[] seq = sequence(body, depth);
        if (seq.length == 1) {
            return seq[0];
        }
        int group = rules.newRule(current + "#group");
        rules.addAlternative(group, seq);
        return ByteRules.Builder.ref(group);
    }
}
