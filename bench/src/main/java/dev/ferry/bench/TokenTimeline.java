package dev.ferry.bench;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.concurrent.CountDownLatch;

/**
 * One engine request's token times, written on the engine's output thread. Read only after the
 * request's finish: the latch's count-down and await order the writes before the reads.
 */
final class TokenTimeline implements TokenSink {
    final long submitted;
    final long[] tokens;
    final CountDownLatch done;
    int count;
    long finished;
    Finish finish;

    TokenTimeline(long submitted, int maxTokens, CountDownLatch done) {
        this.submitted = submitted;
        this.tokens = new long[maxTokens];
        this.done = done;
    }

    @Override
    public void onToken(TokenEvent token) {
        if (count < tokens.length) {
            tokens[count++] = System.nanoTime();
        }
    }

    @Override
    public void onFinish(Finish f) {
        finished = System.nanoTime();
        finish = f;
        done.countDown();
    }

    long first() {
        return tokens[0];
    }

    long last() {
        return tokens[count - 1];
    }

    /** Tokens that arrived in {@code (from, to]}. */
    long countIn(long from, long to) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (tokens[i] > from && tokens[i] <= to) {
                n++;
            }
        }
        return n;
    }
}
