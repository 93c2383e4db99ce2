package dev.ferry.engine.grammar;

import java.util.ArrayDeque;
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

    /** Steps (state-set members visited, byte classes scanned) a construction may take: tens of milliseconds. */
    static final int MAX_WORK = 16_000_000;

    private final int stateCount;
    private final boolean[] accepting;
    private final int[][] edgeTargets;
    private final long[][][] edgeBytes;

    private Dfa(int stateCount, boolean[] accepting, int[][] edgeTargets, long[][][] edgeBytes) {
        this.stateCount = stateCount;
        this.accepting = accepting;
        this.edgeTargets = edgeTargets;
        this.edgeBytes = edgeBytes;
    }

    /** The start state is 0; an automaton whose language is empty has no states. */
    int stateCount() {
        return stateCount;
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

    static Dfa of(Nfa nfa, int maxStates, int maxEdges, String label) {
        return new Construction(nfa, maxStates, maxEdges, label).run().live();
    }

    /** The subset construction's working state, dropped once the automaton is built. */
    private static final class Construction {
        private final Nfa nfa;
        private final int maxStates;
        private final int maxEdges;
        private final String label;
        private final ByteClasses classes;
        /** Per NFA byte set: the byte classes it holds. */
        private final int[][] classesOfSet;
        private final List<int[]> subsets = new ArrayList<>();
        private final Map<Subset, Integer> index = new HashMap<>();
        private final List<int[]> targets = new ArrayList<>();
        private final List<long[][]> classSets = new ArrayList<>();
        private int edges;
        private long work;
        private final int[] mark;
        private int stamp;
        /** The closure's to-do list: each state pushes at most two others, after the seeds. */
        private final int[] stack;

        Construction(Nfa nfa, int maxStates, int maxEdges, String label) {
            this.nfa = nfa;
            this.maxStates = maxStates;
            this.maxEdges = maxEdges;
            this.label = label;
            long[] words = nfa.byteSets();
            this.classes = ByteClasses.of(words);
            this.classesOfSet = new int[words.length / 4][];
            for (int s = 0; s < classesOfSet.length; s++) {
                boolean[] has = new boolean[classes.count()];
                for (int b = 0; b < 256; b++) {
                    has[classes.classOf(b)] |= (words[4 * s + (b >>> 6)] & (1L << b)) != 0;
                }
                classesOfSet[s] = indexesOf(has);
            }
            this.mark = new int[nfa.size()];
            this.stack = new int[3 * nfa.size() + 1];
        }

        Construction run() {
            intern(closure(new int[] {nfa.start()}, 1));
            int k = classes.count();
            int[][] seeds = new int[k][8];
            int[] seedCount = new int[k];
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
                    work += through.length;
                }
                int[] target = new int[k];
                for (int c = 0; c < k; c++) {
                    target[c] = seedCount[c] == 0 ? -1 : intern(closure(seeds[c], seedCount[c]));
                }
                work += k;
                addEdges(target);
                if (work > MAX_WORK) {
                    throw new GrammarException(label + ": needs more than " + MAX_WORK + " steps to build its automaton");
                }
            }
            return this;
        }

        /** Groups the classes of one state by target: one edge per target. */
        private void addEdges(int[] target) {
            int[] distinct = Arrays.stream(target).filter(t -> t >= 0).distinct().toArray();
            edges += distinct.length;
            if (edges > maxEdges) {
                throw new GrammarException(label + ": needs more than " + maxEdges + " automaton edges");
            }
            long[][] byEdge = new long[distinct.length][];
            for (int e = 0; e < distinct.length; e++) {
                boolean[] chosen = new boolean[target.length];
                for (int c = 0; c < target.length; c++) {
                    chosen[c] = target[c] == distinct[e];
                }
                byEdge[e] = classes.bytesOf(chosen);
            }
            targets.add(distinct);
            classSets.add(byEdge);
        }

        /** The NFA states reachable from {@code seeds} without input, keeping those that consume or accept. */
        private int[] closure(int[] seeds, int n) {
            stamp++;
            int[] kept = new int[8];
            int count = 0;
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
                    if (count == kept.length) {
                        kept = Arrays.copyOf(kept, 2 * count);
                    }
                    kept[count++] = s;
                } else {
                    stack[top++] = nfa.alsoNext(s);
                    stack[top++] = nfa.next(s);
                }
            }
            int[] subset = Arrays.copyOf(kept, count);
            Arrays.sort(subset);
            return subset;
        }

        private int intern(int[] subset) {
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
            return subsets.size() - 1;
        }

        /** The automaton without the states that cannot reach acceptance, renumbered from 0 (the start). */
        Dfa live() {
            int n = subsets.size();
            boolean[] alive = new boolean[n];
            List<List<Integer>> sources = new ArrayList<>();
            ArrayDeque<Integer> todo = new ArrayDeque<>();
            for (int d = 0; d < n; d++) {
                sources.add(new ArrayList<>());
            }
            for (int d = 0; d < n; d++) {
                for (int t : targets.get(d)) {
                    sources.get(t).add(d);
                }
                if (Arrays.binarySearch(subsets.get(d), nfa.accept()) >= 0) {
                    alive[d] = true;
                    todo.add(d);
                }
            }
            while (!todo.isEmpty()) {
                for (int s : sources.get(todo.poll())) {
                    if (!alive[s]) {
                        alive[s] = true;
                        todo.add(s);
                    }
                }
            }
            if (!alive[0]) {
                return new Dfa(0, new boolean[0], new int[0][], new long[0][][]);
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
                if (!alive[d]) {
                    continue;
                }
                int r = renumber[d];
                accepting[r] = Arrays.binarySearch(subsets.get(d), nfa.accept()) >= 0;
                int[] t = targets.get(d);
                int kept = (int) Arrays.stream(t).filter(x -> alive[x]).count();
                edgeTargets[r] = new int[kept];
                edgeBytes[r] = new long[kept][];
                int e = 0;
                for (int i = 0; i < t.length; i++) {
                    if (alive[t[i]]) {
                        edgeTargets[r][e] = renumber[t[i]];
                        edgeBytes[r][e++] = classSets.get(d)[i];
                    }
                }
            }
            return new Dfa(live, accepting, edgeTargets, edgeBytes);
        }
    }

    private static int[] indexesOf(boolean[] has) {
        int n = 0;
        for (boolean h : has) {
            n += h ? 1 : 0;
        }
        int[] out = new int[n];
        int i = 0;
        for (int c = 0; c < has.length; c++) {
            if (has[c]) {
                out[i++] = c;
            }
        }
        return out;
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
