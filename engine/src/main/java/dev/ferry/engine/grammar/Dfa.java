package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The deterministic automaton of an {@link Nfa}, by subset construction over byte classes, cut to
 * the states from which some accepting state can still be reached (so that no edge leads into a
 * dead end). The construction is bounded three ways, each a {@link GrammarException} naming the
 * pattern: states, edges, and the work spent building them.
 */
final class Dfa {

    private final boolean[] accepting;
    private final int[][] edgeTargets;
    private final long[][][] edgeBytes;

    private Dfa(boolean[] accepting, int[][] edgeTargets, long[][][] edgeBytes) {
        this.accepting = accepting;
        this.edgeTargets = edgeTargets;
        this.edgeBytes = edgeBytes;
    }

    /** The start state is 0; an automaton whose language is empty has no states. */
    int stateCount() {
        return accepting.length;
    }

    boolean accepting(int state) {
        return accepting[state];
    }

    int edgeCount(int state) {
        return edgeTargets[state].length;
    }

    int edgeTarget(int state, int edge) {
        return edgeTargets[state][edge];
    }

    /** The bytes that take edge {@code edge} (four words, as {@link ByteBits}). */
    long[] edgeBytes(int state, int edge) {
        return edgeBytes[state][edge];
    }

    /**
     * @param maxWork the steps (state-set members visited, hashed, or scanned by byte class) the
     *     construction may take, so that its time is bounded however large its state sets grow
     */
    static Dfa of(Nfa nfa, int maxStates, int maxEdges, long maxWork, String label) {
        return new Construction(nfa, maxStates, maxEdges, maxWork, label).run().live();
    }

    /** The subset construction's working state, dropped once the automaton is built. */
    private static final class Construction {
        private final Nfa nfa;
        private final int maxStates;
        private final int maxEdges;
        private final long maxWork;
        private final String label;
        private final int classCount;
        /** Per byte class: its bytes, four words. */
        private final long[][] classBytes;
        /** Per NFA byte set: the byte classes it holds. */
        private final int[][] classesOfSet;
        private final List<int[]> subsets = new ArrayList<>();
        private final Map<Subset, Integer> index = new HashMap<>();
        /** Per DFA state: its edges' targets, and for each edge the classes that take it (four words per edge). */
        private final List<int[]> targets = new ArrayList<>();
        private final List<long[]> edgeClasses = new ArrayList<>();
        private int edges;
        private long work;
        private final int[] mark;
        private int stamp;
        /** The closure's to-do list: each state pushes at most two others, after the seeds. */
        private final int[] stack;
        /**
         * The closure's kept states as bits, and the words it touched: reading the bits back in word
         * order gives the subset sorted without sorting it.
         */
        private final long[] keptBits;
        private final int[] touched;
        private final IntList accepting = new IntList();

        Construction(Nfa nfa, int maxStates, int maxEdges, long maxWork, String label) {
            this.nfa = nfa;
            this.maxStates = maxStates;
            this.maxEdges = maxEdges;
            this.maxWork = maxWork;
            this.label = label;
            long[] words = nfa.byteSets();
            ByteClasses classes = ByteClasses.of(words);
            this.classCount = classes.count();
            this.classBytes = new long[classCount][4];
            for (int b = 0; b < 256; b++) {
                classBytes[classes.classOf(b)][b >>> 6] |= 1L << b;
            }
            this.classesOfSet = new int[words.length / 4][];
            for (int s = 0; s < classesOfSet.length; s++) {
                IntList has = new IntList();
                for (int c = 0; c < classCount; c++) {
                    long[] bytes = classBytes[c];
                    if ((bytes[0] & words[4 * s] | bytes[1] & words[4 * s + 1] | bytes[2] & words[4 * s + 2] | bytes[3] & words[4 * s + 3]) != 0) {
                        has.add(c);
                    }
                }
                classesOfSet[s] = has.toArray();
            }
            this.mark = new int[nfa.size()];
            this.stack = new int[3 * nfa.size() + 1];
            this.keptBits = new long[(nfa.size() + 63) >>> 6];
            this.touched = new int[keptBits.length];
        }

        Construction run() {
            intern(closure(new int[] {nfa.start()}, 1));
            int[][] seeds = new int[classCount][8];
            int[] seedCount = new int[classCount];
            int[] target = new int[classCount];
            for (int d = 0; d < subsets.size(); d++) {
                Arrays.fill(seedCount, 0);
                for (int s : subsets.get(d)) {
                    if (!nfa.consumes(s)) {
                        continue;
                    }
                    int[] through = classesOfSet[nfa.byteSet(s)];
                    for (int c : through) {
                        if (seedCount[c] == seeds[c].length) {
                            seeds[c] = Arrays.copyOf(seeds[c], 2 * seeds[c].length);
                        }
                        seeds[c][seedCount[c]++] = nfa.next(s);
                    }
                    work += through.length + 1;
                }
                for (int c = 0; c < classCount; c++) {
                    target[c] = seedCount[c] == 0 ? -1 : intern(closure(seeds[c], seedCount[c]));
                }
                work += classCount;
                addEdges(target);
                if (work > maxWork) {
                    throw new GrammarException(label + ": needs more than " + maxWork + " steps to build its automaton");
                }
            }
            return this;
        }

        /** Groups one state's classes by target: one edge per target, in order of first class. */
        private void addEdges(int[] target) {
            int[] distinct = new int[classCount];
            long[] classes = new long[4 * classCount];
            int n = 0;
            for (int c = 0; c < classCount; c++) {
                int t = target[c];
                if (t < 0) {
                    continue;
                }
                int e = 0;
                while (e < n && distinct[e] != t) {
                    e++;
                }
                work += e;    // the scan: a state's edges are few unless the pattern is hostile, and then this counts it
                if (e == n) {
                    distinct[n++] = t;
                }
                classes[4 * e + (c >>> 6)] |= 1L << c;
            }
            edges += n;
            if (edges > maxEdges) {
                throw new GrammarException(label + ": needs more than " + maxEdges + " automaton edges");
            }
            targets.add(Arrays.copyOf(distinct, n));
            edgeClasses.add(Arrays.copyOf(classes, 4 * n));
        }

        /** The NFA states reachable from {@code seeds} without input, keeping those that consume or accept, sorted. */
        private int[] closure(int[] seeds, int n) {
            stamp++;
            int count = 0;
            int words = 0;
            int top = 0;
            for (int i = 0; i < n; i++) {
                stack[top++] = seeds[i];
            }
            while (top > 0) {
                int s = stack[--top];
                if (s < 0 || mark[s] == stamp) {
                    continue;
                }
                mark[s] = stamp;
                work++;
                if (nfa.consumes(s) || s == nfa.accept()) {
                    if (keptBits[s >>> 6] == 0) {
                        touched[words++] = s >>> 6;
                    }
                    keptBits[s >>> 6] |= 1L << s;
                    count++;
                } else {
                    stack[top++] = nfa.alsoNext(s);
                    stack[top++] = nfa.next(s);
                }
            }
            Arrays.sort(touched, 0, words);
            int[] subset = new int[count];
            int i = 0;
            for (int k = 0; k < words; k++) {
                int w = touched[k];
                for (long bits = keptBits[w]; bits != 0; bits &= bits - 1) {
                    subset[i++] = 64 * w + Long.numberOfTrailingZeros(bits);
                }
                keptBits[w] = 0;
            }
            return subset;
        }

        private int intern(int[] subset) {
            work += subset.length;
            Subset key = new Subset(subset);
            Integer id = index.get(key);
            if (id != null) {
                return id;
            }
            if (subsets.size() == maxStates) {
                throw new GrammarException(label + ": needs more than " + maxStates + " automaton states");
            }
            subsets.add(subset);
            index.put(key, subsets.size() - 1);
            accepting.add(Arrays.binarySearch(subset, nfa.accept()) >= 0 ? 1 : 0);
            return subsets.size() - 1;
        }

        /** The automaton without the states that cannot reach acceptance, renumbered from 0 (the start). */
        Dfa live() {
            int n = subsets.size();
            // incoming edges, as one array sliced per target
            int[] firstSource = new int[n + 1];
            for (int[] t : targets) {
                for (int x : t) {
                    firstSource[x + 1]++;
                }
            }
            for (int d = 0; d < n; d++) {
                firstSource[d + 1] += firstSource[d];
            }
            int[] sources = new int[firstSource[n]];
            int[] filled = Arrays.copyOf(firstSource, n);
            for (int d = 0; d < n; d++) {
                for (int x : targets.get(d)) {
                    sources[filled[x]++] = d;
                }
            }
            boolean[] alive = new boolean[n];
            int[] todo = new int[n];
            int size = 0;
            for (int d = 0; d < n; d++) {
                if (acceptsAt(d)) {
                    alive[d] = true;
                    todo[size++] = d;
                }
            }
            while (size > 0) {
                int d = todo[--size];
                for (int i = firstSource[d]; i < firstSource[d + 1]; i++) {
                    if (!alive[sources[i]]) {
                        alive[sources[i]] = true;
                        todo[size++] = sources[i];
                    }
                }
            }
            if (!alive[0]) {
                return new Dfa(new boolean[0], new int[0][], new long[0][][]);
            }
            int[] renumber = new int[n];
            int live = 0;
            for (int d = 0; d < n; d++) {
                renumber[d] = alive[d] ? live++ : -1;
            }
            boolean[] accepting = new boolean[live];
            int[][] edgeTargets = new int[live][];
            long[][][] edgeBytes = new long[live][][];
            for (int d = 0; d < n; d++) {
                if (alive[d]) {
                    int r = renumber[d];
                    accepting[r] = acceptsAt(d);
                    liveEdges(targets.get(d), edgeClasses.get(d), alive, renumber, r, edgeTargets, edgeBytes);
                }
            }
            return new Dfa(accepting, edgeTargets, edgeBytes);
        }

        private void liveEdges(int[] t, long[] classes, boolean[] alive, int[] renumber, int r,
                               int[][] edgeTargets, long[][][] edgeBytes) {
            IntList kept = new IntList();
            for (int e = 0; e < t.length; e++) {
                if (alive[t[e]]) {
                    kept.add(e);
                }
            }
            edgeTargets[r] = new int[kept.size()];
            edgeBytes[r] = new long[kept.size()][];
            for (int i = 0; i < kept.size(); i++) {
                int e = kept.get(i);
                long[] bytes = new long[4];
                for (int w = 0; w < 4; w++) {
                    for (long bits = classes[4 * e + w]; bits != 0; bits &= bits - 1) {
                        long[] cb = classBytes[64 * w + Long.numberOfTrailingZeros(bits)];
                        bytes[0] |= cb[0];
                        bytes[1] |= cb[1];
                        bytes[2] |= cb[2];
                        bytes[3] |= cb[3];
                    }
                }
                edgeTargets[r][i] = renumber[t[e]];
                edgeBytes[r][i] = bytes;
            }
        }

        private boolean acceptsAt(int d) {
            return accepting.get(d) != 0;
        }
    }

    /** A set of NFA states (sorted) as a map key. */
    private record Subset(int[] states) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Subset s && Arrays.equals(states, s.states);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(states);
        }
    }
}
