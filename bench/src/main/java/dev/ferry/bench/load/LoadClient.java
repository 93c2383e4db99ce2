package dev.ferry.bench.load;

/** A streaming client of one server protocol, as the load generator drives it. */
interface LoadClient extends AutoCloseable {

    /**
     * Starts the timeline's request and returns without waiting for anything from the server; the
     * client reports output and the terminal answer to the timeline as they arrive.
     */
    void send(RequestTimeline timeline);

    /**
     * Opens what {@code requests} requests sent at once need (a connection each over HTTP/1.1, the
     * one channel over gRPC) and has each answer a cheap request, so that a burst sent after it times
     * its requests rather than connection set-up.
     */
    void preconnect(int requests) throws InterruptedException;

    @Override
    void close();
}
