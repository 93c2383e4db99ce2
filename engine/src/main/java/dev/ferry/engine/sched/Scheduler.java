package dev.ferry.engine.sched;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.kv.BlockManager.BlockKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Owns the engine's sequences from submission to retirement, and their KV through its
 * {@link KvManager}, as nano-vllm's and vLLM V1's schedulers do: waiting sequences hold no blocks
 * and queue by priority, then arrival; running ones hold blocks, in admission order. The engine
 * loop, its only caller and on its one thread, adds sequences, asks for each step's {@link Plan},
 * reports the step done with {@link #update} and retires sequences with {@link #finish}; it keeps
 * the per-request bookkeeping (streams, metrics) and never touches the queues or any blocks.
 *
 * <p>Each step's batch is decided per iteration (as in Orca and vLLM): every sequence has some
 * number of tokens still to compute, and the step hands out a budget of {@code maxNumBatchedTokens}
 * tokens over at most {@code maxNumSeqs} sequences. Running decodes go first, so streams already
 * producing tokens never wait behind a long prompt; then the remaining prompt chunks of running
 * interactive sequences; then waiting interactive sequences, by arrival, whose cached prefix blocks
 * are taken first so only the uncached rest is computed; then the same two for batch sequences, so
 * batch work never takes a step's budget from an interactive prompt. A waiting sequence whose first block matches one
 * still being prefilled waits a step, to share it instead of recomputing it.
 *
 * <p>The choices of one request (several samples of one prompt, as vLLM's parallel sampling) are
 * added together: the first is queued like any sequence, the others are held back until its
 * prompt's full blocks are computed and cached, then queue and take them from the prefix cache,
 * computing only the prompt's last, partial block. The prompt is prefilled once however long it
 * is, where the first-block rule alone would let a chunked prompt's later chunks be computed twice.
 *
 * <p>When a running sequence needs a block and none is left, the lowest-priority, latest-arrived
 * running sequence is preempted: its blocks are released (full ones stay in the prefix cache) and
 * it waits again, to be recomputed from its tokens, generated ones included. A running sequence
 * whose cached keys went stale as it grew (LongRoPE past its original context, {@link
 * dev.ferry.engine.kv.KvVariants}) is recomputed the same way, in place, in the next step.
 */
public final class Scheduler {
    /** Waiting order: priority class, then arrival. */
    private static final Comparator<Sequence> WAITING_ORDER =
            Comparator.comparing(Sequence::priority).thenComparingLong(Sequence::arrival);

    private final int maxNumSeqs;
    private final int maxNumBatchedTokens;
    private final KvManager kv;
    /** Sequences holding KV blocks, in admission order. */
    private final List<Sequence> running = new ArrayList<>();
    /** Sequences holding no blocks (new or preempted), in {@link #WAITING_ORDER}. */
    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(WAITING_ORDER);
    /** Choices held back until the first choice of their request (the key) has its prompt blocks cached. */
    private final Map<Sequence, List<Sequence>> held = new IdentityHashMap<>();

    public Scheduler(int maxNumSeqs, int maxNumBatchedTokens, KvManager kv) {
        this.maxNumSeqs = maxNumSeqs;
        this.maxNumBatchedTokens = maxNumBatchedTokens;
        this.kv = kv;
    }

    /** A step's plan: what runs, in batch order (decodes first), and who was preempted for it. */
    public record Plan(List<Scheduled> scheduled, List<Sequence> preempted) {
        public boolean isEmpty() {
            return scheduled.isEmpty();
        }
    }

    /** Queue gauges and KV usage, for the engine's metrics. */
    public record Stats(int running, int waiting, int kvBlocksUsed, int kvBlocksTotal, long prefixQueriedTokens,
                        long prefixHitTokens) {}

    /** Queues a new sequence; it holds no blocks until it is admitted. */
    public void add(Sequence seq) {
        waiting.add(seq);
    }

    /**
     * Queues the choices of one request, sequences of one prompt: the first now, the others once
     * the first's full prompt blocks are cached (at once when there are none to share).
     */
    public void add(List<Sequence> choices) {
        Sequence first = choices.get(0);
        add(first);
        List<Sequence> others = choices.subList(1, choices.size());
        if (!others.isEmpty() && kv.prefixCaching() && kv.shareablePromptTokens(first) > 0) {
            held.put(first, new ArrayList<>(others));
        } else {
            waiting.addAll(others);
        }
    }

    /** Decides the next step, reserving the slots its tokens need; preempted sequences wait again. */
    public Plan schedule() {
        PlanBuilder plan = new PlanBuilder();
        for (Sequence seq : running) {
            if (kv.stale(seq)) {
                kv.recompute(seq); // its prefill below computes it again, as the reference does at that length
            }
        }
        // Decodes first, then the remaining prompt chunks of running interactive sequences, then new
        // interactive ones; batch work (scoring runs, batch requests) only gets what they leave.
        List<Sequence> snapshot = List.copyOf(running);
        schedule(snapshot, plan, true, null);
        schedule(snapshot, plan, false, Priority.INTERACTIVE);
        // New work only when nothing had to be preempted: admitting would just preempt again.
        if (plan.preempted.isEmpty()) {
            admit(plan, Priority.INTERACTIVE);
        }
        schedule(snapshot, plan, false, Priority.BATCH);
        if (plan.preempted.isEmpty()) {
            admit(plan, Priority.BATCH);
        }
        return plan.build();
    }

    /** Plans the decodes, or the prompt chunks of one priority class, of the running sequences. */
    private void schedule(List<Sequence> snapshot, PlanBuilder plan, boolean decodes, Priority priority) {
        for (Sequence seq : snapshot) {
            boolean isDecode = seq.numUncomputed() == 1;
            if (isDecode != decodes || seq.numUncomputed() == 0 || plan.preempted.contains(seq)
                    || priority != null && seq.priority() != priority) {
                continue;
            }
            if (plan.isFull()) {
                break;
            }
            int n = Math.min(seq.numUncomputed(), plan.tokenBudget);
            if (reserve(seq, n, plan)) {
                plan.add(seq, n, isDecode);
            }
        }
    }

    /** After the plan's forward ran: its tokens are computed, and the blocks they filled join the prefix cache. */
    public void update(Plan plan) {
        for (Scheduled s : plan.scheduled()) {
            s.sequence().markComputed(s.numTokens());
            kv.commitFullBlocks(s.sequence());
            if (!held.isEmpty() && s.sequence().numComputed() >= kv.shareablePromptTokens(s.sequence())) {
                release(s.sequence());
            }
        }
    }

    /** The choices held back for {@code first}, if any, queue now. */
    private void release(Sequence first) {
        List<Sequence> others = held.remove(first);
        if (others != null) {
            waiting.addAll(others);
        }
    }

    /** Retires {@code seq} (finished, cancelled, failed) from whichever queue holds it, and frees its blocks. */
    public void finish(Sequence seq) {
        release(seq); // a first choice leaving before its prompt is cached: the others compute it themselves
        if (!running.remove(seq) && !waiting.remove(seq) && !unhold(seq)) {
            throw new IllegalArgumentException("sequence " + seq.id() + " is not scheduled here");
        }
        kv.free(seq);
    }

    /** Takes {@code seq} out of the held choices; false if it is not among them. */
    private boolean unhold(Sequence seq) {
        for (List<Sequence> others : held.values()) {
            if (others.remove(seq)) {
                return true;
            }
        }
        return false;
    }

    public boolean hasUnfinished() {
        return !running.isEmpty() || !waiting.isEmpty() || !held.isEmpty();
    }

    public int numRunning() {
        return running.size();
    }

    /** The waiting sequence next in line for admission, or null. */
    public Sequence nextWaiting() {
        return waiting.peek();
    }

    /** Whether {@code seq} waits for admission; for tests. */
    boolean isWaiting(Sequence seq) {
        return waiting.contains(seq);
    }

    /** Whether {@code seq} is a choice held back until its request's first choice has its prompt cached; for tests. */
    boolean isHeld(Sequence seq) {
        return held.values().stream().anyMatch(others -> others.contains(seq));
    }

    /** Tokens per KV block: how the planned sequences' block tables map positions to slots. */
    public int blockSize() {
        return kv.blockSize();
    }

    public Stats stats() {
        int numHeld = 0;
        for (List<Sequence> others : held.values()) {
            numHeld += others.size();
        }
        return new Stats(running.size(), waiting.size() + numHeld, kv.numUsedBlocks(), kv.numBlocks(), kv.prefixQueriedTokens(),
                kv.prefixHitTokens());
    }

    /** Admits waiting sequences of {@code upTo}'s class or a higher one, in order, while the step has room and their blocks fit. */
    private void admit(PlanBuilder plan, Priority upTo) {
        // read only when admitting: hashing running prompts' first blocks costs a step that admits nothing
        Set<BlockKey> computing = kv.prefixCaching() && !waiting.isEmpty() ? firstBlocksBeingComputed() : null;
        List<Sequence> deferred = new ArrayList<>();
        while (!waiting.isEmpty() && !plan.isFull() && waiting.peek().priority().compareTo(upTo) <= 0) {
            Sequence seq = waiting.peek();
            BlockKey first = computing == null ? null : kv.firstBlockKeyToCompute(seq);
            if (first != null && computing.contains(first)) {
                // Its prompt starts like one still being prefilled: wait a step and take those blocks from
                // the cache instead of computing them twice (SGLang-style cache-aware admission).
                deferred.add(waiting.poll());
                continue;
            }
            int cachedTokens = kv.takeCachedPrefix(seq);
            if (first != null && cachedTokens == 0) {
                computing.add(first); // it computes that block itself: later arrivals starting alike wait for it
            }
            int n = Math.min(seq.numUncomputed(), plan.tokenBudget);
            if (!kv.allocate(seq, n)) {
                // Does not fit yet: give back what the prefix lookup took, so those blocks stay evictable.
                kv.free(seq);
                break;
            }
            waiting.poll();
            running.add(seq);
            plan.add(seq, n, n == 1);
        }
        waiting.addAll(deferred);
    }

    /** Content keys of the first block of running sequences whose first block is not cached yet. */
    private Set<BlockKey> firstBlocksBeingComputed() {
        Set<BlockKey> keys = new HashSet<>();
        for (Sequence s : running) {
            BlockKey k = kv.firstBlockKeyToCompute(s);
            if (k != null) {
                keys.add(k);
            }
        }
        return keys;
    }

    /**
     * Makes room for {@code n} more tokens of {@code seq}, preempting others (or {@code seq}
     * itself) while the pool is full. Returns false when {@code seq} was preempted.
     */
    private boolean reserve(Sequence seq, int n, PlanBuilder plan) {
        while (!kv.allocate(seq, n)) {
            // the last in waiting order (lowest priority, latest arrival) is preempted first
            Sequence victim = running.stream().max(WAITING_ORDER).orElseThrow();
            plan.unschedule(victim);
            preempt(victim);
            plan.preempted.add(victim);
            if (victim == seq) {
                return false;
            }
        }
        return true;
    }

    /** Preemption by recompute: the victim's KV is dropped and it waits to be computed again from its tokens. */
    private void preempt(Sequence victim) {
        running.remove(victim);
        kv.free(victim);
        waiting.add(victim);
    }

    /** One step's plan while it is built: the token budget left, what runs, who was preempted. */
    private final class PlanBuilder {
        final List<Scheduled> decodes = new ArrayList<>();
        final List<Scheduled> prefills = new ArrayList<>();
        final List<Sequence> preempted = new ArrayList<>();
        int tokenBudget = maxNumBatchedTokens;

        boolean isFull() {
            return tokenBudget == 0 || decodes.size() + prefills.size() >= maxNumSeqs;
        }

        void add(Sequence seq, int n, boolean asDecode) {
            (asDecode ? decodes : prefills).add(new Scheduled(seq, n));
            tokenBudget -= n;
        }

        /** Takes a preempted sequence's tokens back out of the step. */
        void unschedule(Sequence victim) {
            for (List<Scheduled> list : List.of(decodes, prefills)) {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i).sequence() == victim) {
                        tokenBudget += list.remove(i).numTokens();
                        break;
                    }
                }
            }
        }

        /** Decodes first, then prompt chunks. */
        Plan build() {
            List<Scheduled> all = new ArrayList<>(decodes.size() + prefills.size());
            all.addAll(decodes);
            all.addAll(prefills);
            return new Plan(all, preempted);
        }
    }
}
