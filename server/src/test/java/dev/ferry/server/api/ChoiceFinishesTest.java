package dev.ferry.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.Usage;
import org.junit.jupiter.api.Test;

class ChoiceFinishesTest {
    private static Finish finish(FinishReason reason, int cachedPrompt, int completion, String error) {
        return new Finish(reason, new Usage(20, cachedPrompt, completion, completion / 2), "", error);
    }

    @Test
    void usageCountsThePromptOnceAndEveryChoicesTokens() {
        ChoiceFinishes f = new ChoiceFinishes(3);
        assertFalse(f.add(2, finish(FinishReason.STOP, 16, 5, null)));
        assertFalse(f.add(0, finish(FinishReason.LENGTH, 0, 8, null)));
        assertTrue(f.add(1, finish(FinishReason.LENGTH, 16, 8, null)));
        Finish all = f.combined();
        assertEquals(new Usage(20, 0, 21, 2 + 4 + 4), all.usage(),
                "choice 0 computed the prompt; the others shared it; completion and reasoning tokens add up");
        assertEquals(FinishReason.LENGTH, all.reason());
    }

    @Test
    void aFailureSpeaksForTheRequestWhicheverChoiceEndsFirst() {
        ChoiceFinishes f = new ChoiceFinishes(3);
        f.add(0, finish(FinishReason.CANCELLED, 0, 1, null));
        f.add(2, finish(FinishReason.STOP, 0, 1, null));
        f.add(1, finish(FinishReason.ERROR, 0, 1, "step failed"));
        assertEquals(FinishReason.ERROR, f.combined().reason());
        assertEquals("step failed", f.combined().error());
    }

    @Test
    void oneChoiceIsItsOwnFinishAndNoneFinishesTwice() {
        ChoiceFinishes f = new ChoiceFinishes(1);
        Finish only = new Finish(FinishReason.STOP, new Usage(3, 0, 2, 0), "tail", null);
        assertThrows(IllegalStateException.class, f::combined);
        f.add(0, only);
        assertSame(only, f.combined());
        assertThrows(IllegalStateException.class, () -> f.add(0, only));
    }
}
