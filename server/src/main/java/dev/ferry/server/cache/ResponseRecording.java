package dev.ferry.server.cache;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the answer of a cacheable request that missed, as it streams; an answer that finished (STOP
 * or LENGTH) goes into the cache at its finish. Cancelled, failed and timed-out answers are
 * incomplete and never stored. Told the request's events beside its client, not in front of it:
 * the request's tracking sink tells it before the client hears the finish, so a client that repeats
 * the request at once already hits.
 */
public final class ResponseRecording implements TokenSink {
    private final ResponseCache cache;
    private final ResponseKey key;
    private final boolean logprobs;
    private final List<TokenEvent> tokens = new ArrayList<>();

    ResponseRecording(ResponseCache cache, ResponseKey key, boolean logprobs) {
        this.cache = cache;
        this.key = key;
        this.logprobs = logprobs;
    }

    @Override
    public void onToken(TokenEvent token) {
        tokens.add(token);
    }

    @Override
    public void onFinish(Finish f) {
        if (f.reason() == FinishReason.STOP || f.reason() == FinishReason.LENGTH) {
            cache.put(key, new CachedResponse(tokens, logprobs, f.reason(), f.text(), f.usage().promptTokens(),
                    f.usage().completionTokens(), f.usage().reasoningTokens()));
        }
    }
}
