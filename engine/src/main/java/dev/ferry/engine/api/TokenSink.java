package dev.ferry.engine.api;

/**
 * Receives a request's events, in order, on the engine's output thread: zero or more tokens, then
 * exactly one finish. Implementations must return quickly (hand off to their own executor when
 * writing to a slow transport); they must not block.
 */
public interface TokenSink {
    void onToken(TokenEvent token);

    void onFinish(Finish finish);
}
