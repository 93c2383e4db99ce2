package dev.ferry.bench;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.PreparedRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Requests sent into the serving front ({@link Inference}) at Poisson arrivals, every one waited for:
 * each one's model, prompt, answer tokens and time to first token (from prepare to the first token),
 * and the phase's span from the first send to the last finish. For the in-process serving benchmarks.
 */
final class OpenLoopPhase {
    /** One request as it went. */
    record Served(int index, String model, int[] promptIds, int[] answer, long ttftMicros) {}

    /** A phase's requests in the order sent, and its wall time. */
    record Result(List<Served> served, long spanNanos) {
        Histogram ttft() {
            Histogram h = new Histogram(3);
            served.forEach(s -> h.recordValue(s.ttftMicros()));
            return h;
        }

        long answerTokens() {
            return served.stream().mapToLong(s -> s.answer().length).sum();
        }
    }

    private OpenLoopPhase() {}

    /**
     * Sends {@code count} requests ({@code requests} of index 0..count-1) at {@code rate} a second on
     * average, arrivals drawn from {@code seed}.
     */
    static Result run(Inference inference, int count, double rate, long seed, IntFunction<InferenceRequest> requests)
            throws InterruptedException {
        List<Served> served = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(count);
        SplittableRandom arrivals = new SplittableRandom(seed);
        long start = System.nanoTime();
        long next = start;
        long[] lastFinish = {start};
        for (int i = 0; i < count; i++) {
            next += (long) (-Math.log(1 - arrivals.nextDouble()) / rate * 1e9);
            LockSupport.parkNanos(next - System.nanoTime());
            int index = i;
            long t0 = System.nanoTime();
            PreparedRequest prepared = inference.prepare(requests.apply(i));
            prepared.start(new TokenSink() {
                private final List<Integer> tokens = new ArrayList<>();
                private long ttft = -1;

                @Override
                public void onToken(TokenEvent token) {
                    if (ttft < 0) {
                        ttft = (System.nanoTime() - t0) / 1000;
                    }
                    tokens.add(token.tokenId());
                }

                @Override
                public void onFinish(Finish finish) {
                    long now = System.nanoTime();
                    synchronized (lastFinish) {
                        lastFinish[0] = Math.max(lastFinish[0], now);
                    }
                    served.add(new Served(index, prepared.model(), prepared.promptIds(),
                            tokens.stream().mapToInt(Integer::intValue).toArray(), Math.max(0, ttft)));
                    done.countDown();
                }
            });
        }
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " of " + count + " requests did not finish in 5 minutes");
        }
        List<Served> ordered = new ArrayList<>(served);
        ordered.sort((a, b) -> Integer.compare(a.index(), b.index()));
        synchronized (lastFinish) {
            return new Result(ordered, lastFinish[0] - start);
        }
    }
}
