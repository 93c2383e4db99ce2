package dev.ferry.server.cli;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.concurrent.Semaphore;

/** Passes events on and frees a slot of the in-flight limit when the request finishes. */
final class ReleasingSink implements TokenSink {
    private final TokenSink delegate;
    private final Semaphore slots;

    ReleasingSink(TokenSink delegate, Semaphore slots) {
        this.delegate = delegate;
        this.slots = slots;
    }

    @Override
    public void onToken(TokenEvent token) {
        delegate.onToken(token);
    }

    @Override
    public void onFinish(Finish finish) {
        try {
            delegate.onFinish(finish);
        } finally {
            slots.release();
        }
    }
}
