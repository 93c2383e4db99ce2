package dev.ferry.store.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing list of token ids into text deltas. Byte-level tokens can end inside a UTF-8
 * character; decoding then yields U+FFFD, so the delta is held back until the character completes.
 * Decoding a short window (from a few tokens back) rather than the whole text keeps each step cheap
 * and lets tokenizers that merge across token boundaries (spaces, prefixes) render correctly.
 */
public final class IncrementalDetokenizer {
    /** How many already-emitted tokens are re-decoded as context for the next delta. */
    private static final int CONTEXT_TOKENS = 6;

    private final ModelTokenizer tokenizer;
    private int[] ids = new int[64];
    private int count;
    /** Start of the window decoded as context. */
    private int prefixOffset;
    /** Tokens before this index have been emitted as text. */
    private int readOffset;

    public IncrementalDetokenizer(ModelTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token; returns the new text it completes (possibly empty while a character is split). */
    public String add(int tokenId) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = tokenId;
        String prefix = tokenizer.decode(ids, prefixOffset, readOffset, true);
        String full = tokenizer.decode(ids, prefixOffset, count, true);
        if (full.length() <= prefix.length() || full.endsWith("\uFFFD")) {
            return "";
        }
        String delta = full.startsWith(prefix) ? full.substring(prefix.length()) : full.substring(commonPrefix(prefix, full));
        readOffset = count;
        prefixOffset = Math.max(prefixOffset, count - CONTEXT_TOKENS);
        return delta;
    }

    /** Text still held back (an incomplete character at the end), decoded as the tokenizer renders it. */
    public String flush() {
        if (readOffset == count) {
            return "";
        }
        String prefix = tokenizer.decode(ids, prefixOffset, readOffset, true);
        String full = tokenizer.decode(ids, prefixOffset, count, true);
        readOffset = count;
        return full.length() > prefix.length() ? full.substring(commonPrefix(prefix, full)) : "";
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }
}
