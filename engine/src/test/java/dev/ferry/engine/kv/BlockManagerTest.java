package dev.ferry.engine.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.engine.kv.BlockManager.BlockKey;
import org.junit.jupiter.api.Test;

class BlockManagerTest {
    private static final int BS = 4;

    private static int[] tokens(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = salt * 1000 + i;
        }
        return t;
    }

    /** Allocates and commits all of a sequence's blocks, as KvManager does for a step that computes them. */
    private static int[] fill(BlockManager bm, int[] toks, BlockKey[] keys) {
        int[] table = bm.ensureCapacity(new int[0], toks.length);
        bm.commitFullBlocks(table, toks, toks.length, keys, 0, BlockManager.ROOT);
        return table;
    }

    @Test
    void sharedPrefixIsFoundBlockByBlockAndNeverTheWholePrompt() {
        BlockManager bm = new BlockManager(16, BS, true);
        int[] a = tokens(10, 1); // two full blocks + 2 tokens
        int[] table = fill(bm, a, new BlockKey[4]);
        int[] b = a.clone();
        b[9] = 77; // same first 8 tokens
        BlockKey[] keys = new BlockKey[4];
        int[] shared = bm.acquirePrefix(b, b.length - 1, keys, BlockManager.ROOT);
        assertArrayEquals(new int[] {table[0], table[1]}, shared);
        bm.release(shared);
        int[] exact = tokens(8, 1); // prompt of exactly 2 blocks: only the first may be shared
        int[] one = bm.acquirePrefix(exact, exact.length - 1, new BlockKey[4], BlockManager.ROOT);
        assertEquals(1, one.length);
        int[] c = tokens(10, 2);
        assertEquals(0, bm.acquirePrefix(c, 9, new BlockKey[4], BlockManager.ROOT).length);
        bm.release(one);
        bm.release(table);
        assertEquals(0, bm.checkConsistency());
        assertEquals(2, bm.numCachedUnreferenced());
    }

    @Test
    void differentEarlierBlocksMeanDifferentKeys() {
        BlockManager bm = new BlockManager(16, BS, true);
        int[] a = tokens(8, 1);
        bm.release(fill(bm, a, new BlockKey[2]));
        int[] b = a.clone();
        b[0] = -5; // second block equal, first different: nothing may be shared
        assertEquals(0, bm.acquirePrefix(b, 8, new BlockKey[2], BlockManager.ROOT).length);
    }

    @Test
    void unreferencedCachedBlocksAreEvictedLeastRecentlyReleasedFirst() {
        BlockManager bm = new BlockManager(4, BS, true);
        int[] a = fill(bm, tokens(4, 1), new BlockKey[1]);
        int[] b = fill(bm, tokens(4, 2), new BlockKey[1]);
        bm.release(a);
        bm.release(b);
        int[] taken = bm.ensureCapacity(new int[0], 12); // 2 free + 1 evicted
        assertEquals(3, taken.length);
        assertEquals(0, bm.acquirePrefix(tokens(5, 1), 4, new BlockKey[1], BlockManager.ROOT).length, "a was released first: evicted");
        assertEquals(1, bm.acquirePrefix(tokens(5, 2), 4, new BlockKey[1], BlockManager.ROOT).length, "b still cached");
        assertNull(bm.ensureCapacity(new int[0], 8));
    }

    @Test
    void withoutPrefixCachingBlocksAreSimplyFreed() {
        BlockManager bm = new BlockManager(4, BS, false);
        int[] a = fill(bm, tokens(8, 1), new BlockKey[2]);
        bm.release(a);
        assertEquals(0, bm.acquirePrefix(tokens(9, 1), 8, new BlockKey[2], BlockManager.ROOT).length);
        assertEquals(4, bm.numAvailable());
        assertEquals(0, bm.numCachedUnreferenced());
    }
}
