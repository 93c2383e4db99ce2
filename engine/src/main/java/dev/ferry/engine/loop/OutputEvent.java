package dev.ferry.engine.loop;

import dev.ferry.engine.api.FinishReason;

/**
 * What the engine loop hands the output thread for one request: a sampled token, and whether it
 * was thought (a reasoning token), or the request's end ({@code finish} non-null; then
 * {@code tokenId} is -1).
 */
record OutputEvent(RequestState request, int tokenId, float logprob, int[] topIds, float[] topLogprobs,
                   boolean reasoning, FinishReason finish, String error) {

    static OutputEvent token(RequestState r, int tokenId, float logprob, int[] topIds, float[] topLogprobs,
                             boolean reasoning) {
        return new OutputEvent(r, tokenId, logprob, topIds, topLogprobs, reasoning, null, null);
    }

    static OutputEvent finish(RequestState r, FinishReason reason, String error) {
        return new OutputEvent(r, -1, Float.NaN, null, null, false, reason, error);
    }
}
