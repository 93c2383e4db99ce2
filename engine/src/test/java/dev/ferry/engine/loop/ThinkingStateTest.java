package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Thinking;
import org.junit.jupiter.api.Test;

/** The thinking state machine on its own: who opens thinking, what counts, when the close is forced. */
class ThinkingStateTest {
    private static final int OPEN = 100;
    private static final int CLOSE_A = 101;
    private static final int CLOSE_B = 102;
    private static final Thinking ONE_TOKEN_CLOSE = new Thinking(new int[] {OPEN}, new int[] {CLOSE_A}, 3);
    private static final Thinking TWO_TOKEN_CLOSE = new Thinking(new int[] {OPEN}, new int[] {CLOSE_A, CLOSE_B}, 3);

    @Test
    void aPromptLeavesThinkingOpenWhenItsLastOpeningComesAfterItsLastClosing() {
        assertTrue(ONE_TOKEN_CLOSE.startsInside(new int[] {1, 2, OPEN, 5}));
        assertFalse(ONE_TOKEN_CLOSE.startsInside(new int[] {1, OPEN, 7, CLOSE_A, 5}), "enable_thinking false: closed");
        assertFalse(ONE_TOKEN_CLOSE.startsInside(new int[] {1, 2, 3}));
        assertTrue(ONE_TOKEN_CLOSE.startsInside(new int[] {OPEN, CLOSE_A, 9, OPEN}), "a later turn opened it again");
    }

    @Test
    void theBudgetForcesTheCloseAfterThatManyThoughtTokens() {
        ThinkingState s = new ThinkingState(ONE_TOKEN_CLOSE, new int[] {OPEN});
        for (int i = 0; i < 3; i++) {
            assertNull(s.forcedToken(), "free while under budget");
            assertTrue(s.accept(7));
        }
        assertAllows(s.forcedToken(), CLOSE_A);
        assertTrue(s.accept(CLOSE_A), "the close is a reasoning token");
        assertNull(s.forcedToken());
        assertFalse(s.accept(CLOSE_A), "after the close it is all answer");
    }

    @Test
    void aZeroBudgetClosesAtOnceAndAModelThatClosesByItselfIsLeftAlone() {
        ThinkingState none = new ThinkingState(new Thinking(new int[] {OPEN}, new int[] {CLOSE_A}, 0), new int[] {OPEN});
        assertAllows(none.forcedToken(), CLOSE_A);

        ThinkingState s = new ThinkingState(ONE_TOKEN_CLOSE, new int[] {OPEN});
        assertTrue(s.accept(7));
        assertTrue(s.accept(CLOSE_A));
        assertFalse(s.accept(8));
        assertNull(s.forcedToken());
    }

    @Test
    void onlyTheFirstTokensMayOpenThinking() {
        ThinkingState opens = new ThinkingState(ONE_TOKEN_CLOSE, new int[] {1, 2});
        assertTrue(opens.accept(OPEN), "Qwen3 style: the model opens it");
        assertTrue(opens.accept(7));
        assertTrue(opens.accept(CLOSE_A));
        assertFalse(opens.accept(8));

        ThinkingState answers = new ThinkingState(ONE_TOKEN_CLOSE, new int[] {1, 2});
        assertFalse(answers.accept(9));
        assertFalse(answers.accept(OPEN), "an opening marker inside the answer is text");
        for (int i = 0; i < 5; i++) {
            assertFalse(answers.accept(7));
        }
        assertNull(answers.forcedToken(), "no budget outside thinking");
    }

    @Test
    void aMultiTokenCloseIsForcedOnFromWhereTheModelLeftIt() {
        ThinkingState s = new ThinkingState(TWO_TOKEN_CLOSE, new int[] {OPEN});
        assertTrue(s.accept(7));
        assertTrue(s.accept(7));
        assertTrue(s.accept(CLOSE_A)); // the model began the close as its budget ran out
        assertAllows(s.forcedToken(), CLOSE_B);
        assertTrue(s.accept(CLOSE_B));
        assertNull(s.forcedToken());
        assertFalse(s.accept(7));

        ThinkingState broken = new ThinkingState(TWO_TOKEN_CLOSE, new int[] {OPEN});
        assertTrue(broken.accept(CLOSE_A));
        assertTrue(broken.accept(9), "a close begun and abandoned is more thought");
        assertTrue(broken.accept(9));
        assertAllows(broken.forcedToken(), CLOSE_A);
        assertTrue(broken.accept(CLOSE_A));
        assertAllows(broken.forcedToken(), CLOSE_B);
    }

    private static void assertAllows(long[] bits, int only) {
        int count = 0;
        for (int w = 0; w < bits.length; w++) {
            count += Long.bitCount(bits[w]);
        }
        assertEquals(1, count, "exactly one token allowed");
        assertTrue((bits[only >>> 6] & (1L << (only & 63))) != 0, "token " + only + " allowed");
    }
}
