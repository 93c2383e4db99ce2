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
    /**
     * Per node: the one token that ends there; {@link #noToken} (an id past the vocabulary) where
     * none does, so a mask walk sets a bit either way without a branch; or -1 where several do
     * (tokens with equal bytes), to be read from {@link #tokenIds}.
     */
    final int[] endToken;
    final int noToken;
    final int maxDepth;

    private TokenTrie(byte[] label, int[] depth, int[] subtreeEnd, int[] tokenStart, int[] tokenIds, int noToken, int maxDepth) {
        this.label = label;
        this.depth = depth;
        this.subtreeEnd = subtreeEnd;
        this.tokenStart = tokenStart;
        this.tokenIds = tokenIds;
        this.noToken = noToken;
        this.maxDepth = maxDepth;
        this.endToken = new int[label.length];
        for (int i = 0; i < label.length; i++) {
            int n = tokenStart[i + 1] - tokenStart[i];
            endToken[i] = n == 0 ? noToken : n == 1 ? tokenIds[tokenStart[i]] : -1;
        }
    }

    int nodeCount() {
        return label.length;
    }

    /**
     * Builds the trie by partitioning the ids byte by byte (a most-significant-byte radix sort whose
     * groups are the nodes), in time linear in the tokens' bytes.
     *
     * @param ids the tokens to hold; each {@code tokens[id]} non-empty
     */
    static TokenTrie of(byte[][] tokens, int[] ids) {
        return new Builder(tokens, ids.clone()).build();
    }

    private static final class Builder {
        private static final int CLOSE = -1;

        private final byte[][] tokens;
        /** Rearranged in place so that each node's ids are contiguous, in byte order. */
        private final int[] ids;
        private final int[] scratch;
        private final byte[] label;
        private final int[] depth;
        private final int[] subtreeEnd;
        private final IntList tokenStart = new IntList();
        private final IntList sortedIds = new IntList();
        private int nodes;
        private int maxDepth;

        Builder(byte[][] tokens, int[] ids) {
            this.tokens = tokens;
            this.ids = ids;
            this.scratch = new int[ids.length];
            long totalBytes = 0;
            for (int id : ids) {
                totalBytes += tokens[id].length;
            }
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes + 1);
            this.label = new byte[capacity];
            this.depth = new int[capacity];
            this.subtreeEnd = new int[capacity];
        }

        /** The byte at {@code d} of token {@code id}, or -1 where the token ends before it. */
        private int byteAt(int id, int d) {
            byte[] t = tokens[id];
            return d < t.length ? t[d] & 0xFF : -1;
        }

        TokenTrie build() {
            // each frame: a group ids[lo, hi) sharing its first d bytes, whose node is made when popped;
            // or CLOSE and a node, whose subtree ends when popped
            IntList stack = new IntList();
            stack.add(0);
            stack.add(ids.length);
            stack.add(0);
            while (stack.size() > 0) {
                int d = stack.pop();
                int hi = stack.pop();
                int lo = stack.pop();
                if (lo == CLOSE) {
                    subtreeEnd[hi] = nodes;
                    continue;
                }
                int node = nodes++;
                depth[node] = d;
                label[node] = d == 0 ? 0 : tokens[ids[lo]][d - 1];
                maxDepth = Math.max(maxDepth, d);
                partition(lo, hi, d);
                int i = lo;
                tokenStart.add(sortedIds.size());
                while (i < hi && tokens[ids[i]].length == d) {
                    sortedIds.add(ids[i++]);
                }
                stack.add(CLOSE);
                stack.add(node);
                stack.add(0);
                int groupsFrom = stack.size();
                while (i < hi) {
                    int b = byteAt(ids[i], d);
                    int j = i + 1;
                    while (j < hi && byteAt(ids[j], d) == b) {
                        j++;
                    }
                    stack.add(i);
                    stack.add(j);
                    stack.add(d + 1);
                    i = j;
                }
                stack.reverseTriples(groupsFrom);    // the lowest byte is popped first: depth-first order
            }
            tokenStart.add(sortedIds.size());
            return new TokenTrie(Arrays.copyOf(label, nodes), Arrays.copyOf(depth, nodes),
                    Arrays.copyOf(subtreeEnd, nodes), tokenStart.toArray(), sortedIds.toArray(), tokens.length, maxDepth);
        }

        /** Orders ids[lo, hi) by their byte at {@code d}, the tokens that end before it first. */
        private void partition(int lo, int hi, int d) {
            if (hi - lo < 32) {
                for (int i = lo + 1; i < hi; i++) {
                    int id = ids[i];
                    int key = byteAt(id, d);
                    int j = i - 1;
                    while (j >= lo && byteAt(ids[j], d) > key) {
                        ids[j + 1] = ids[j];
                        j--;
                    }
                    ids[j + 1] = id;
                }
                return;
            }
            int[] start = new int[258];
            for (int i = lo; i < hi; i++) {
                start[byteAt(ids[i], d) + 2]++;
            }
            for (int k = 1; k < start.length; k++) {
                start[k] += start[k - 1];
            }
            for (int i = lo; i < hi; i++) {
                scratch[lo + start[byteAt(ids[i], d) + 1]++] = ids[i];
            }
            System.arraycopy(scratch, lo, ids, lo, hi - lo);
        }
    }
}
