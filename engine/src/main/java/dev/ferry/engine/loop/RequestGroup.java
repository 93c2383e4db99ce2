package dev.ferry.engine.loop;

import dev.ferry.engine.api.RequestHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The choices of one submitted request (one, or OpenAI's {@code n}): they are queued together, the
 * caller's handle cancels them together, and a choice that fails ends the others (the request has
 * failed as a whole).
 */
final class RequestGroup implements RequestHandle {
    private final List<RequestState> choices;

    RequestGroup(int n) {
        choices = new ArrayList<>(n);
    }

    /** While the group is built, before it is queued. */
    void add(RequestState choice) {
        choices.add(choice);
    }

    /** In choice order. */
    List<RequestState> choices() {
        return Collections.unmodifiableList(choices);
    }

    @Override
    public void cancel() {
        for (RequestState r : choices) {
            r.cancel();
        }
    }

    @Override
    public boolean isDone() {
        for (RequestState r : choices) {
            if (!r.isDone()) {
                return false;
            }
        }
        return true;
    }
}
