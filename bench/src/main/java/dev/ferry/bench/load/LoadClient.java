package dev.ferry.bench.load;

/** A streaming client of one server protocol, as the load generator drives it. */
interface LoadClient extends AutoCloseable {

    /**
     * Starts the timeline's request and returns without waiting for anything from the server; the
     * client reports output and the terminal answer to the timeline as they arrive.
     */
    void send(RequestTimeline timeline);

    @Override
    void close();
}
