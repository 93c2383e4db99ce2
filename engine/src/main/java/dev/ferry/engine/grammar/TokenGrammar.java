package dev.ferry.engine.grammar;

import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Grammar} bound to one model's {@link TokenVocabulary}: the format a request carries.
 * The tokens allowed at a state are found by walking the vocabulary's byte trie along the
 * grammar's transitions, skipping every subtree whose prefix the grammar refuses; the result is
 * cached per state (up to {@link #MASK_CACHE_BYTES} of masks), so a state seen before costs one
 * lookup. Safe for any number of threads; each sequence gets its own {@link GrammarMatcher}.
 */
public final class TokenGrammar implements OutputConstraint {

    /** Memory the cached masks of one token grammar may take. */
    static final long MASK_CACHE_BYTES = 32L << 20;

    private final ParseStates states;
    private final TokenVocabulary vocab;
    private final List<String> ignored;
    private final OutputFormat format;
    /** Per trie node: the grammar's byte class of the node's byte, so the walk reads one array instead of two. */
    private final byte[] nodeClass;
    private final int maskWords;
    private final int maxMasks;
    private final ConcurrentHashMap<ParseState, long[]> masks = new ConcurrentHashMap<>();

    /**
     * @param ignored parts of the format that are not enforced, for a warning (see {@link #ignored()})
     * @param format what the grammar was compiled from
     */
    public TokenGrammar(Grammar grammar, TokenVocabulary vocab, List<String> ignored, OutputFormat format) {
        this.states = grammar.states();
        this.vocab = vocab;
        this.ignored = List.copyOf(ignored);
        this.format = format;
        this.maskWords = (vocab.size() + 63) >>> 6;
        int[] classOf = states.classTable();
        TokenTrie trie = vocab.trie();
        this.nodeClass = new byte[trie.nodeCount()];
        for (int i = 1; i < nodeClass.length; i++) {
            nodeClass[i] = (byte) classOf[trie.label[i] & 0xFF];
        }
        this.maxMasks = (int) Math.max(16, MASK_CACHE_BYTES / (8L * Math.max(1, maskWords)));
    }

    @Override
    public GrammarMatcher start() {
        return new GrammarMatcher(this, states.start());
    }

    @Override
    public List<String> ignored() {
        return ignored;
    }

    @Override
    public OutputFormat format() {
        return format;
    }

    /** The tokens allowed at {@code s}, with the end ids where it accepts; never empty. Not to be written to. */
    long[] allowed(ParseState s) {
        if (!s.isCached()) {
            return computeMask(s);
        }
        long[] mask = masks.get(s);
        if (mask == null) {
            mask = computeMask(s);
            if (masks.size() < maxMasks) {
                long[] raced = masks.putIfAbsent(s, mask);
                mask = raced != null ? raced : mask;
            }
        }
        return mask;
    }

    /** The state after the text of {@code token}, or {@link ParseState#DEAD} if it is no text or not allowed. */
    ParseState after(ParseState s, int token) {
        byte[] text = vocab.textOf(token);
        if (text == null) {
            return ParseState.DEAD;
        }
        for (byte b : text) {
            s = states.next(s, b & 0xFF);
            if (s == ParseState.DEAD) {
                break;
            }
        }
        return s;
    }

    boolean isEnd(int token) {
        return vocab.isEnd(token);
    }

    boolean isComplete(ParseState s) {
        return states.isComplete(s);
    }

    private long[] computeMask(ParseState s) {
        TokenTrie trie = vocab.trie();
        long[] mask = new long[(trie.noToken >>> 6) + 1];    // one bit past the vocabulary: where nodes without a token write
        byte[] label = trie.label;
        byte[] classes = nodeClass;
        int[] depth = trie.depth;
        int[] subtreeEnd = trie.subtreeEnd;
        int[] endToken = trie.endToken;
        ParseState[] path = new ParseState[trie.maxDepth + 1];    // path[d]: the state after the node's first d bytes
        path[0] = s;
        int n = trie.nodeCount();
        int i = 1;
        while (i < n) {
            int d = depth[i];
            ParseState from = path[d - 1];
            ParseState to = from.next != null ? from.next[classes[i] & 0xFF] : null;
            if (to == null) {
                to = states.next(from, label[i] & 0xFF);
            }
            if (to == ParseState.DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            path[d] = to;
            int id = endToken[i];
            if (id < 0) {
                for (int k = trie.tokenStart[i]; k < trie.tokenStart[i + 1]; k++) {
                    mask[trie.tokenIds[k] >>> 6] |= 1L << trie.tokenIds[k];
                }
            } else {
                mask[id >>> 6] |= 1L << id;
            }
            i++;
        }
        mask[trie.noToken >>> 6] &= ~(1L << trie.noToken);
        if (mask.length > maskWords) {
            mask = Arrays.copyOf(mask, maskWords);
        }
        boolean any = false;
        for (long w : mask) {
            any |= w != 0;
        }
        if (s.accepting || !any) {
            for (int id : vocab.endIds()) {
                mask[id >>> 6] |= 1L << id;
            }
        }
        return mask;
    }
}
