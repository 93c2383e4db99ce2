package dev.ferry.engine.grammar;

import java.util.Arrays;

/**
 * The tokens of a vocabulary as a byte trie in flat arrays, nodes in depth-first order: node 0 is
 * the root (no bytes), node {@code i}'s descendants are nodes {@code i+1 .. subtreeEnd(i)-1}, and
 * the tokens whose bytes end at node {@code i} are {@code tokenIds[tokenStart[i] .. tokenStart[i+1])}.
 * Walking it in order while following a grammar's transitions visits each shared prefix once and
 * skips a dead prefix's whole subtree with one jump.
 */
final class TokenTrie {

    final byte[] label;
    final int[] depth;
    final int[] subtreeEnd;
    final int[] tokenStart;
    /** Token ids in the order of their bytes (unsigned, lexicographic), which is the order of their end nodes. */
    final int[] tokenIds;
    final int maxDepth;

    private TokenTrie(byte[] label, int[] depth, int[] subtreeEnd, int[] tokenStart, int[] tokenIds, int maxDepth) {
        this.label = label;
        this.depth = depth;
        this.subtreeEnd = subtreeEnd;
        this.tokenStart = tokenStart;
        this.tokenIds = tokenIds;
        this.maxDepth = maxDepth;
    }

    int nodeCount() {
        return label.length;
    }

    /** @param ids the tokens to hold; each {@code tokens[id]} non-empty */
    static TokenTrie of(byte[][] tokens, int[] ids) {
        Integer[] boxed = new Integer[ids.length];
        long totalBytes = 0;
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
            totalBytes += tokens[ids[i]].length;
        }
        Arrays.sort(boxed, (a, b) -> Arrays.compareUnsigned(tokens[a], tokens[b]));
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes + 1);
        byte[] label = new byte[capacity];
        int[] depth = new int[capacity];
        int[] subtreeEnd = new int[capacity];
        int[] sortedIds = new int[ids.length];
        int[] endNode = new int[ids.length];
        int maxDepth = 0;
        for (byte[] t : tokens) {
            maxDepth = Math.max(maxDepth, t == null ? 0 : t.length);
        }
        int[] open = new int[maxDepth + 1];    // open[d]: the node at depth d on the current path
        int nodes = 1;
        byte[] previous = new byte[0];
        for (int k = 0; k < boxed.length; k++) {
            byte[] t = tokens[boxed[k]];
            int shared = Arrays.mismatch(previous, t);
            shared = shared < 0 ? t.length : shared;
            for (int d = previous.length; d > shared; d--) {
                subtreeEnd[open[d]] = nodes;
            }
            for (int d = shared + 1; d <= t.length; d++) {
                label[nodes] = t[d - 1];
                depth[nodes] = d;
                open[d] = nodes++;
            }
            sortedIds[k] = boxed[k];
            endNode[k] = open[t.length];
            previous = t;
        }
        for (int d = previous.length; d >= 0; d--) {
            subtreeEnd[open[d]] = nodes;
        }
        int[] tokenStart = new int[nodes + 1];
        int k = 0;
        for (int node = 0; node <= nodes; node++) {
            while (k < endNode.length && endNode[k] < node) {
                k++;
            }
            tokenStart[node] = k;
        }
        return new TokenTrie(Arrays.copyOf(label, nodes), Arrays.copyOf(depth, nodes),
                Arrays.copyOf(subtreeEnd, nodes), tokenStart, sortedIds, maxDepth);
    }
}
