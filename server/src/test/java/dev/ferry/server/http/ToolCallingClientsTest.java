package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.http.ToolClients.Assistant;
import dev.ferry.server.http.ToolClients.Lc4jTools;
import dev.ferry.server.http.ToolClients.StreamingAssistant;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolExecution;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tool calling through LangChain4j's own loop (AiServices), unchanged, against a random-weight
 * model: the first round is tool_choice "required" so the server's constrained decoder forces a call
 * whose arguments fit the tool's schema; the client parses them, runs the Java method, sends the
 * result back as a tool message, and the next round ("none") ends the conversation. Spring AI's loop,
 * on Spring Boot 4, is tested against a {@code ferry serve} process in the clients module.
 */
class ToolCallingClientsTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 4096);

    private static String baseUrl() {
        return "http://127.0.0.1:" + live.server.port();
    }

    /** Records what each round sent and got, as LangChain4j's listener sees it. */
    static final class Rounds implements ChatModelListener {
        final List<ToolChoice> choices = new CopyOnWriteArrayList<>();
        final List<ChatResponse> responses = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext ctx) {
            choices.add(ctx.chatRequest().parameters().toolChoice());
        }

        @Override
        public void onResponse(ChatModelResponseContext ctx) {
            responses.add(ctx.chatResponse());
        }
    }

    @Test
    void langChain4jAiServiceRunsAToolAndCompletes() {
        Rounds rounds = new Rounds();
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(baseUrl() + "/v1").apiKey("none").modelName(ServingFixture.MODEL)
                .temperature(1.0).seed(ToolClients.SEED).parallelToolCalls(false)
                .timeout(Duration.ofSeconds(120)).maxRetries(0)
                .listeners(List.of(rounds))
                .build();
        Lc4jTools tools = new Lc4jTools();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(model).tools(tools)
                .chatRequestTransformer(ToolClients::requiredThenNone)
                .maxSequentialToolsInvocations(4)
                .build();

        String answer = assistant.chat("What is the weather in Paris, and what is 2 + 3?");

        assertNotNull(answer);
        assertEquals(List.of(ToolChoice.REQUIRED, ToolChoice.NONE), rounds.choices, "two rounds");
        ChatResponse first = rounds.responses.get(0);
        assertEquals(FinishReason.TOOL_EXECUTION, first.finishReason());
        assertEquals(1, first.aiMessage().toolExecutionRequests().size(), "parallel_tool_calls false: one call");
        assertEquals(1, tools.calls.size(), "the client ran the called method: " + tools.calls);
        assertRan(tools.calls);
        assertFalse(rounds.responses.get(1).aiMessage().hasToolExecutionRequests());
    }

    /** Each entry is a method the client called with the arguments it parsed from the model's call. */
    private static void assertRan(List<String> calls) {
        for (String c : calls) {
            assertTrue(c.matches("(?s)add\\(-?\\d+,-?\\d+\\)|weather\\(.*\\)"), c);
        }
    }

    @Test
    void langChain4jStreamingAiServiceRunsAToolAndCompletes() throws Exception {
        Rounds rounds = new Rounds();
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(baseUrl() + "/v1").apiKey("none").modelName(ServingFixture.MODEL)
                .temperature(1.0).seed(ToolClients.SEED + 1)
                .timeout(Duration.ofSeconds(120))
                .listeners(List.of(rounds))
                .build();
        Lc4jTools tools = new Lc4jTools();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(model).tools(tools)
                .chatRequestTransformer(ToolClients::requiredThenNone)
                .maxSequentialToolsInvocations(8)
                .build();

        List<ToolExecution> executed = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        assistant.chat("What is the weather in Paris, and what is 2 + 3?")
                .onPartialResponse(s -> { })
                .onToolExecuted(executed::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse last = done.get(180, TimeUnit.SECONDS);

        assertNotNull(last.aiMessage());
        assertFalse(last.aiMessage().hasToolExecutionRequests());
        assertEquals(List.of(ToolChoice.REQUIRED, ToolChoice.NONE), rounds.choices, "two rounds");
        assertFalse(executed.isEmpty());
        assertEquals(executed.size(), tools.calls.size(), "each streamed call ran its method: " + tools.calls);
        assertRan(tools.calls);
        for (ToolExecution e : executed) {
            assertTrue(e.request().name().equals("weather") || e.request().name().equals("add"), e.request().name());
            assertNotNull(e.result());
        }
    }
}
