package dev.ferry.engine.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The flat trie holds every token once, at the node whose path spells it, in depth-first order. */
class TokenTrieTest {

    @Test
    void holdsEveryTokenAtItsPathInDepthFirstOrder() {
        Random rnd = new Random(5);
        byte[][] tokens = new byte[6000][];
        for (int id = 0; id < tokens.length; id++) {
            if (id > 0 && rnd.nextInt(20) == 0) {
                tokens[id] = tokens[rnd.nextInt(id)];    // equal bytes under two ids
            } else {
                byte[] t = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 40)];
                for (int k = 0; k < t.length; k++) {
                    t[k] = (byte) (rnd.nextBoolean() ? 'a' + rnd.nextInt(3) : rnd.nextInt(256));
                }
                tokens[id] = t;
            }
        }
        int[] ids = new int[tokens.length];
        Arrays.setAll(ids, i -> i);
        TokenTrie trie = TokenTrie.of(tokens, ids);

        byte[][] path = new byte[trie.maxDepth + 1][];
        path[0] = new byte[0];
        Set<Integer> seen = new HashSet<>();
        byte[] previous = null;
        for (int i = 0; i < trie.nodeCount(); i++) {
            int d = trie.depth[i];
            if (i > 0) {
                path[d] = Arrays.copyOf(path[d - 1], d);
                path[d][d - 1] = trie.label[i];
                assertTrue(Arrays.compareUnsigned(previous, path[d]) < 0, "depth-first, byte order");
            }
            previous = path[d];
            int end = i + 1;
            while (end < trie.nodeCount() && trie.depth[end] > d) {
                end++;
            }
            assertEquals(end, trie.subtreeEnd[i], "subtree of node " + i);
            for (int k = trie.tokenStart[i]; k < trie.tokenStart[i + 1]; k++) {
                int id = trie.tokenIds[k];
                assertArrayEquals(tokens[id], path[d]);
                assertTrue(seen.add(id));
            }
            int n = trie.tokenStart[i + 1] - trie.tokenStart[i];
            assertEquals(n == 0 ? trie.noToken : n == 1 ? trie.tokenIds[trie.tokenStart[i]] : -1, trie.endToken[i]);
        }
        assertEquals(tokens.length, seen.size());
    }
}
