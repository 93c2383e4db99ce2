package dev.ferry.engine.sample;

/**
 * The distinct tokens one sequence has seen, as the penalties need them: for each, whether the
 * prompt contains it and how many times the output does. Entries are distinct token ids, so the
 * sampler can scatter one adjusted logit per entry. The caller keeps it up to date as tokens are
 * generated ({@link TokenCounts} does so in O(1) per token); the sampler only reads it.
 */
public interface TokenHistory {

    /** The number of distinct tokens seen. */
    int size();

    /** The token id of entry {@code i}, {@code 0 <= i < size()}; distinct across entries. */
    int token(int i);

    boolean inPrompt(int i);

    /** How many times the output so far contains the token of entry {@code i} (0 for prompt-only tokens). */
    int outputCount(int i);
}
