package dev.ferry.engine.grammar;

import dev.ferry.engine.api.OutputFormat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates text by walking a {@link GrammarMatcher} with random allowed tokens, as a sampler
 * would, over a test vocabulary: every single byte, some multi-byte tokens (whole characters,
 * words, partial UTF-8 sequences) and one end token. The walk leans towards ending once it can.
 */
final class Walker {
    /** What a grammar built in a test stands for, where a {@link TokenGrammar} needs one. */
    static final OutputFormat FORMAT = new OutputFormat.Grammar("test", "");

    final TokenVocabulary vocab;
    final byte[][] tokens;
    final int endId;

    /** Every byte as its own token (ids 0..255), then {@code extra}, then the end token. */
    Walker(List<byte[]> extra) {
        tokens = new byte[256 + extra.size() + 1][];
        for (int b = 0; b < 256; b++) {
            tokens[b] = new byte[] {(byte) b};
        }
        for (int i = 0; i < extra.size(); i++) {
            tokens[256 + i] = extra.get(i);
        }
        endId = tokens.length - 1;
        vocab = new TokenVocabulary(tokens, new int[] {endId});
    }

    /** A vocabulary with words, whole non-ASCII characters and the leading and trailing parts of some. */
    static Walker standard() {
        List<byte[]> extra = new ArrayList<>();
        for (String s : new String[] {"ab", "ba", "aa", "abc", "foo", "bar", "12", "2024", "-0", "0.", "e+", "@",
                ".com", "true", "false", "null", "\"", "\":", "\",\"", "{\"", "\"}", "[1", ", ", "  ", "(", "))", "+1",
                "é", "ω", "αβ", "中文", "😀", "x😀", "é1"}) {
            extra.add(s.getBytes(StandardCharsets.UTF_8));
        }
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        byte[] han = "中".getBytes(StandardCharsets.UTF_8);
        extra.add(new byte[] {smile[0], smile[1]});
        extra.add(new byte[] {smile[2], smile[3]});
        extra.add(new byte[] {han[1], han[2]});
        extra.add(new byte[] {'a', han[0]});
        extra.add(new byte[0]);    // an empty token: never allowed
        return new Walker(extra);
    }

    /** One walk: the text, or null when it did not end within {@code maxTokens}. */
    String walk(TokenGrammar grammar, Random rnd, int maxTokens) {
        GrammarMatcher m = grammar.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int step = 0; step < maxTokens; step++) {
            if (m.isComplete()) {
                return decode(out.toByteArray());
            }
            long[] mask = m.allowedTokens();
            List<Integer> allowed = ids(mask);
            if (allowed.isEmpty()) {
                throw new AssertionError("empty mask");
            }
            boolean canEnd = allowed.contains(endId);
            if (canEnd && (allowed.size() == 1 || rnd.nextInt(100) < 10 + step)) {
                if (!m.accept(endId)) {
                    throw new AssertionError("end token allowed but not accepted");
                }
                return decode(out.toByteArray());
            }
            int token;
            do {
                token = allowed.get(rnd.nextInt(allowed.size()));
            } while (token == endId);
            if (!m.accept(token)) {
                throw new AssertionError("token " + token + " allowed but not accepted");
            }
            out.writeBytes(tokens[token]);
        }
        return null;
    }

    static List<Integer> ids(long[] mask) {
        List<Integer> ids = new ArrayList<>();
        for (int w = 0; w < mask.length; w++) {
            for (long bits = mask[w]; bits != 0; bits &= bits - 1) {
                ids.add(w * 64 + Long.numberOfTrailingZeros(bits));
            }
        }
        return ids;
    }

    /** Strict UTF-8: a walk that ends inside a character or on a surrogate fails here. */
    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("not UTF-8: " + java.util.Arrays.toString(bytes), e);
        }
    }
}
