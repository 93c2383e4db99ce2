package dev.ferry.engine.sched;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.kv.BlockManager.BlockKey;
import java.util.Arrays;

/**
 * A request's tokens, prompt then generated, and how many of them already have keys and values in
 * the KV cache. It also carries its KV blocks: the block table, the content keys of its full blocks
 * (for the prefix cache) and how many blocks are keyed; only {@link KvManager} writes those, and
 * {@link BatchBuilder} reads the table. The {@link Scheduler} owns the sequence from submission to
 * retirement; all of it is used on the engine loop's thread.
 */
public final class Sequence {
    private final long id;
    private final Priority priority;
    private final long arrival;
    private int[] tokens;
    private int length;
    private final int promptLength;
    /** How many of its last tokens need logits once computed: 1 to sample the next token, more to score them. */
    private final int logitTail;
    private int numComputed;
    private int[] blockTable = new int[0];
    private BlockKey[] keys = new BlockKey[0];
    private int keyedBlocks;
    /** The {@link dev.ferry.engine.kv.KvVariants variant} its cached keys were computed in. */
    private int kvVariant;

    /** A sequence outside any engine (tests, benchmarks): id 0, interactive. */
    public Sequence(int[] prompt) {
        this(0, Priority.INTERACTIVE, 0, prompt);
    }

    /** @param arrival order of submission: earlier sequences are scheduled first and preempted last */
    public Sequence(long id, Priority priority, long arrival, int[] prompt) {
        this(id, priority, arrival, prompt, 1);
    }

    /**
     * @param logitTail how many of the last tokens need logits (1 for generation; a teacher-forced
     *     scoring run wants one per scored token)
     */
    public Sequence(long id, Priority priority, long arrival, int[] prompt, int logitTail) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token");
        }
        if (logitTail < 1 || logitTail > prompt.length) {
            throw new IllegalArgumentException("logit tail must be in [1, " + prompt.length + "], got " + logitTail);
        }
        this.id = id;
        this.logitTail = logitTail;
        this.priority = priority;
        this.arrival = arrival;
        tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        length = prompt.length;
        promptLength = prompt.length;
    }

    public long id() {
        return id;
    }

    public Priority priority() {
        return priority;
    }

    public long arrival() {
        return arrival;
    }

    public int length() {
        return length;
    }

    public int promptLength() {
        return promptLength;
    }

    public int numGenerated() {
        return length - promptLength;
    }

    public int numComputed() {
        return numComputed;
    }

    /** Tokens whose keys and values still have to be computed. */
    public int numUncomputed() {
        return length - numComputed;
    }

    /** How many of its last tokens need logits. */
    public int logitTail() {
        return logitTail;
    }

    /**
     * How many of the next {@code n} uncomputed tokens need logits: those within the last
     * {@link #logitTail()} tokens, always the chunk's own last ones.
     */
    public int logitRows(int n) {
        int end = numComputed + n;
        return Math.max(0, end - Math.max(numComputed, length - logitTail));
    }

    public int token(int i) {
        return tokens[i];
    }

    /** The backing token array (valid up to {@link #length()}); read-only for callers. */
    public int[] tokenArray() {
        return tokens;
    }

    public int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, length);
    }

    public void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
        }
        tokens[length++] = token;
    }

    /** In the engine only the scheduler calls this, after a step; model drivers without one call it themselves. */
    public void markComputed(int n) {
        numComputed += n;
    }

    int[] blockTable() {
        return blockTable;
    }

    void setBlockTable(int[] table) {
        blockTable = table;
        keys(table.length);
    }

    /** Content keys of the first {@link #keyedBlocks()} blocks, in an array of at least {@code capacity}. */
    BlockKey[] keys(int capacity) {
        if (keys.length < capacity) {
            keys = Arrays.copyOf(keys, Math.max(capacity, keys.length * 2));
        }
        return keys;
    }

    int keyedBlocks() {
        return keyedBlocks;
    }

    void setKeyedBlocks(int n) {
        keyedBlocks = n;
    }

    int kvVariant() {
        return kvVariant;
    }

    void setKvVariant(int variant) {
        kvVariant = variant;
    }

    /** Preemption by recompute: the KV is dropped; every token, generated ones included, is computed again. */
    void resetComputed() {
        numComputed = 0;
        blockTable = new int[0];
        keyedBlocks = 0;
    }
}
