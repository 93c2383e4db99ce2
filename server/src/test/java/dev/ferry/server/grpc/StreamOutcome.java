package dev.ferry.server.grpc;

import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.GenerateResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** One Generate stream's tokens and terminal answers; {@code finish} completes on the terminal one. */
final class StreamOutcome implements StreamObserver<GenerateResponse> {
    final CompletableFuture<Finish> finish = new CompletableFuture<>();
    final AtomicInteger tokens = new AtomicInteger();
    final AtomicInteger terminals = new AtomicInteger();
    private final CountDownLatch firstToken;
    private volatile Finish last;

    StreamOutcome() {
        this(new CountDownLatch(1));
    }

    /** @param firstToken counted down at the stream's first token */
    StreamOutcome(CountDownLatch firstToken) {
        this.firstToken = firstToken;
    }

    @Override
    public void onNext(GenerateResponse r) {
        if (tokens.getAndAdd(r.getTokenIdsCount()) == 0 && r.getTokenIdsCount() > 0) {
            firstToken.countDown();
        }
        if (r.hasFinish()) {
            last = r.getFinish();
        }
    }

    @Override
    public void onError(Throwable t) {
        terminals.incrementAndGet();
        finish.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        terminals.incrementAndGet();
        finish.complete(last);
    }
}
