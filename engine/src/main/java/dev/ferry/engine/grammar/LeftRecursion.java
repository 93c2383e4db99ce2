package dev.ferry.engine.grammar;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Refuses a grammar in which one of the user's rules can reach itself without consuming a byte:
 * matching it would nest without end. Helper rules of a repetition whose body may be empty do reach
 * themselves that way, but only as a tail call, which the matcher's expansion visits once; a cycle
 * through a user's rule is what this reports.
 */
final class LeftRecursion {

    private LeftRecursion() {}

    /** @param userRules rules {@code 0..userRules-1} are the spec's own, named in the error */
    static void check(ByteRules rules, int userRules) {
        boolean[] nullable = nullable(rules);
        int[][] leading = leadingReferences(rules, nullable);
        int[] component = components(leading);
        for (int u = 0; u < userRules; u++) {
            List<Integer> cycle = cycleThrough(u, leading, component);
            if (cycle != null) {
                StringBuilder path = new StringBuilder(rules.ruleName(u));
                for (int r : cycle) {
                    if (r < userRules) {
                        path.append(" -> ").append(rules.ruleName(r));
                    }
                }
                throw new GrammarException("rule '" + rules.ruleName(u)
                        + "' is left-recursive: it can reach itself without consuming input (" + path + ")");
            }
        }
    }

    /**
     * Which rules can match the empty string. An alternative is nullable once every rule it refers
     * to is (and it holds no byte set); each rule found nullable counts down the alternatives that
     * refer to it, so the work is linear in the positions.
     */
    static boolean[] nullable(ByteRules rules) {
        int n = rules.ruleCount();
        IntList owner = new IntList();
        IntList pending = new IntList();
        IntList[] referrers = new IntList[n];
        for (int r = 0; r < n; r++) {
            referrers[r] = new IntList();
        }
        for (int r = 0; r < n; r++) {
            for (int a = 0; a < rules.alternativeCount(r); a++) {
                int alternative = owner.size();
                int refs = 0;
                int p = rules.alternativeStart(r, a);
                for (; !rules.isEnd(p) && rules.isRule(p); p++) {
                    referrers[rules.ruleAt(p)].add(alternative);
                    refs++;
                }
                owner.add(r);
                pending.add(rules.isEnd(p) ? refs : -1);    // -1: holds a byte set, never empty
            }
        }
        boolean[] nullable = new boolean[n];
        IntList found = new IntList();
        int[] left = pending.toArray();
        for (int alternative = 0; alternative < left.length; alternative++) {
            markNullable(left[alternative], owner.get(alternative), nullable, found);
        }
        for (int i = 0; i < found.size(); i++) {
            IntList uses = referrers[found.get(i)];
            for (int k = 0; k < uses.size(); k++) {
                int alternative = uses.get(k);
                markNullable(--left[alternative], owner.get(alternative), nullable, found);
            }
        }
        return nullable;
    }

    private static void markNullable(int pendingRefs, int rule, boolean[] nullable, IntList found) {
        if (pendingRefs == 0 && !nullable[rule]) {
            nullable[rule] = true;
            found.add(rule);
        }
    }

    /** For each rule, the rules it may enter before consuming a byte. */
    private static int[][] leadingReferences(ByteRules rules, boolean[] nullable) {
        int[][] out = new int[rules.ruleCount()][];
        for (int r = 0; r < rules.ruleCount(); r++) {
            IntList refs = new IntList();
            for (int a = 0; a < rules.alternativeCount(r); a++) {
                for (int p = rules.alternativeStart(r, a); rules.isRule(p); p++) {
                    refs.add(rules.ruleAt(p));
                    if (!nullable[rules.ruleAt(p)]) {
                        break;
                    }
                }
            }
            out[r] = refs.toArray();
        }
        return out;
    }

    /** Strongly connected components (Tarjan's, without recursion): the component id of each rule. */
    private static int[] components(int[][] edges) {
        int n = edges.length;
        int[] index = new int[n];
        int[] low = new int[n];
        int[] component = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        int[] stack = new int[n];
        int stackSize = 0;
        int[] callRule = new int[n];
        int[] callEdge = new int[n];
        int counter = 0;
        int components = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            int depth = 0;
            callRule[0] = root;
            callEdge[0] = 0;
            index[root] = low[root] = counter++;
            stack[stackSize++] = root;
            onStack[root] = true;
            while (depth >= 0) {
                int v = callRule[depth];
                if (callEdge[depth] < edges[v].length) {
                    int w = edges[v][callEdge[depth]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        stack[stackSize++] = w;
                        onStack[w] = true;
                        depth++;
                        callRule[depth] = w;
                        callEdge[depth] = 0;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = stack[--stackSize];
                        onStack[w] = false;
                        component[w] = components;
                    } while (w != v);
                    components++;
                }
                depth--;
                if (depth >= 0) {
                    int parent = callRule[depth];
                    low[parent] = Math.min(low[parent], low[v]);
                }
            }
        }
        return component;
    }

    /** A shortest path from {@code u} back to itself inside its component (ending in u), or null if there is none. */
    private static List<Integer> cycleThrough(int u, int[][] edges, int[] component) {
        int[] from = new int[edges.length];
        Arrays.fill(from, -2);
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        todo.add(u);
        while (!todo.isEmpty()) {
            int v = todo.poll();
            for (int w : edges[v]) {
                if (component[w] != component[u]) {
                    continue;
                }
                if (w == u) {
                    List<Integer> path = new ArrayList<>();
                    path.add(u);
                    for (int x = v; x != u; x = from[x]) {
                        path.add(0, x);
                    }
                    return path;
                }
                if (from[w] == -2) {
                    from[w] = v;
                    todo.add(w);
                }
            }
        }
        return null;
    }
}
