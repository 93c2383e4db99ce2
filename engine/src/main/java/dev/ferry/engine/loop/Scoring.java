package dev.ferry.engine.loop;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.Scores;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One scoring run's results as its rows come in: the loop thread records each scored position
 * (again, identically, if the run is preempted and recomputed), and the run's one finish, on the
 * output thread, completes its future. It is the run's sink: a scoring run samples no token.
 */
final class Scoring implements TokenSink {
    private final int[] continuation;
    private final int[] greedy;
    private final float[] logprobs;
    private final CompletableFuture<Scores> result = new CompletableFuture<>();

    Scoring(int[] continuation) {
        this.continuation = continuation.clone();
        greedy = new int[continuation.length];
        logprobs = new float[continuation.length];
        Arrays.fill(greedy, -1);
    }

    CompletableFuture<Scores> result() {
        return result;
    }

    /** Tokens scored: the sequence's logit tail. */
    int length() {
        return continuation.length;
    }

    /** The token scored at continuation index {@code i}. */
    int target(int i) {
        return continuation[i];
    }

    /** Loop thread: the model's argmax and the scored token's log-probability at continuation index {@code i}. */
    void record(int i, int greedyToken, float logprob) {
        greedy[i] = greedyToken;
        logprobs[i] = logprob;
    }

    @Override
    public void onToken(TokenEvent token) {
        throw new IllegalStateException("a scoring run samples no token");
    }

    /** Output thread, after the loop's last record (the event queue orders them). */
    @Override
    public void onFinish(Finish finish) {
        if (finish.reason() == FinishReason.STOP) {
            result.complete(new Scores(continuation.clone(), greedy, logprobs));
        } else {
            result.completeExceptionally(new IllegalStateException("scoring run ended with "
                    + finish.reason().wireName() + (finish.error() == null ? "" : ": " + finish.error())));
        }
    }
}
