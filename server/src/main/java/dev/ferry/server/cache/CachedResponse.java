package dev.ferry.server.cache;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.Usage;
import java.util.List;

/**
 * A completed answer as the client saw it, to be replayed to a later identical request: every token
 * event (id, text delta and, when asked, log-probabilities), how it ended and its token counts.
 *
 * @param logprobs whether the token events carry log-probabilities (the request asked for them)
 * @param reason STOP or LENGTH: only finished answers are worth repeating
 * @param finishText text the finish carried (held back until the end)
 * @param reasoningTokens the completion tokens spent thinking
 */
public record CachedResponse(List<TokenEvent> tokens, boolean logprobs, FinishReason reason, String finishText,
                             int promptTokens, int completionTokens, int reasoningTokens) {

    public CachedResponse {
        if (reason != FinishReason.STOP && reason != FinishReason.LENGTH) {
            throw new IllegalArgumentException("only STOP and LENGTH answers are cached, not " + reason);
        }
        tokens = List.copyOf(tokens);
    }

    /** Streams the answer to {@code sink} as the engine did, then a finish whose usage says it was cached. */
    public void replay(TokenSink sink) {
        for (TokenEvent t : tokens) {
            sink.onToken(t);
        }
        sink.onFinish(new Finish(reason, new Usage(promptTokens, promptTokens, completionTokens, reasoningTokens, true), finishText,
                null));
    }

    /** An estimate of the heap this answer holds, for the in-process cache's byte bound. */
    int weightBytes() {
        long bytes = 64 + 2L * finishText.length();
        for (TokenEvent t : tokens) {
            // the event and its text (header and chars); the alternatives only exist when asked for
            bytes += 40 + 40 + 2L * t.text().length();
            if (t.topTokenIds() != null) {
                bytes += 2 * 16 + 8L * t.topTokenIds().length;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
