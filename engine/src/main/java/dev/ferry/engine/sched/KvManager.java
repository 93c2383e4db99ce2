package dev.ferry.engine.sched;

import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.BlockManager.BlockKey;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.kv.KvVariants;

/**
 * The KV cache as sequences see it: slots for the tokens a sequence is about to compute, the cached
 * blocks its prompt can share, its full blocks registered for others to share, and its blocks back
 * when it leaves. It is the only writer of a sequence's block table, block keys and keyed-block
 * count, so no caller handles block or key arrays; the blocks themselves (reference counts, the
 * content index, eviction) stay with {@link BlockManager}. Owned by the {@link Scheduler}, on the
 * engine loop's thread; benchmarks and tests that drive the model without a scheduler use it too.
 */
public final class KvManager {
    private final BlockManager blocks;
    private final KvVariants variants;

    public KvManager(BlockManager blocks) {
        this(blocks, KvVariants.SINGLE);
    }

    /** @param variants which keys a sequence of a given length caches (LongRoPE's two sets) */
    public KvManager(BlockManager blocks, KvVariants variants) {
        this.blocks = blocks;
        this.variants = variants;
    }

    /**
     * All of {@code spec}'s blocks, free, and no prefix caching: what a benchmark or test that drives
     * the model step by step without a scheduler starts from.
     */
    public static KvManager withoutPrefixCaching(KvCacheSpec spec) {
        return new KvManager(new BlockManager(spec.numBlocks(), spec.blockSize(), false));
    }

    public int blockSize() {
        return blocks.blockSize();
    }

    boolean prefixCaching() {
        return blocks.prefixCaching();
    }

    /**
     * Gives {@code seq} slots for its next {@code numTokens} tokens past the computed ones. Returns
     * false, having taken nothing, when too few blocks are available.
     */
    public boolean allocate(Sequence seq, int numTokens) {
        if (seq.numComputed() == 0) {
            seq.setKvVariant(variants.of(seq.length()));
        }
        int[] table = blocks.ensureCapacity(seq.blockTable(), seq.numComputed() + numTokens);
        if (table == null) {
            return false;
        }
        seq.setBlockTable(table);
        return true;
    }

    /**
     * Shares the cached blocks that hold a prefix of {@code seq}'s tokens and counts their tokens as
     * computed, always leaving the tokens whose logits are wanted to compute ({@link Sequence#logitTail()}:
     * the last one, whose logits the step samples, or every scored one).
     * {@code seq} must hold no blocks yet. Returns the tokens taken from the cache.
     */
    public int takeCachedPrefix(Sequence seq) {
        if (seq.blockTable().length != 0 || seq.numComputed() != 0) {
            throw new IllegalStateException("sequence " + seq.id() + " already holds blocks");
        }
        seq.setKvVariant(variants.of(seq.length()));
        int[] shared = blocks.acquirePrefix(seq.tokenArray(), seq.length() - seq.logitTail(), seq.keys(seq.length() / blockSize()),
                BlockManager.root(seq.kvVariant()));
        if (shared.length > 0) {
            seq.setBlockTable(shared);
            seq.setKeyedBlocks(shared.length);
            seq.markComputed(shared.length * blockSize());
        }
        return shared.length * blockSize();
    }

    /**
     * Prompt tokens of {@code seq} that another sequence of the same prompt can take from the cache
     * once {@code seq} computed them: its full blocks short of the last prompt token, which
     * {@link #takeCachedPrefix} always leaves to compute.
     */
    int shareablePromptTokens(Sequence seq) {
        return (seq.promptLength() - 1) / blockSize() * blockSize();
    }

    /** After a step computed more of {@code seq}: registers its newly full blocks in the prefix cache. */
    public void commitFullBlocks(Sequence seq) {
        seq.setKeyedBlocks(blocks.commitFullBlocks(seq.blockTable(), seq.tokenArray(), seq.numComputed(),
                seq.keys(seq.blockTable().length), seq.keyedBlocks(), BlockManager.root(seq.kvVariant())));
    }

    /**
     * Whether {@code seq} has grown into another variant than the one its cached keys were computed
     * in (a LongRoPE sequence past original_max_position_embeddings): they must be computed again.
     */
    boolean stale(Sequence seq) {
        return seq.numComputed() > 0 && variants.of(seq.length()) != seq.kvVariant();
    }

    /**
     * Drops {@code seq}'s stale KV and takes what the prefix cache holds of its tokens in its new
     * variant: the rest is computed again, generated tokens included, as after a preemption.
     */
    void recompute(Sequence seq) {
        free(seq);
        takeCachedPrefix(seq);
    }

    /**
     * Gives back {@code seq}'s blocks (full ones stay cached for others) and leaves it with nothing
     * computed: when it finishes, and when it is preempted to be recomputed later.
     */
    public void free(Sequence seq) {
        blocks.release(seq.blockTable());
        seq.resetComputed();
    }

    /**
     * The content key of {@code seq}'s first block while that block is still to be computed here:
     * its tokens fill a block and leave one after it, and no key was registered or taken for it yet.
     * Null otherwise. Sequences with equal keys would compute the same block.
     */
    BlockKey firstBlockKeyToCompute(Sequence seq) {
        return seq.keyedBlocks() == 0 && seq.length() > blockSize()
                ? BlockManager.root(variants.of(seq.length())).child(seq.tokenArray(), 0, blockSize()) : null;
    }

    int numBlocks() {
        return blocks.numBlocks();
    }

    int numUsedBlocks() {
        return blocks.numUsed();
    }

    long prefixQueriedTokens() {
        return blocks.queriedTokens();
    }

    long prefixHitTokens() {
        return blocks.hitTokens();
    }
}
