package dev.ferry.engine.grammar;

import java.util.Arrays;

/**
 * A model's tokens as bytes, for grammar masks: built once per model (its trie takes well under a
 * second for 150k tokens) and shared by every {@link TokenGrammar} of that model.
 */
public final class TokenVocabulary {

    private final byte[][] tokens;
    private final long[] endMask;
    private final int[] endIds;
    private final TokenTrie trie;

    /**
     * @param tokens {@code tokens[id]} = the bytes the model's detokenizer emits for that id; null
     *     for ids never generated under a format (special tokens, unused ids). Copied.
     * @param endIds ids that end generation (EOS); at least one, since a mask is never empty
     */
    public TokenVocabulary(byte[][] tokens, int[] endIds) {
        if (endIds.length == 0) {
            throw new IllegalArgumentException("a vocabulary needs at least one end id: masks hold them where nothing else may follow");
        }
        this.tokens = new byte[tokens.length][];
        this.endMask = new long[(tokens.length + 63) >>> 6];
        for (int id : endIds) {
            if (id < 0 || id >= tokens.length) {
                throw new IllegalArgumentException("end id " + id + " outside the vocabulary (0.." + (tokens.length - 1) + ")");
            }
            endMask[id >>> 6] |= 1L << id;
        }
        this.endIds = Arrays.stream(endIds).distinct().sorted().toArray();
        IntList text = new IntList();
        for (int id = 0; id < tokens.length; id++) {
            this.tokens[id] = tokens[id] == null ? null : tokens[id].clone();
            if (tokens[id] != null && tokens[id].length > 0 && !isEnd(id)) {
                text.add(id);
            }
        }
        this.trie = TokenTrie.of(this.tokens, text.toArray());
    }

    public int size() {
        return tokens.length;
    }

    boolean isEnd(int id) {
        return id >= 0 && id < tokens.length && (endMask[id >>> 6] & (1L << id)) != 0;
    }

    /** The ids that end generation, sorted. */
    int[] endIds() {
        return endIds;
    }

    /** The bytes of a token that is text (not an end id), or null for any other id. */
    byte[] textOf(int id) {
        if (id < 0 || id >= tokens.length || isEnd(id) || tokens[id] == null || tokens[id].length == 0) {
            return null;
        }
        return tokens[id];
    }

    TokenTrie trie() {
        return trie;
    }
}
