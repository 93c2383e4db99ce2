package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tool calling through Spring AI 2's ChatClient as a Boot application gets it, with its own tool
 * loop, blocking and streaming: the first round must call a tool (so the random-weight model's call
 * is forced to fit the tool's schema), Spring AI parses the call, runs the {@code @Tool} method and
 * sends its result back, and the second round answers in text.
 */
@SpringBootTest(classes = SpringAiApp.class)
class SpringAiToolCallingTest {
    private static final String QUESTION = "What is the weather in Paris, and what is 2 + 3?";
    private static final int SEED = 11;

    @DynamicPropertySource
    static void ferry(DynamicPropertyRegistry properties) {
        SpringAiApp.pointAt(properties, () -> FerryServe.shared().v1());
    }

    @Autowired
    ChatClient.Builder chatClient;

    @Autowired
    ToolCallingManager toolCallingManager;

    /** Tools that record the arguments Spring AI parsed out of the model's call. */
    static final class Tools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "Current weather in a city")
        String weather(String city) {
            calls.add("weather(" + city + ")");
            return "sunny, 21 C in " + city;
        }

        @Tool(description = "Sum of two integers")
        int add(int a, int b) {
            calls.add("add(" + a + "," + b + ")");
            return a + b;
        }
    }

    @Test
    void chatClientCallRunsAToolAndCompletes() {
        Tools tools = new Tools();
        RequiredThenNone loop = new RequiredThenNone(toolCallingManager);

        String answer = chatClient.build().prompt().user(QUESTION).tools(tools).advisors(loop)
                .options(OpenAiChatOptions.builder().temperature(1.0).seed(SEED).parallelToolCalls(false))
                .call().content();

        assertNotNull(answer);
        assertEquals(List.of("required", "none"), loop.choices, "two rounds");
        ChatResponse first = loop.responses.get(0);
        assertEquals("TOOL_CALLS", first.getResult().getMetadata().getFinishReason());
        List<AssistantMessage.ToolCall> calls = first.getResult().getOutput().getToolCalls();
        assertEquals(1, calls.size(), "parallel_tool_calls false: one call");
        assertEquals(1, tools.calls.size(), "Spring AI ran the called method: " + tools.calls);
        assertTrue(tools.calls.get(0).startsWith(calls.get(0).name() + "("), calls + " ran as " + tools.calls);
        assertRan(tools.calls);
        assertFalse(loop.responses.get(1).hasToolCalls(), "none: the second round answers in text");
    }

    @Test
    void chatClientStreamRunsAToolAndCompletes() {
        Tools tools = new Tools();
        RequiredThenNone loop = new RequiredThenNone(toolCallingManager);

        List<String> text = chatClient.build().prompt().user(QUESTION).tools(tools).advisors(loop)
                .options(OpenAiChatOptions.builder().temperature(1.0).seed(SEED + 1))
                .stream().content().collectList().block(Duration.ofSeconds(120));

        assertNotNull(text);
        assertEquals(List.of("required", "none"), loop.choices, "two rounds");
        List<AssistantMessage.ToolCall> calls = loop.responses.get(0).getResult().getOutput().getToolCalls();
        assertFalse(calls.isEmpty(), "the streamed call fragments came together as calls");
        assertEquals(calls.size(), tools.calls.size(), "each streamed call ran its method: " + tools.calls);
        assertRan(tools.calls);
        assertFalse(loop.responses.get(1).hasToolCalls(), "none: the second round answers in text");
    }

    /** Each entry is a method Spring AI called with the arguments it parsed from the model's call. */
    private static void assertRan(List<String> calls) {
        for (String c : calls) {
            assertTrue(c.matches("(?s)add\\(-?\\d+,-?\\d+\\)|weather\\(.*\\)"), c);
        }
    }
}
