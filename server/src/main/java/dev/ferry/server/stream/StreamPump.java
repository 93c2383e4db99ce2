package dev.ferry.server.stream;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries one request's tokens from the engine's output thread to a network stream without ever
 * blocking the engine or buffering without bound in the transport. Tokens are appended to a compact
 * pending chunk; a drain task on {@code executor} writes the pending chunk as one message only while
 * the transport says it is ready, so a slow reader gets fewer, larger messages (memory bounded by the
 * request's max_tokens, a few bytes per token) while the engine and other streams run on. The
 * transport calls {@link #onReady()} when it can take more. Drains never overlap, so the target
 * is called from one thread at a time.
 */
public final class StreamPump implements TokenSink {
    /** The transport side of one stream. */
    public interface Target {
        /** Whether a message can be written now without queueing beyond the transport's own window. */
        boolean isReady();

        void send(Chunk chunk);

        /** The last call: every token has been sent. */
        void finish(Finish finish);
    }

    private final Executor executor;
    private final Target target;
    private final boolean keepLogprobs;
    private final StreamStats stats;
    private final AtomicInteger drainRequests = new AtomicInteger();

    // Guarded by this: the pending chunk and the finish.
    private final StringBuilder text = new StringBuilder();
    private int[] ids = new int[8];
    private int count;
    private List<TokenEvent> logprobs;
    private Finish finish;
    private boolean abandoned;
    // Touched by the drain only.
    private boolean finished;

    public StreamPump(Executor executor, Target target, boolean keepLogprobs, StreamStats stats) {
        this.executor = executor;
        this.target = target;
        this.keepLogprobs = keepLogprobs;
        this.stats = stats;
        this.logprobs = keepLogprobs ? new ArrayList<>() : List.of();
    }

    @Override
    public void onToken(TokenEvent token) {
        long buffered;
        synchronized (this) {
            if (abandoned) {
                return;
            }
            if (count == ids.length) {
                ids = Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = token.tokenId();
            text.append(token.text());
            if (keepLogprobs) {
                logprobs.add(token);
            }
            buffered = count;
        }
        stats.buffered(1, buffered);
        scheduleDrain();
    }

    @Override
    public void onFinish(Finish f) {
        synchronized (this) {
            finish = f;
        }
        scheduleDrain();
    }

    /** The transport can take more. */
    public void onReady() {
        scheduleDrain();
    }

    /**
     * The client went away: drops what is pending and ignores what still comes (the caller cancels
     * the request in the engine).
     */
    public void abandon() {
        int dropped;
        synchronized (this) {
            abandoned = true;
            dropped = count;
            count = 0;
            text.setLength(0);
            finish = null;
        }
        stats.buffered(-dropped, 0);
    }

    private void scheduleDrain() {
        if (drainRequests.getAndIncrement() == 0) {
            executor.execute(this::drain);
        }
    }

    /** Runs until no drain request is left; requests that arrive meanwhile are served by this run. */
    private void drain() {
        int requests = drainRequests.get();
        do {
            drainOnce();
            requests = drainRequests.addAndGet(-requests);
        } while (requests != 0);
    }

    private void drainOnce() {
        while (!finished && target.isReady()) {
            Chunk chunk = null;
            Finish end = null;
            synchronized (this) {
                if (count > 0) {
                    chunk = new Chunk(text.toString(), Arrays.copyOf(ids, count), logprobs);
                    text.setLength(0);
                    logprobs = keepLogprobs ? new ArrayList<>() : List.of();
                    count = 0;
                } else if (finish != null) {
                    end = finish;
                } else {
                    return;
                }
            }
            if (chunk != null) {
                stats.buffered(-chunk.tokenIds().length, 0);
                stats.sent(chunk.tokenIds().length);
                target.send(chunk);
            } else {
                finished = true;
                target.finish(end);
            }
        }
    }
}
