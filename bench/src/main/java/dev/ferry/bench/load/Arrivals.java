package dev.ferry.bench.load;

import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * When the driver sends the next request. Open loop: on Poisson arrival times fixed in advance,
 * whatever the server is doing. Closed loop: when one of {@code concurrency} users has its answer.
 * Burst: at once, back to back.
 */
sealed interface Arrivals {

    /**
     * Waits until the next request is due and returns the {@link System#nanoTime} it was due at,
     * or {@code Long.MIN_VALUE} when none is due before {@code deadline}.
     */
    long awaitNext(long deadline) throws InterruptedException;

    /** A request got its terminal answer. */
    void ended();

    /** Exponential gaps at {@code rate} per second, each counted from the previous arrival's due time, not from when it was sent. */
    final class Poisson implements Arrivals {
        private final double meanGapNanos;
        private final SplittableRandom random;
        private long next;

        Poisson(double rate, long seed, long start) {
            this.meanGapNanos = 1e9 / rate;
            this.random = new SplittableRandom(seed).split(); // independent of the workload's stream of the same seed
            this.next = start;
        }

        @Override
        public long awaitNext(long deadline) {
            next += Math.round(-Math.log(1 - random.nextDouble()) * meanGapNanos);
            if (next - deadline >= 0) {
                return Long.MIN_VALUE;
            }
            for (long wait; (wait = next - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            return next;
        }

        @Override
        public void ended() {
        }
    }

    /** {@code concurrency} users, each sending its next request as soon as the last one ended. */
    final class Closed implements Arrivals {
        private final Semaphore idleUsers;

        Closed(int concurrency) {
            this.idleUsers = new Semaphore(concurrency);
        }

        @Override
        public long awaitNext(long deadline) throws InterruptedException {
            return idleUsers.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS) ? System.nanoTime()
                    : Long.MIN_VALUE;
        }

        @Override
        public void ended() {
            idleUsers.release();
        }
    }

    /**
     * Every request due now: the driver sends them back to back without waiting. Each is due when
     * it is handed to the client, so a request's latency is its own round trip and not the time the
     * driver took to send the ones before it (the driver's own pace shows in the run's send span).
     */
    final class Burst implements Arrivals {
        @Override
        public long awaitNext(long deadline) {
            return System.nanoTime();
        }

        @Override
        public void ended() {
        }
    }
}
