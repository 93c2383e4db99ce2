package dev.ferry.server.routing;

import java.util.ArrayDeque;
import java.util.List;

/**
 * One route's most recent shadowed requests, as training examples, oldest first; the oldest goes when
 * it is full, so the scorer follows the models and traffic as they are now. Shadow evaluation adds and
 * the refit thread reads, neither on the request path, so a monitor is enough.
 */
final class ShadowWindow {
    private final int capacity;
    private final ArrayDeque<AgreementTrainer.Example> examples;
    private long seen;
    private boolean changed;

    /** @param seenBefore shadows this route received before this window (in earlier runs) */
    ShadowWindow(int capacity, long seenBefore) {
        this.capacity = capacity;
        this.examples = new ArrayDeque<>(capacity);
        this.seen = seenBefore;
    }

    synchronized void add(AgreementTrainer.Example e) {
        if (examples.size() == capacity) {
            examples.removeFirst();
        }
        examples.addLast(e);
        seen++;
        changed = true;
    }

    /** Every shadow this route has received, the ones that left the window included. */
    synchronized long seen() {
        return seen;
    }

    /** The examples now, oldest first, if any arrived since the last call; else null. */
    synchronized List<AgreementTrainer.Example> takeIfChanged() {
        if (!changed) {
            return null;
        }
        changed = false;
        return List.copyOf(examples);
    }
}
