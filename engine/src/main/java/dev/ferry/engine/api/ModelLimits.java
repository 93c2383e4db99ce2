package dev.ferry.engine.api;

import java.util.List;

/**
 * What one model can run, and the one place a request's token ids and prompt length are checked
 * against it: by the engine when a request is submitted, and by a front end before it opens the
 * request's stream. A refusal is an {@link InvalidRequestException} naming the field.
 *
 * @param model the model's name, as refusals mention it
 * @param maxModelLen the longest sequence, prompt plus output
 */
public record ModelLimits(String model, int vocabSize, int maxModelLen) {

    /** Every id must be a token of the vocabulary; {@code field} is where the ids came from. */
    public void checkTokenIds(int[] ids, String field) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new InvalidRequestException(field, field + "[" + i + "] = " + ids[i]
                        + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
    }

    /** A prompt of {@code tokens} must leave room for at least one generated token. */
    public void checkPromptLength(int tokens, String field) {
        if (tokens >= maxModelLen) {
            throw new InvalidRequestException(field, field + ": has " + tokens + " tokens; model '" + model
                    + "' has a context of " + maxModelLen + " (prompt plus at least one generated token)");
        }
    }

    public void checkStopTokenIds(List<Integer> ids) {
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new InvalidRequestException("stop_token_ids", "stop_token_ids: " + id
                        + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
    }
}
