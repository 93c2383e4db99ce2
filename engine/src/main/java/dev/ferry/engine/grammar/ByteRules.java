package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte-level rules in flat arrays, what {@link Grammar#compile} lowers a spec to and the matcher
 * walks. A rule is a list of alternatives; an alternative is a run of positions ended by
 * {@link #END}; each other position is either a set of bytes (one byte of input) or a reference to
 * a rule. Positions are plain ints so that a parse stack is a list of ints.
 */
final class ByteRules {

    /** Ends an alternative. Any other negative code {@code c} refers to rule {@code ~c}. */
    static final int END = Integer.MIN_VALUE;

    /** Per position: a byte-set id (>= 0), a rule reference ({@code ~rule}) or {@link #END}. */
    private final int[] code;
    /** Four words per byte set: bit {@code b & 63} of word {@code b >>> 6} holds byte {@code b}. */
    private final long[] byteSets;
    /** Rule r's alternatives start at {@code alternativeStarts[firstAlternative[r] .. firstAlternative[r + 1])}. */
    private final int[] firstAlternative;
    private final int[] alternativeStarts;
    private final String[] ruleNames;
    private final int root;

    private ByteRules(int[] code, long[] byteSets, int[] firstAlternative, int[] alternativeStarts,
                      String[] ruleNames, int root) {
        this.code = code;
        this.byteSets = byteSets;
        this.firstAlternative = firstAlternative;
        this.alternativeStarts = alternativeStarts;
        this.ruleNames = ruleNames;
        this.root = root;
    }

    int root() {
        return root;
    }

    int ruleCount() {
        return ruleNames.length;
    }

    String ruleName(int rule) {
        return ruleNames[rule];
    }

    int alternativeCount(int rule) {
        return firstAlternative[rule + 1] - firstAlternative[rule];
    }

    int alternativeStart(int rule, int alternative) {
        return alternativeStarts[firstAlternative[rule] + alternative];
    }

    boolean isEnd(int pos) {
        return code[pos] == END;
    }

    boolean isRule(int pos) {
        return code[pos] < 0 && code[pos] != END;
    }

    int ruleAt(int pos) {
        return ~code[pos];
    }

    boolean isBytes(int pos) {
        return code[pos] >= 0;
    }

    /** Whether the byte-set position {@code pos} takes byte {@code b} (0..255). */
    boolean matches(int pos, int b) {
        return (byteSets[4 * code[pos] + (b >>> 6)] & (1L << b)) != 0;
    }

    boolean isEmptySet(int pos) {
        int s = 4 * code[pos];
        return (byteSets[s] | byteSets[s + 1] | byteSets[s + 2] | byteSets[s + 3]) == 0;
    }

    /** Every byte set the positions use, four words each. */
    long[] byteSetWords() {
        return byteSets.clone();
    }

    /**
     * Collects rules and alternatives in any order (a rule's body may create helper rules halfway)
     * and lays them out flat; keeps count of positions and automaton states against
     * {@link GrammarLimits#maxStates()} as it goes, so an oversized grammar fails before it is built.
     */
    static final class Builder {
        private final int maxStates;
        private int charged;
        private final List<String> names = new ArrayList<>();
        private final List<List<int[]>> alternatives = new ArrayList<>();
        private final ByteSetTable sets = new ByteSetTable();

        Builder(int maxStates) {
            this.maxStates = maxStates;
        }

        int newRule(String name) {
            names.add(name);
            alternatives.add(new ArrayList<>());
            return names.size() - 1;
        }

        static int ref(int rule) {
            return ~rule;
        }

        /** Adds an alternative, its positions counted against the limit. */
        void addAlternative(int rule, int[] elements) {
            charge(elements.length + 1, rule);
            alternatives.get(rule).add(elements);
        }

        /**
         * Adds an alternative of a pattern's automaton: those count as the automaton's states
         * ({@link #chargeStates}), and their number of edges is bounded where the automaton is built.
         */
        void addAutomatonAlternative(int rule, int[] elements) {
            alternatives.get(rule).add(elements);
        }

        void chargeStates(int states, int rule) {
            charge(states, rule);
        }

        /**
         * Refuses now if an alternative still being built, of {@code pending} positions, would not
         * fit: a long run of counted copies fails before it is all in memory.
         */
        void checkRoom(int pending, int rule) {
            if (charged + pending > maxStates) {
                charge(pending, rule);
            }
        }

        private void charge(int n, int rule) {
            charged += n;
            if (charged > maxStates) {
                throw new GrammarException("grammar needs more than " + maxStates
                        + " positions and automaton states (GrammarLimits.maxStates), at rule '" + names.get(rule) + "'");
            }
        }

        /** The id of the set of bytes {@code bits} (4 words), shared by every position that uses the same set. */
        int byteSet(long[] bits) {
            return sets.idOf(bits);
        }

        ByteRules build(int root) {
            int ruleCount = names.size();
            int alternativeCount = 0;
            int positions = 0;
            for (List<int[]> alts : alternatives) {
                alternativeCount += alts.size();
                for (int[] a : alts) {
                    positions += a.length + 1;
                }
            }
            int[] code = new int[positions];
            int[] first = new int[ruleCount + 1];
            int[] starts = new int[alternativeCount];
            int p = 0;
            int a = 0;
            for (int r = 0; r < ruleCount; r++) {
                first[r] = a;
                for (int[] alt : alternatives.get(r)) {
                    starts[a++] = p;
                    System.arraycopy(alt, 0, code, p, alt.length);
                    p += alt.length;
                    code[p++] = END;
                }
            }
            first[ruleCount] = a;
            return new ByteRules(code, sets.words(), first, starts, names.toArray(new String[0]), root);
        }
    }
}
