package dev.ferry.engine.embed;

import dev.ferry.store.config.EncoderBatchConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides when waiting inputs become a batch and which ones ({@link EncoderBatchConfig} says the
 * rules). The oldest input is always in the next batch, so no input waits behind a stream of
 * better-fitting ones; the rest are the inputs closest to it in length (or the next arrivals, with
 * grouping off), as many as the batch size and the token budget allow.
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
        Pending oldest = pending.get(0);
        List<Pending> candidates = pending;
        if (config.groupByLength()) {
            candidates = new ArrayList<>(pending); // a stable sort: among equal distances, the earlier arrival first
            candidates.sort(Comparator.comparingInt(p -> Math.abs(p.length() - oldest.length())));
        }
        List<Pending> batch = new ArrayList<>();
        int width = 0;
        boolean boundByTokens = false;
        for (Pending p : candidates) {
            if (batch.size() == size) {
                break;
            }
            int w = Math.max(width, p.length());
            if (!batch.isEmpty() && (long) (batch.size() + 1) * w > config.maxBatchTokens()) {
                boundByTokens = true;
                continue;
            }
            batch.add(p);
            width = w;
        }
        return new Selection(batch, boundByTokens);
    }
}
