package dev.ferry.engine.embed;

import dev.ferry.store.config.EncoderBatchConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides when waiting inputs become a batch and which ones ({@link EncoderBatchConfig} says the
 * rules). Inputs are taken in arrival order, the oldest always first, as many as the batch size and
 * the token budget allow; one that would overflow the budget waits for the next batch, where it is
 * among the oldest. Batches are packed, so padding cannot make one ordering cheaper than another and
 * the budget counts real tokens only.
 */
final class BatchPlanner {
    private final EncoderBatchConfig config;
    private final long delayNanos;

    BatchPlanner(EncoderBatchConfig config) {
        this.config = config;
        this.delayNanos = config.maxQueueDelay().toNanos();
    }

    /**
     * The batch to run now, taken out of {@code pending}; empty when it is better to wait for more.
     *
     * @param pending the waiting inputs in arrival order
     */
    List<Pending> next(List<Pending> pending, long nowNanos) {
        if (pending.isEmpty()) {
            return List.of();
        }
        Selection full = select(pending, config.maxBatchSize());
        Selection chosen;
        if (full.inputs.size() == config.maxBatchSize() || full.boundByTokens) {
            chosen = full;
        } else if (nowNanos - pending.get(0).arrivedNanos() >= delayNanos) {
            int size = full.inputs.size();
            for (int preferred : config.preferredBatchSizes()) {
                if (preferred <= full.inputs.size()) {
                    size = preferred; // sizes are ascending: the largest that fits wins
                }
            }
            chosen = size == full.inputs.size() ? full : select(pending, size);
        } else {
            return List.of();
        }
        Set<Pending> taken = new HashSet<>(chosen.inputs);
        pending.removeIf(taken::contains);
        return chosen.inputs;
    }

    /** When the oldest waiting input's delay runs out. */
    long deadline(List<Pending> pending) {
        return pending.get(0).arrivedNanos() + delayNanos;
    }

    private record Selection(List<Pending> inputs, boolean boundByTokens) {}

    private Selection select(List<Pending> pending, int size) {
        List<Pending> batch = new ArrayList<>();
        long tokens = 0;
        boolean boundByTokens = false;
        for (Pending p : pending) {
            if (batch.size() == size) {
                break;
            }
            if (!batch.isEmpty() && tokens + p.length() > config.maxBatchTokens()) {
                boundByTokens = true;
                continue;
            }
            batch.add(p);
            tokens += p.length();
        }
        return new Selection(batch, boundByTokens);
    }
}
