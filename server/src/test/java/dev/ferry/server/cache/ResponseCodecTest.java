package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseCodecTest {

    static CachedResponse answer(int n, boolean logprobs) {
        List<TokenEvent> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String text = i % 3 == 0 ? "" : "tök" + i; // held-back deltas are empty; text is UTF-8
            tokens.add(logprobs
                    ? new TokenEvent(i * 1000, text, -0.25f * i, new int[] {i, 70000}, new float[] {-0.1f, -3.5f})
                    : new TokenEvent(i * 1000, text, Float.NaN, null, null));
        }
        return new CachedResponse(tokens, logprobs, FinishReason.LENGTH, "tail", 12, n, n / 2);
    }

    static void assertSame(CachedResponse expected, CachedResponse actual) {
        assertEquals(expected.reason(), actual.reason());
        assertEquals(expected.finishText(), actual.finishText());
        assertEquals(expected.promptTokens(), actual.promptTokens());
        assertEquals(expected.completionTokens(), actual.completionTokens());
        assertEquals(expected.logprobs(), actual.logprobs());
        assertEquals(expected.tokens().size(), actual.tokens().size());
        for (int i = 0; i < expected.tokens().size(); i++) {
            TokenEvent e = expected.tokens().get(i);
            TokenEvent a = actual.tokens().get(i);
            assertEquals(e.tokenId(), a.tokenId());
            assertEquals(e.text(), a.text());
            assertEquals(e.logprob(), a.logprob());
            assertArrayEquals(e.topTokenIds(), a.topTokenIds());
            assertArrayEquals(e.topLogprobs(), a.topLogprobs());
        }
    }

    @Test
    void roundTripsWithAndWithoutLogprobs() {
        for (boolean logprobs : new boolean[] {false, true}) {
            CachedResponse r = answer(64, logprobs);
            assertSame(r, ResponseCodec.decode(ResponseCodec.encode(r)));
        }
        CachedResponse empty = new CachedResponse(List.of(), false, FinishReason.STOP, "", 3, 0, 0);
        assertSame(empty, ResponseCodec.decode(ResponseCodec.encode(empty)));
    }

    @Test
    void sixtyFourTokensTakeAFewHundredBytes() {
        int bytes = ResponseCodec.encode(answer(64, false)).length;
        assertTrue(bytes < 600, bytes + " bytes");
    }

    @Test
    void anotherVersionReadsAsAMiss() {
        byte[] b = ResponseCodec.encode(answer(4, false));
        b[0] = ResponseCodec.VERSION + 1;
        assertNull(ResponseCodec.decode(b));
    }

    @Test
    void truncatedOrTrailingBytesAreRefused() {
        byte[] b = ResponseCodec.encode(answer(8, true));
        for (int cut = 1; cut < b.length; cut++) {
            byte[] shorter = Arrays.copyOf(b, cut);
            assertThrows(IllegalArgumentException.class, () -> ResponseCodec.decode(shorter), "cut at " + cut);
        }
        assertThrows(IllegalArgumentException.class, () -> ResponseCodec.decode(Arrays.copyOf(b, b.length + 1)));
    }
}
