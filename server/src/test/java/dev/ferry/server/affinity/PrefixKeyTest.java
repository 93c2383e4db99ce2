package dev.ferry.server.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The key function as documented: a client holding the token ids can compute it with sha256sum. */
class PrefixKeyTest {
    static final int[] FIRST_BLOCK = IntStream.rangeClosed(1, 16).toArray();

    @Test
    void keyIsTheDocumentedShaOfModelAndIds() {
        // printf 'demo\n1,15043,3186' | sha256sum | cut -c1-16
        assertEquals("33c500504a1d5636", PrefixKey.of("demo", new int[] {1, 15043, 3186}, 16));
        // printf 'tiny\n1,2,...,16' | sha256sum | cut -c1-16
        assertEquals("96fcc93af7be7f5a", PrefixKey.of("tiny", FIRST_BLOCK, 16));
    }

    @Test
    void promptsSharingTheFirstBlockShareTheKey() {
        int[] a = IntStream.concat(IntStream.of(FIRST_BLOCK), IntStream.of(40, 41, 42)).toArray();
        int[] b = IntStream.concat(IntStream.of(FIRST_BLOCK), IntStream.of(90)).toArray();
        assertEquals(PrefixKey.of("tiny", FIRST_BLOCK, 16), PrefixKey.of("tiny", a, 16));
        assertEquals(PrefixKey.of("tiny", a, 16), PrefixKey.of("tiny", b, 16));
    }

    @Test
    void keyChangesWithTheFirstBlockTheModelAndTheBlockSize() {
        int[] other = FIRST_BLOCK.clone();
        other[15] = 99;
        String key = PrefixKey.of("tiny", FIRST_BLOCK, 16);
        assertNotEquals(key, PrefixKey.of("tiny", other, 16));
        assertNotEquals(key, PrefixKey.of("small", FIRST_BLOCK, 16));
        assertNotEquals(key, PrefixKey.of("tiny", FIRST_BLOCK, 8));
    }

    @Test
    void aPromptShorterThanOneBlockIsKeyedWhole() {
        assertEquals(3, PrefixKey.keyTokens(3, 16));
        assertEquals(16, PrefixKey.keyTokens(40, 16));
        assertThrows(IllegalArgumentException.class, () -> PrefixKey.keyTokens(3, 0));
    }
}
