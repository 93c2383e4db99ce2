package dev.ferry.engine.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** A sink that collects a request's events for a caller that waits for them (offline use, tests). */
public final class TokenStream implements TokenSink {
    private final List<TokenEvent> tokens = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Consumer<TokenEvent> listener = t -> { };
    private volatile Finish finish;
    private RequestHandle handle;

    /** The finished request: every token, the whole text (stop strings excluded), and how it ended. */
    public record Result(int[] tokenIds, String text, Finish finish, List<TokenEvent> events) {}

    /** Called once, by whoever submitted this stream as a request's sink, with the request's handle. */
    public void attach(RequestHandle h) {
        handle = h;
    }

    /** Cancels the request of a stream returned by {@link Engine#submit(GenerateRequest)}. */
    public RequestHandle handle() {
        return handle;
    }

    /** Also calls {@code l} with each token as it arrives (on the engine's output thread). */
    public TokenStream onEachToken(Consumer<TokenEvent> l) {
        listener = l;
        return this;
    }

    @Override
    public synchronized void onToken(TokenEvent token) {
        tokens.add(token);
        text.append(token.text());
        listener.accept(token);
    }

    @Override
    public synchronized void onFinish(Finish f) {
        text.append(f.text());
        finish = f;
        done.countDown();
    }

    public Result await() throws InterruptedException {
        done.await();
        return result();
    }

    public Result await(Duration timeout) throws InterruptedException, TimeoutException {
        if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("request did not finish within " + timeout);
        }
        return result();
    }

    private synchronized Result result() {
        int[] ids = tokens.stream().mapToInt(TokenEvent::tokenId).toArray();
        return new Result(ids, text.toString(), finish, List.copyOf(tokens));
    }
}
