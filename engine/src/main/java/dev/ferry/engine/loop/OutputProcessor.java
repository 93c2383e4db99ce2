package dev.ferry.engine.loop;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.Usage;
import dev.ferry.store.tokenizer.IncrementalDetokenizer;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.List;

/**
 * Turns one request's token ids into text on the engine's output thread, off the engine loop:
 * incremental detokenization, stop strings (the stop text is never emitted; text that could be the
 * start of a stop string is held back until it cannot), and delivery to the sink with exactly one
 * finish.
 */
final class OutputProcessor {
    private final TokenSink sink;
    private final IncrementalDetokenizer detokenizer;
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private final int promptTokens;
    private int emittedTokens;
    private int reasoningTokens;
    private boolean finished;

    OutputProcessor(TokenSink sink, ModelTokenizer tokenizer, List<String> stops, int promptTokens) {
        this.sink = sink;
        this.detokenizer = new IncrementalDetokenizer(tokenizer);
        this.stops = stops;
        this.promptTokens = promptTokens;
    }

    /**
     * Returns true when a stop string ended the request (the engine should retire it).
     *
     * @param reasoning whether the token was thought, for the usage's reasoning tokens
     */
    boolean onToken(int tokenId, float logprob, int[] topIds, float[] topLogprobs, boolean reasoning,
                    int cachedPromptTokens) {
        if (finished) {
            return false;
        }
        emittedTokens++;
        if (reasoning) {
            reasoningTokens++;
        }
        pending.append(detokenizer.add(tokenId));
        int stopAt = firstStop();
        if (stopAt >= 0) {
            String text = pending.substring(0, stopAt);
            pending.setLength(0);
            sink.onToken(new TokenEvent(tokenId, text, logprob, topIds, topLogprobs));
            finish(FinishReason.STOP, cachedPromptTokens, null);
            return true;
        }
        int keep = heldBack();
        String text = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        sink.onToken(new TokenEvent(tokenId, text, logprob, topIds, topLogprobs));
        return false;
    }

    void onFinish(FinishReason reason, int cachedPromptTokens, String error) {
        if (finished) {
            return;
        }
        if (reason != FinishReason.ERROR) {
            pending.append(detokenizer.flush());
        }
        finish(reason, cachedPromptTokens, error);
    }

    private void finish(FinishReason reason, int cachedPromptTokens, String error) {
        finished = true;
        String rest = pending.toString();
        pending.setLength(0);
        sink.onFinish(new Finish(reason, new Usage(promptTokens, cachedPromptTokens, emittedTokens, reasoningTokens), rest, error));
    }

    /** Index in {@code pending} of the earliest stop string, or -1. */
    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Length of the longest suffix of {@code pending} that begins some stop string. */
    private int heldBack() {
        int keep = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > keep; len--) {
                if (endsWithPrefix(s, len)) {
                    keep = len;
                    break;
                }
            }
        }
        return keep;
    }

    private boolean endsWithPrefix(String s, int len) {
        int start = pending.length() - len;
        for (int i = 0; i < len; i++) {
            if (pending.charAt(start + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
