package dev.ferry.store.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * GPT-2's {@code bytes_to_unicode()}: the printable character that spells each byte in a byte-level
 * BPE vocabulary. Printable Latin-1 bytes stand for themselves; the other 68 map to U+0100 onwards.
 */
public final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];
    private static final List<String> IN_VOCAB_ORDER;

    static {
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                order.add(b);
                BYTE_TO_CHAR[b] = (char) b;
            }
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (BYTE_TO_CHAR[b] == 0) {
                order.add(b);
                BYTE_TO_CHAR[b] = (char) (256 + n++);
            }
        }
        Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
        List<String> alphabet = new ArrayList<>();
        order.forEach(b -> alphabet.add(String.valueOf(BYTE_TO_CHAR[b])));
        IN_VOCAB_ORDER = Collections.unmodifiableList(alphabet);
    }

    private ByteLevelAlphabet() {
    }

    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xff];
    }

    /** The byte {@code c} spells, or -1 when it is not a character of the alphabet. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The 256 single-byte tokens, in the order GPT-2 numbers them. */
    public static List<String> inVocabOrder() {
        return IN_VOCAB_ORDER;
    }
}
