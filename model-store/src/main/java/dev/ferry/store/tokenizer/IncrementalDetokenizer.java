package dev.ferry.store.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing list of token ids into text deltas. Byte-level tokens can end inside a UTF-8
 * character; decoding then yields U+FFFD, so the delta is held back until the character completes.
 * Each step decodes a short window that starts where the previous delta started (a character
 * boundary, as in vLLM's detokenizer) rather than the whole text: it stays cheap, and tokenizers
 * that render a token differently after another one (spaces, byte fallback) see that context.
 */
public final class IncrementalDetokenizer {
    private final ModelTokenizer tokenizer;
    private int[] ids = new int[64];
    private int count;
    /** Start of the window decoded as context: where the last delta's tokens began. */
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
        prefixOffset = readOffset;
        readOffset = count;
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
