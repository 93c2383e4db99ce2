package dev.ferry.engine.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one check of a request against its model: each refusal names its field, and the edges pass. */
class ModelLimitsTest {
    private final ModelLimits limits = new ModelLimits("tiny", 512, 8);

    @Test
    void tokenIdsMustBeInTheVocabulary() {
        assertDoesNotThrow(() -> limits.checkTokenIds(new int[] {0, 511}, "prompt"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> limits.checkTokenIds(new int[] {3, 512}, "prompt_ids"));
        assertEquals("prompt_ids", e.field());
        assertEquals("prompt_ids[1] = 512 is outside the vocabulary (0..511)", e.getMessage());
        assertEquals("prompt", assertThrows(InvalidRequestException.class,
                () -> limits.checkTokenIds(new int[] {-1}, "prompt")).field());
    }

    @Test
    void aPromptMustLeaveRoomForOneToken() {
        assertDoesNotThrow(() -> limits.checkPromptLength(7, "prompt"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> limits.checkPromptLength(8, "messages"));
        assertEquals("messages", e.field());
        assertEquals("messages: has 8 tokens; model 'tiny' has a context of 8 (prompt plus at least one generated token)",
                e.getMessage());
    }

    @Test
    void stopTokenIdsMustBeInTheVocabulary() {
        assertDoesNotThrow(() -> limits.checkStopTokenIds(List.of(0, 511)));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> limits.checkStopTokenIds(List.of(5, 512)));
        assertEquals("stop_token_ids", e.field());
        assertEquals("stop_token_ids: 512 is outside the vocabulary (0..511)", e.getMessage());
    }
}
