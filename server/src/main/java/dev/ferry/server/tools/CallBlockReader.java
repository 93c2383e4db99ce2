package dev.ferry.server.tools;

/**
 * Reads, one character at a time, a block of calls in one family's syntax: what follows the marker that opened it.
 * It reports the calls to a {@link CallListener} and throws {@link MalformedCall} at the first character that
 * cannot belong to the block.
 */
interface CallBlockReader {

    enum Step {
        /** The character belongs to the block, which goes on. */
        MORE,
        /** The character closed the block. */
        ENDED,
        /** The block was over before this character, which is content again. */
        ENDED_BEFORE
    }

    Step read(char c, CallListener calls) throws MalformedCall;

    /** The output ended inside the block: fine between calls, malformed inside one. */
    void finish() throws MalformedCall;
}
