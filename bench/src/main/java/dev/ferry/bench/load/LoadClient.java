package dev.ferry.bench.load;

import java.util.function.Consumer;

/** A streaming client of one server protocol, as the load generator drives it. */
interface LoadClient extends AutoCloseable {

    /**
     * Makes {@code request} ready to send (its body encoded), so that a burst's sends at t = 0 are
     * sends alone: with 300 bodies encoded one after another as they were sent, the driver handed
     * the last one over 30-460 ms after t = 0 on 2 cores, and the last requests' latencies counted
     * that as the server's.
     */
    Prepared prepare(BenchRequest request);

    /**
     * A request ready to go: {@code start} sends it and returns without waiting for anything from the
     * server; the client reports output and the terminal answer to the timeline as they arrive.
     */
    record Prepared(BenchRequest request, Consumer<RequestTimeline> start) {}

    /**
     * Opens what {@code requests} requests sent at once need (a connection each over HTTP/1.1, the
     * one channel over gRPC) and has each answer a cheap request, so that a burst sent after it times
     * its requests rather than connection set-up.
     */
    void preconnect(int requests) throws InterruptedException;

    @Override
    void close();
}
