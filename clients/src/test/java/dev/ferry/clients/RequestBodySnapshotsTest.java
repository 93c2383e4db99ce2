package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** What a client upgrade that changes its default body looks like to {@link RequestBodySnapshots}. */
class RequestBodySnapshotsTest {
    private static final DefaultCall CALL = DefaultCall.LANGCHAIN4J_CHAT_STREAM;

    @Test
    void otherValuesAndOrderPass() {
        assertDoesNotThrow(() -> RequestBodySnapshots.assertSameFields(CALL, """
                {"stream": true, "stream_options": {"include_usage": false}, "model": "other",
                 "messages": [{"content": "Hi", "role": "user"}, {"role": "user", "content": "again"}]}"""));
    }

    @Test
    void aNewFieldIsNamed() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> RequestBodySnapshots.assertSameFields(CALL, """
                {"model": "demo", "messages": [{"role": "user", "content": "Hello", "name": "me"}], "stream": true,
                 "stream_options": {"include_usage": true}, "seed": 1}"""));
        assertTrue(e.getMessage().startsWith("langchain4j-chat-stream now sends [messages[].name, seed] and no longer "
                + "sends []"), e.getMessage());
    }

    @Test
    void aDroppedNestedFieldIsNamed() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> RequestBodySnapshots.assertSameFields(CALL, """
                {"model": "demo", "messages": [{"role": "user", "content": "Hello"}], "stream": true,
                 "stream_options": {}}"""));
        assertTrue(e.getMessage().contains("no longer sends [stream_options.include_usage]"), e.getMessage());
    }
}
