package dev.ferry.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Thompson automaton over bytes for a regular {@link Expr} (no rule references, no patterns):
 * each state either consumes one byte of a byte set and moves on, or moves on without input to one
 * or two states. Counted repetitions are spelled out copy by copy, so the state count is checked
 * as the automaton grows.
 */
final class Nfa {

    private static final int NONE = -1;

    /** Per state: the byte set it consumes, or NONE for a state that moves on without input. */
    private int[] set = new int[64];
    private int[] out1 = new int[64];
    private int[] out2 = new int[64];
    private int size;
    private final ByteSetTable sets = new ByteSetTable();
    /**
     * Per class of the expression: the byte sets of its UTF-8 sequences, one array per sequence
     * (the one-byte members merged into one sequence), worked out once however often a counted
     * repetition copies the class.
     */
    private final Map<Expr.CharClass, int[][]> classSequences = new IdentityHashMap<>();
    private final int maxSize;
    private final String label;
    private final int accept;
    private int start;

    private Nfa(int maxSize, String label) {
        this.maxSize = maxSize;
        this.label = label;
        this.accept = newState(NONE, NONE, NONE);
    }

    /**
     * @param label names the pattern in the error when the automaton would pass {@code maxSize} states
     */
    static Nfa of(Expr regular, int maxSize, String label) {
        Nfa nfa = new Nfa(maxSize, label);
        nfa.start = nfa.build(regular, nfa.accept);
        return nfa;
    }

    int size() {
        return size;
    }

    int start() {
        return start;
    }

    int accept() {
        return accept;
    }

    boolean consumes(int state) {
        return set[state] != NONE;
    }

    /** The id of the byte set a consuming state takes, in {@link #byteSets()}. */
    int byteSet(int state) {
        return set[state];
    }

    /** Where a consuming state goes, or the first move of one that consumes nothing. */
    int next(int state) {
        return out1[state];
    }

    /** The second move of a state that consumes nothing, or -1. */
    int alsoNext(int state) {
        return out2[state];
    }

    /** The byte sets the states consume, four words each. */
    long[] byteSets() {
        return sets.words();
    }

    private int newState(int byteSet, int next, int alsoNext) {
        if (size == maxSize) {
            throw new GrammarException(label + ": needs more than " + maxSize + " automaton states");
        }
        if (size == set.length) {
            set = Arrays.copyOf(set, 2 * size);
            out1 = Arrays.copyOf(out1, 2 * size);
            out2 = Arrays.copyOf(out2, 2 * size);
        }
        set[size] = byteSet;
        out1[size] = next;
        out2[size] = alsoNext;
        return size++;
    }

    private int split(int a, int b) {
        return newState(NONE, a, b);
    }

    /** Builds {@code e} to continue at {@code next}; returns its first state. */
    private int build(Expr e, int next) {
        if (e instanceof Expr.Literal l) {
            byte[] bytes = l.text().getBytes(StandardCharsets.UTF_8);
            int s = next;
            for (int i = bytes.length - 1; i >= 0; i--) {
                int b = bytes[i] & 0xFF;
                s = newState(sets.idOf(ByteBits.range(b, b)), s, NONE);
            }
            return s;
        }
        if (e instanceof Expr.CharClass c) {
            return buildClass(c, next);
        }
        if (e instanceof Expr.Seq q) {
            int s = next;
            for (int i = q.parts().size() - 1; i >= 0; i--) {
                s = build(q.parts().get(i), s);
            }
            return s;
        }
        if (e instanceof Expr.Alt a) {
            return buildAlternatives(a.options(), next);
        }
        if (e instanceof Expr.Repeat r) {
            return buildRepeat(r, next);
        }
        throw new IllegalArgumentException("not a regular expression: " + e);
    }

    private int buildAlternatives(List<Expr> options, int next) {
        if (options.isEmpty()) {
            return newState(sets.idOf(new long[4]), next, NONE);    // matches nothing
        }
        int s = build(options.get(options.size() - 1), next);
        for (int i = options.size() - 2; i >= 0; i--) {
            s = split(build(options.get(i), next), s);
        }
        return s;
    }

    private int buildClass(Expr.CharClass c, int next) {
        // Sequences that end alike share their last states (a continuation byte, then next), so
        // that the deterministic automaton does not tell apart paths that only differ before it.
        Map<Long, Integer> shared = new HashMap<>();
        int s = NONE;
        for (int[] seq : classSequences.computeIfAbsent(c, this::sequencesOf)) {
            int t = next;
            for (int i = seq.length - 1; i >= 0; i--) {
                int target = t;
                int byteSet = seq[i];
                t = i == 0 ? newState(byteSet, target, NONE)
                        : shared.computeIfAbsent(((long) byteSet << 32) | target, k -> newState(byteSet, target, NONE));
            }
            s = s == NONE ? t : split(t, s);
        }
        return s;
    }

    private int[][] sequencesOf(Expr.CharClass c) {
        CodePointSet members = CodePointSet.of(c, label);
        List<int[]> sequences = Utf8Sequences.of(members);
        int[][] out = new int[sequences.size() + 1][];
        int n = 0;
        if (members.isEmpty() || members.lo(0) < 0x80) {
            out[n++] = new int[] {sets.idOf(ByteBits.ofAscii(members))};    // an empty class: a set that takes nothing
        }
        for (int[] seq : sequences) {
            if (seq.length > 2) {
                int[] ids = new int[seq.length / 2];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = sets.idOf(ByteBits.range(seq[2 * i], seq[2 * i + 1]));
                }
                out[n++] = ids;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private int buildRepeat(Expr.Repeat r, int next) {
        int s;
        if (r.max() < 0) {
            int loop = split(NONE, next);
            int body = build(r.body(), loop);    // may grow the arrays: assign after
            out1[loop] = body;
            s = loop;
        } else {
            s = next;
            for (int i = r.min(); i < r.max(); i++) {
                s = split(build(r.body(), s), next);
            }
        }
        for (int i = 0; i < r.min(); i++) {
            s = build(r.body(), s);
        }
        return s;
    }
}
