package dev.ferry.server.stream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Server-wide figures of the token streams: what is buffered for slow clients, and what was sent. */
public final class StreamStats {
    private final AtomicLong bufferedTokens = new AtomicLong();
    private final AtomicLong maxBufferedPerStream = new AtomicLong();
    private final LongAdder messages = new LongAdder();
    private final LongAdder tokens = new LongAdder();

    void buffered(long delta, long streamBuffered) {
        bufferedTokens.addAndGet(delta);
        if (streamBuffered > maxBufferedPerStream.get()) { // read first: a write per token would contend across streams
            maxBufferedPerStream.accumulateAndGet(streamBuffered, Math::max);
        }
    }

    void sent(int tokenCount) {
        messages.increment();
        tokens.add(tokenCount);
    }

    /** Tokens sampled but not yet handed to a transport, over all streams now. */
    public long bufferedTokens() {
        return bufferedTokens.get();
    }

    /** The most tokens one stream has held back at once since start. */
    public long maxBufferedPerStream() {
        return maxBufferedPerStream.get();
    }

    public long messagesSent() {
        return messages.sum();
    }

    public long tokensSent() {
        return tokens.sum();
    }
}
