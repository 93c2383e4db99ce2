package dev.ferry.engine.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.KvVariants;
import org.junit.jupiter.api.Test;

class KvManagerTest {
    private static final int BS = 4;

    private static Sequence seq(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = salt * 1000 + i;
        }
        return new Sequence(t);
    }

    /** Allocates, computes and commits all of {@code seq}'s tokens, as a step does. */
    private static void compute(KvManager kv, Sequence seq) {
        assertTrue(kv.allocate(seq, seq.numUncomputed()));
        seq.markComputed(seq.numUncomputed());
        kv.commitFullBlocks(seq);
    }

    @Test
    void allocateGrowsTheTableByWholeBlocksAndTakesNothingWhenThePoolIsFull() {
        BlockManager bm = new BlockManager(4, BS, false);
        KvManager kv = new KvManager(bm);
        Sequence a = seq(5, 1);
        assertTrue(kv.allocate(a, 5));
        assertEquals(2, a.blockTable().length);
        a.markComputed(5);
        assertTrue(kv.allocate(a, 3), "positions 5..7 fit in the second block");
        assertEquals(2, a.blockTable().length);
        Sequence b = seq(12, 2);
        assertFalse(kv.allocate(b, 12), "three blocks wanted, two left");
        assertEquals(0, b.blockTable().length);
        assertEquals(2, bm.checkConsistency(), "the failed allocation took nothing");
        assertTrue(kv.allocate(b, 8));
        assertEquals(4, bm.checkConsistency());
        kv.free(a);
        kv.free(b);
        assertEquals(0, bm.checkConsistency());
        assertEquals(4, bm.numAvailable());
    }

    @Test
    void aCachedPrefixIsSharedAndTheLastPromptTokenIsAlwaysLeftToCompute() {
        BlockManager bm = new BlockManager(16, BS, true);
        KvManager kv = new KvManager(bm);
        Sequence a = seq(10, 1); // two full blocks + 2 tokens
        compute(kv, a);
        int[] aTable = a.blockTable().clone();

        Sequence b = seq(10, 1);
        assertEquals(8, kv.takeCachedPrefix(b));
        assertEquals(8, b.numComputed());
        assertEquals(2, b.blockTable().length);
        assertEquals(aTable[0], b.blockTable()[0]);
        assertEquals(aTable[1], b.blockTable()[1]);
        assertEquals(3, bm.checkConsistency(), "shared blocks are referenced once, not twice");

        Sequence exact = seq(8, 1); // exactly two blocks: the second must be computed for the last token's logits
        assertEquals(4, kv.takeCachedPrefix(exact));
        assertEquals(4, exact.numUncomputed());

        Sequence other = seq(10, 2);
        assertEquals(0, kv.takeCachedPrefix(other));
        assertEquals(0, other.blockTable().length);
        assertEquals(9 + 7 + 9, bm.queriedTokens());
        assertEquals(8 + 4, bm.hitTokens());

        assertThrows(IllegalStateException.class, () -> kv.takeCachedPrefix(b), "b already holds blocks");
        kv.free(a);
        kv.free(b);
        kv.free(exact);
        assertEquals(0, bm.checkConsistency());
        assertEquals(2, bm.numCachedUnreferenced(), "a's full blocks stay cached; its partial one is free");
    }

    @Test
    void onlyComputedFullBlocksAreCommittedAndFreeingResetsTheSequence() {
        BlockManager bm = new BlockManager(16, BS, true);
        KvManager kv = new KvManager(bm);
        Sequence a = seq(10, 3);
        assertTrue(kv.allocate(a, 10));
        a.markComputed(6); // a chunk: one full block computed, the second half done
        kv.commitFullBlocks(a);
        assertEquals(4, kv.takeCachedPrefix(seq(10, 3)), "only the first block is in the cache");
        a.markComputed(4);
        kv.commitFullBlocks(a);
        kv.commitFullBlocks(a); // committing again changes nothing
        Sequence b = seq(10, 3);
        assertEquals(8, kv.takeCachedPrefix(b));

        kv.free(a);
        assertEquals(0, a.numComputed());
        assertEquals(0, a.blockTable().length);
        assertEquals(10, a.numUncomputed(), "recomputed from its tokens after a preemption");
        assertNotNull(kv.firstBlockKeyToCompute(a), "its first block has no key any more");
        assertNull(kv.firstBlockKeyToCompute(b), "b's first block came from the cache");
        // b holds both full blocks and the first lookup's sequence the first one; a's partial block is free.
        assertEquals(2, bm.checkConsistency());
        assertEquals(14, bm.numAvailable());
    }

    @Test
    void firstBlockKeysMatchOnlyForTheSameFirstBlockAndOnlyWhenATokenFollowsIt() {
        KvManager kv = new KvManager(new BlockManager(16, BS, true));
        Sequence a = seq(6, 1);
        Sequence b = seq(5, 1);
        assertEquals(kv.firstBlockKeyToCompute(a), kv.firstBlockKeyToCompute(b));
        assertNotEquals(kv.firstBlockKeyToCompute(a), kv.firstBlockKeyToCompute(seq(6, 2)));
        assertNull(kv.firstBlockKeyToCompute(seq(4, 1)), "a prompt of exactly one block computes that block itself");
    }

    @Test
    void longRopeSequenceIsRecomputedWhenItCrossesTheOriginalContextAndCachesPerVariant() {
        BlockManager bm = new BlockManager(16, BS, true);
        KvVariants longPast8 = length -> length > 8 ? 1 : 0;
        KvManager kv = new KvManager(bm, longPast8);
        Sequence a = seq(8, 1);
        compute(kv, a);
        assertFalse(kv.stale(a), "8 tokens rotate with the short factors");
        a.append(7);
        assertTrue(kv.stale(a), "at 9 tokens every key must be rotated with the long factors");
        kv.recompute(a);
        assertEquals(0, a.numComputed(), "the short blocks are not the long variant's: nothing is taken");
        compute(kv, a);
        assertFalse(kv.stale(a));

        Sequence shortTwin = seq(8, 1);
        assertEquals(4, kv.takeCachedPrefix(shortTwin), "a short sequence takes the short blocks");
        Sequence longTwin = new Sequence(java.util.Arrays.copyOf(a.tokenArray(), a.length()));
        assertEquals(8, kv.takeCachedPrefix(longTwin), "a long one takes the long blocks");
        assertEquals(bm.checkConsistency(), bm.numUsed());
    }
}
