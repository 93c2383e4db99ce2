package dev.ferry.clients;

import static dev.ferry.clients.DefaultCall.PROMPT;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What Spring AI 2's ChatClient sends when the application sets only the base URL, key and model:
 * each call goes through a {@link RecordingProxy}, must succeed with Spring AI's own parsing, and must
 * send the fields of its checked-in snapshot. Spring AI has no text-completions client.
 */
@SpringBootTest(classes = SpringAiApp.class)
class SpringAiDefaultRequestBodiesTest {
    private static final RecordingProxy proxy = proxy();

    @DynamicPropertySource
    static void throughTheProxy(DynamicPropertyRegistry properties) {
        SpringAiApp.pointAt(properties, () -> proxy.url() + "/v1");
    }

    @Autowired
    ChatClient.Builder chatClient;

    private static RecordingProxy proxy() {
        try {
            return new RecordingProxy(FerryServe.shared().url());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A failed test may leave its request unread; each test checks only its own. */
    @BeforeEach
    void forgetEarlierRequests() {
        proxy.drain();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void springAiChat() {
        assertNotNull(chatClient.build().prompt().user(PROMPT).call().chatResponse().getResult());
        RequestBodySnapshots.assertMatches(DefaultCall.SPRING_AI_CHAT, proxy.drain());
    }

    @Test
    void springAiChatStream() {
        List<String> parts = chatClient.build().prompt().user(PROMPT).stream().content().collectList()
                .block(Duration.ofSeconds(60));
        assertNotNull(parts);
        assertFalse(parts.isEmpty());
        RequestBodySnapshots.assertMatches(DefaultCall.SPRING_AI_CHAT_STREAM, proxy.drain());
    }
}
