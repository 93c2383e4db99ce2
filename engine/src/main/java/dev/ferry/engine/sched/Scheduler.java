package dev.ferry.engine.sched;

import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.BlockManager.BlockKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Decides each step's batch (iteration-level scheduling, as in Orca and vLLM): every sequence has
 * some number of tokens still to compute, and the step hands out a budget of
 * {@code maxNumBatchedTokens} tokens over at most {@code maxNumSeqs} sequences. Running decodes go
 * first, so streams already producing tokens never wait behind a long prompt; then the remaining
 * prompt chunks of running sequences; then waiting sequences, by priority and arrival, whose cached
 * prefix blocks are taken first so only the uncached rest is computed. A waiting sequence whose
 * first block matches one still being prefilled waits a step, to share it instead of recomputing it.
 *
 * <p>When a running sequence needs a block and none is left, the lowest-priority, latest-arrived
 * running sequence is preempted: its blocks are released (full ones stay in the prefix cache) and
 * it waits again, to be recomputed from its tokens, generated ones included.
 */
public final class Scheduler {
    /** Waiting order: priority class, then arrival. */
    public static final Comparator<Sequence> WAITING_ORDER =
            Comparator.comparing(Sequence::priority).thenComparingLong(Sequence::arrival);

    private final int maxNumSeqs;
    private final int maxNumBatchedTokens;
    private final BlockManager blocks;

    public Scheduler(int maxNumSeqs, int maxNumBatchedTokens, BlockManager blocks) {
        this.maxNumSeqs = maxNumSeqs;
        this.maxNumBatchedTokens = maxNumBatchedTokens;
        this.blocks = blocks;
    }

    /** A step's plan: what runs, in batch order (decodes first), and who was preempted for it. */
    public record Plan(List<Scheduled> scheduled, List<Sequence> preempted) {
        public boolean isEmpty() {
            return scheduled.isEmpty();
        }
    }

    /**
     * @param running sequences holding KV blocks, in admission order; preempted ones are removed
     *     and newly admitted ones appended
     * @param waiting sequences without blocks, ordered by {@link #WAITING_ORDER}; preempted ones are added
     */
    public Plan schedule(List<Sequence> running, PriorityQueue<Sequence> waiting) {
        List<Scheduled> decodes = new ArrayList<>();
        List<Scheduled> prefills = new ArrayList<>();
        List<Sequence> preempted = new ArrayList<>();
        int[] budget = {maxNumBatchedTokens};
        // Decodes first, then the remaining prompt chunks of running sequences.
        List<Sequence> snapshot = List.copyOf(running);
        for (boolean decodePass : new boolean[] {true, false}) {
            for (Sequence seq : snapshot) {
                boolean isDecode = seq.numUncomputed() == 1;
                if (isDecode != decodePass || seq.numUncomputed() == 0 || preempted.contains(seq)) {
                    continue;
                }
                if (budget[0] == 0 || decodes.size() + prefills.size() >= maxNumSeqs) {
                    break;
                }
                int n = Math.min(seq.numUncomputed(), budget[0]);
                if (reserve(seq, n, running, waiting, decodes, prefills, preempted, budget)) {
                    (isDecode ? decodes : prefills).add(new Scheduled(seq, n));
                    budget[0] -= n;
                }
            }
        }
        // New work only when nothing had to be preempted: admitting would just preempt again.
        // read only when admitting: hashing running prompts' first blocks costs a step that admits nothing
        Set<BlockKey> computing = blocks.prefixCaching() && preempted.isEmpty() && !waiting.isEmpty()
                ? firstBlocksBeingComputed(running) : null;
        List<Sequence> deferred = new ArrayList<>();
        while (preempted.isEmpty() && !waiting.isEmpty() && budget[0] > 0
                && decodes.size() + prefills.size() < maxNumSeqs) {
            Sequence seq = waiting.peek();
            BlockKey first = computing == null ? null : firstBlockKey(seq);
            if (first != null && computing.contains(first) && seq.blockTable().length == 0) {
                // Its prompt starts like one still being prefilled: wait a step and take those blocks from
                // the cache instead of computing them twice (SGLang-style cache-aware admission).
                deferred.add(waiting.poll());
                continue;
            }
            if (seq.blockTable().length == 0 && seq.numComputed() == 0) {
                takeCachedPrefix(seq);
            }
            if (first != null && seq.keyedBlocks() == 0) {
                computing.add(first);
            }
            int n = Math.min(seq.numUncomputed(), budget[0]);
            int[] table = blocks.ensureCapacity(seq.blockTable(), seq.numComputed() + n);
            if (table == null) {
                // Does not fit yet: give back what the prefix lookup took, so those blocks stay evictable.
                blocks.release(seq.blockTable());
                seq.resetComputed();
                break;
            }
            seq.setBlockTable(table);
            waiting.poll();
            running.add(seq);
            (n == 1 ? decodes : prefills).add(new Scheduled(seq, n));
            budget[0] -= n;
        }
        waiting.addAll(deferred);
        List<Scheduled> all = new ArrayList<>(decodes.size() + prefills.size());
        all.addAll(decodes);
        all.addAll(prefills);
        return new Plan(all, preempted);
    }

    /** Content keys of the first block of running sequences whose first block is not cached yet. */
    private Set<BlockKey> firstBlocksBeingComputed(List<Sequence> running) {
        Set<BlockKey> keys = new HashSet<>();
        for (Sequence s : running) {
            BlockKey k = s.keyedBlocks() == 0 ? firstBlockKey(s) : null;
            if (k != null) {
                keys.add(k);
            }
        }
        return keys;
    }

    /** The key of a sequence's first block when its prompt fills one (and leaves a token to compute). */
    private BlockKey firstBlockKey(Sequence s) {
        return s.length() > blocks.blockSize() ? BlockManager.ROOT.child(s.tokenArray(), 0, blocks.blockSize()) : null;
    }

    /** Prompt tokens already in the prefix cache are taken, not computed (always leaving the last one). */
    private void takeCachedPrefix(Sequence seq) {
        int[] shared = blocks.acquirePrefix(seq.tokenArray(), seq.length() - 1, seq.keys(seq.length() / blocks.blockSize()));
        if (shared.length > 0) {
            seq.setBlockTable(shared);
            seq.setKeyedBlocks(shared.length);
            seq.markComputed(shared.length * blocks.blockSize());
        }
    }

    /**
     * Makes room for {@code n} more tokens of {@code seq}, preempting others (or {@code seq}
     * itself) while the pool is full. Returns false when {@code seq} was preempted.
     */
    private boolean reserve(Sequence seq, int n, List<Sequence> running, PriorityQueue<Sequence> waiting,
                            List<Scheduled> decodes, List<Scheduled> prefills, List<Sequence> preempted, int[] budget) {
        while (true) {
            int[] table = blocks.ensureCapacity(seq.blockTable(), seq.numComputed() + n);
            if (table != null) {
                seq.setBlockTable(table);
                return true;
            }
            // the last in waiting order (lowest priority, latest arrival) is preempted first
            Sequence victim = running.stream().max(WAITING_ORDER).orElseThrow();
            unschedule(victim, decodes, budget);
            unschedule(victim, prefills, budget);
            preempt(victim, running, waiting);
            preempted.add(victim);
            if (victim == seq) {
                return false;
            }
        }
    }

    private static void unschedule(Sequence victim, List<Scheduled> list, int[] budget) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).sequence() == victim) {
                budget[0] += list.remove(i).numTokens();
                return;
            }
        }
    }

    private void preempt(Sequence victim, List<Sequence> running, PriorityQueue<Sequence> waiting) {
        running.remove(victim);
        blocks.release(victim.blockTable());
        victim.resetComputed();
        waiting.add(victim);
    }
}
