package dev.ferry.server.stream;

import dev.ferry.engine.api.TokenEvent;
import java.util.List;

/**
 * Consecutive tokens of one request sent as one message: one token when the client keeps up, more
 * when it reads slower than the model writes.
 *
 * @param withLogprobs the tokens' events when the request asked for log-probabilities; empty otherwise
 */
public record Chunk(String text, int[] tokenIds, List<TokenEvent> withLogprobs) {}
