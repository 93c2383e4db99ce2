package dev.ferry.engine.api;

/**
 * What a {@link ScoreRequest} found, one entry per continuation token.
 *
 * @param continuationIds the scored tokens
 * @param greedyIds the model's argmax token at each of their positions
 * @param logprobs the model's log-probability of each scored token (log-softmax of its raw logits)
 */
public record Scores(int[] continuationIds, int[] greedyIds, float[] logprobs) {
    public Scores {
        if (greedyIds.length != continuationIds.length || logprobs.length != continuationIds.length) {
            throw new IllegalArgumentException("one greedy token and one logprob per scored token");
        }
    }

    /** Tokens scored. */
    public int length() {
        return continuationIds.length;
    }

    /** The fraction of positions where the model's greedy token is the scored one. */
    public double agreement() {
        int same = 0;
        for (int i = 0; i < continuationIds.length; i++) {
            if (greedyIds[i] == continuationIds[i]) {
                same++;
            }
        }
        return (double) same / continuationIds.length;
    }

    /** The mean log-probability of the scored tokens. */
    public double meanLogprob() {
        double sum = 0;
        for (float lp : logprobs) {
            sum += lp;
        }
        return sum / logprobs.length;
    }
}
