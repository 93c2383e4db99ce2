package dev.ferry.server.cache;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes a request's events on unchanged and keeps them; an answer that finished (STOP or LENGTH)
 * goes into the cache before the client sees its finish, so a client that repeats the request at
 * once already hits. Cancelled, failed and timed-out answers are incomplete and never stored.
 */
final class RecordingSink implements TokenSink {
    private final TokenSink sink;
    private final ResponseCache cache;
    private final ResponseKey key;
    private final boolean logprobs;
    private final List<TokenEvent> tokens = new ArrayList<>();

    RecordingSink(TokenSink sink, ResponseCache cache, ResponseKey key, boolean logprobs) {
        this.sink = sink;
        this.cache = cache;
        this.key = key;
        this.logprobs = logprobs;
    }

    @Override
    public void onToken(TokenEvent token) {
        tokens.add(token);
        sink.onToken(token);
    }

    @Override
    public void onFinish(Finish f) {
        try {
            if (f.reason() == FinishReason.STOP || f.reason() == FinishReason.LENGTH) {
                cache.put(key, new CachedResponse(tokens, logprobs, f.reason(), f.text(), f.usage().promptTokens(),
                        f.usage().completionTokens()));
            }
        } finally {
            sink.onFinish(f);
        }
    }
}
