package dev.ferry.server.api;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.Usage;

/**
 * The finishes of a request's choices as they come in, and the one finish they make together:
 * usage counts the shared prompt once (as OpenAI does) and the tokens of every choice; the request
 * failed if any choice did. Thread-safe.
 */
public final class ChoiceFinishes {
    private final Finish[] finishes;
    private int remaining;

    public ChoiceFinishes(int choices) {
        finishes = new Finish[choices];
        remaining = choices;
    }

    /** Records the finish of choice {@code index}; true when it was the last one to come. */
    public synchronized boolean add(int index, Finish finish) {
        if (finishes[index] != null) {
            throw new IllegalStateException("choice " + index + " finished twice");
        }
        finishes[index] = finish;
        return --remaining == 0;
    }

    /** Choice {@code index}'s finish, or null while it runs. */
    public synchronized Finish of(int index) {
        return finishes[index];
    }

    /**
     * The request's finish once every choice finished: one choice's own; else the first failure
     * other than a cancellation (a failing choice cancels the others), else a cancellation, else
     * choice 0's reason, with the usage of all.
     */
    public synchronized Finish combined() {
        if (remaining != 0) {
            throw new IllegalStateException(remaining + " choices have not finished");
        }
        if (finishes.length == 1) {
            return finishes[0];
        }
        Finish decisive = finishes[0];
        int completion = 0;
        int reasoning = 0;
        boolean cached = true;
        for (Finish f : finishes) {
            completion += f.usage().completionTokens();
            reasoning += f.usage().reasoningTokens();
            cached &= f.usage().cached();
            if (rank(f.reason()) > rank(decisive.reason())) {
                decisive = f;
            }
        }
        Usage first = finishes[0].usage();
        return new Finish(decisive.reason(), new Usage(first.promptTokens(), first.cachedPromptTokens(), completion,
                reasoning, cached), "", decisive.error());
    }

    /** Which reason speaks for the request: a failure over a cancellation over a normal end. */
    private static int rank(FinishReason r) {
        return switch (r) {
            case STOP, LENGTH -> 0;
            case CANCELLED -> 1;
            default -> 2;
        };
    }
}
