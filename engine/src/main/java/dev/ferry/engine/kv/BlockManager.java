package dev.ferry.engine.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands out the KV pool's blocks with reference counts, and (when enabled) caches full blocks by
 * content so that sequences sharing a prompt prefix share its blocks ("automatic prefix caching").
 *
 * <p>A full block is keyed by a 128-bit hash of its parent block's key and its token ids, so a key
 * names the whole prefix up to and including the block. A new sequence walks its prompt block by
 * block and takes every cached block it finds (reference count + 1); only the rest is computed.
 * Blocks whose count drops to zero stay cached, in least-recently-released order, and are evicted
 * only when the free list is empty. It knows blocks, not sequences: the scheduler's KvManager
 * turns a sequence's needs into these calls and keeps its block table. Used on the engine loop's
 * thread only; not thread-safe.
 */
public final class BlockManager {
    /** Key of the empty prefix, the parent of every sequence's first block. */
    public static final BlockKey ROOT = new BlockKey(0x6A09E667F3BCC908L, 0xBB67AE8584CAA73BL);

    /**
     * The key a variant's prefixes descend from: {@link #ROOT} for variant 0, so blocks computed in
     * one variant ({@link KvVariants}) are never found by a sequence of another.
     */
    public static BlockKey root(int variant) {
        return variant == 0 ? ROOT : ROOT.child(new int[] {-variant}, 0, 1);
    }

    /** 128 bits of a prefix's content: a collision would silently serve another prompt's KV. */
    public record BlockKey(long hi, long lo) {
        public BlockKey child(int[] tokens, int from, int blockSize) {
            long h = hi;
            long l = lo;
            for (int i = from; i < from + blockSize; i++) {
                h = mix(h ^ (tokens[i] * 0x9E3779B97F4A7C15L) + 0x632BE59BD9B4E019L);
                l = mix(l + tokens[i] + 0xD1B54A32D192ED03L) ^ (l >>> 29);
            }
            return new BlockKey(mix(h ^ l), mix(l + 0x94D049BB133111EBL * h));
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    private final int numBlocks;
    private final int blockSize;
    private final boolean prefixCaching;
    private final int[] refCount;
    private final BlockKey[] keyOf;
    private final Map<BlockKey, Integer> cached = new HashMap<>();
    /** Truly free blocks (no cached content), as a stack. */
    private final int[] free;
    private int freeCount;
    /** Cached blocks nobody references, oldest release first: an intrusive doubly linked list. */
    private final int[] prev;
    private final int[] next;
    private int lruHead = -1;
    private int lruTail = -1;
    private int evictableCount;
    private long queriedTokens;
    private long hitTokens;

    public BlockManager(int numBlocks, int blockSize, boolean prefixCaching) {
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        refCount = new int[numBlocks];
        keyOf = new BlockKey[numBlocks];
        free = new int[numBlocks];
        prev = new int[numBlocks];
        next = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            free[i] = numBlocks - 1 - i; // block 0 first
        }
        freeCount = numBlocks;
        Arrays.fill(prev, -1);
        Arrays.fill(next, -1);
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public boolean prefixCaching() {
        return prefixCaching;
    }

    /** Blocks that can be handed out now: free ones plus cached ones nobody uses. */
    public int numAvailable() {
        return freeCount + evictableCount;
    }

    /** Blocks referenced by at least one sequence. */
    public int numUsed() {
        return numBlocks - numAvailable();
    }

    public int numCachedUnreferenced() {
        return evictableCount;
    }

    /** Prompt tokens looked up in the prefix cache, and how many were found. */
    public long queriedTokens() {
        return queriedTokens;
    }

    public long hitTokens() {
        return hitTokens;
    }

    /**
     * Takes the cached blocks that hold a prefix of {@code tokens}, at most {@code maxTokens} tokens
     * (so at least the last prompt token is still computed and yields logits). Returns the shared
     * blocks in order; their keys are appended to {@code keys}.
     *
     * @param root the key the prefix descends from, {@link #root}
     */
    public int[] acquirePrefix(int[] tokens, int maxTokens, BlockKey[] keys, BlockKey root) {
        int full = Math.max(0, maxTokens) / blockSize;
        queriedTokens += Math.max(0, maxTokens);
        if (!prefixCaching || full == 0) {
            return new int[0];
        }
        int[] out = new int[full];
        BlockKey key = root;
        int n = 0;
        while (n < full) {
            key = key.child(tokens, n * blockSize, blockSize);
            Integer block = cached.get(key);
            if (block == null) {
                break;
            }
            retain(block);
            keys[n] = key;
            out[n++] = block;
        }
        hitTokens += (long) n * blockSize;
        return Arrays.copyOf(out, n);
    }

    /**
     * Grows {@code table} so it holds {@code tokens} tokens; returns the new table, or null (having
     * taken nothing) when too few blocks are available.
     */
    public int[] ensureCapacity(int[] table, int tokens) {
        int needed = (tokens + blockSize - 1) / blockSize - table.length;
        if (needed <= 0) {
            return table;
        }
        if (needed > numAvailable()) {
            return null;
        }
        int[] out = Arrays.copyOf(table, table.length + needed);
        for (int i = table.length; i < out.length; i++) {
            out[i] = take();
        }
        return out;
    }

    /**
     * Registers the full blocks of {@code table} from index {@code from} on as cached content, given
     * the sequence's tokens and the keys of its earlier blocks. Returns how many blocks now have
     * keys. A block whose content is already cached elsewhere stays private to this sequence.
     */
    public int commitFullBlocks(int[] table, int[] tokens, int computedTokens, BlockKey[] keys, int from,
                                BlockKey root) {
        if (!prefixCaching) {
            return from;
        }
        int full = Math.min(computedTokens / blockSize, table.length);
        for (int i = from; i < full; i++) {
            BlockKey parent = i == 0 ? root : keys[i - 1];
            BlockKey key = parent.child(tokens, i * blockSize, blockSize);
            keys[i] = key;
            int block = table[i];
            if (keyOf[block] == null && !cached.containsKey(key)) {
                keyOf[block] = key;
                cached.put(key, block);
            }
        }
        return Math.max(from, full);
    }

    /** Drops a sequence's references; unreferenced cached blocks become evictable, the rest free. */
    public void release(int[] table) {
        // Release the tail first: a prefix is worth more than its continuation, so evict continuations first.
        for (int i = table.length - 1; i >= 0; i--) {
            int b = table[i];
            if (--refCount[b] > 0) {
                continue;
            }
            if (refCount[b] < 0) {
                throw new IllegalStateException("block " + b + " released more often than taken");
            }
            if (keyOf[b] != null) {
                lruAppend(b);
            } else {
                free[freeCount++] = b;
            }
        }
    }

    private int take() {
        int b;
        if (freeCount > 0) {
            b = free[--freeCount];
        } else {
            b = lruHead; // evict the least recently released cached block
            lruRemove(b);
            cached.remove(keyOf[b]);
            keyOf[b] = null;
        }
        refCount[b] = 1;
        return b;
    }

    private void retain(int b) {
        if (refCount[b]++ == 0) {
            lruRemove(b);
        }
    }

    private void lruAppend(int b) {
        prev[b] = lruTail;
        next[b] = -1;
        if (lruTail >= 0) {
            next[lruTail] = b;
        } else {
            lruHead = b;
        }
        lruTail = b;
        evictableCount++;
    }

    private void lruRemove(int b) {
        if (prev[b] >= 0) {
            next[prev[b]] = next[b];
        } else {
            lruHead = next[b];
        }
        if (next[b] >= 0) {
            prev[next[b]] = prev[b];
        } else {
            lruTail = prev[b];
        }
        prev[b] = -1;
        next[b] = -1;
        evictableCount--;
    }

    /** Checks the invariants the engine relies on; for tests. Returns blocks referenced by sequences. */
    public int checkConsistency() {
        int referenced = 0;
        int inLru = 0;
        for (int b = lruHead; b >= 0; b = next[b]) {
            if (refCount[b] != 0 || keyOf[b] == null) {
                throw new IllegalStateException("block " + b + " in the LRU is referenced or uncached");
            }
            inLru++;
        }
        for (int b = 0; b < numBlocks; b++) {
            if (refCount[b] > 0) {
                referenced++;
            }
            if (keyOf[b] != null && !Integer.valueOf(b).equals(cached.get(keyOf[b]))) {
                throw new IllegalStateException("block " + b + " has a key the cache maps elsewhere");
            }
        }
        if (inLru != evictableCount || referenced + freeCount + evictableCount != numBlocks) {
            throw new IllegalStateException("block accounting: referenced " + referenced + " + free " + freeCount
                    + " + evictable " + evictableCount + " != " + numBlocks);
        }
        return referenced;
    }
}
