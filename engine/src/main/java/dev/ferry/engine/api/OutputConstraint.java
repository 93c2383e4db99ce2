package dev.ferry.engine.api;

import java.util.List;

/**
 * What a request's output must match (a JSON Schema, a grammar, a pattern, a list of choices),
 * compiled and bound to one model's vocabulary. It is shared by every request that asks for the
 * same format and must be safe to use from several engine threads; each request gets its own
 * {@link Cursor}.
 */
public interface OutputConstraint {

    /** A fresh position at the start of the output. */
    Cursor start();

    /** The format it was compiled from: part of a response-cache key. */
    OutputFormat format();

    /** Parts of the format that are not enforced (a non-strict schema's unsupported keywords), for a warning. */
    List<String> ignored();

    /** One sequence's position in the format: used by one engine thread at a time. */
    interface Cursor {
        /**
         * The tokens that may come next, as a bitset over token ids (bit {@code id & 63} of word
         * {@code id >>> 6}). Shared and cached: never written to. It holds the model's end tokens
         * exactly where the format may end, and is never empty.
         */
        long[] allowedTokens();

        /**
         * Moves past {@code token}. Returns false, and stays where it was, when the token is not
         * allowed. An end token is accepted only where the format may end and leaves the position as it is.
         */
        boolean accept(int token);

        /** The output so far is complete and nothing may follow it: generation ends here. */
        boolean isComplete();
    }
}
