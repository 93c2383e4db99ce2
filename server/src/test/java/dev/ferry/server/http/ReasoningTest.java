package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ChatStyle;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A thinking model (a random-weight tiny model with a Qwen3-like template that opens {@code <think>})
 * over the OpenAI API: its random weights never close the thinking, so the thinking budget is what
 * ends it, and the answer follows. The thinking comes back as reasoning_content (and reasoning),
 * whole and streamed, through raw JSON, openai-java and LangChain4j; usage counts it.
 */
class ReasoningTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 1024,
            ChatStyle.REASONING);

    private static String body(String more) {
        return "{\"model\":\"" + ServingFixture.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Why?\"}],"
                + "\"temperature\":0,\"ignore_eos\":true,\"max_tokens\":20" + more + "}";
    }

    private static String baseUrl() {
        return "http://127.0.0.1:" + live.server.port() + "/v1";
    }

    @Test
    void theBudgetEndsTheThinkingAndTheAnswerFollowsIt() throws Exception {
        JsonNode r = LiveServer.json(live.post("/v1/chat/completions", body(",\"thinking_token_budget\":5")));
        JsonNode message = r.at("/choices/0/message");
        String reasoning = message.path("reasoning_content").asText();
        assertFalse(reasoning.isEmpty(), r.toString());
        assertEquals(reasoning, message.path("reasoning").asText(), "both names carry it");
        assertFalse(message.path("content").asText().isEmpty(), r.toString());
        assertFalse(message.path("content").asText().contains("</think>"));
        assertEquals(6, r.at("/usage/completion_tokens_details/reasoning_tokens").asInt(), "five thought, one close");
        assertEquals(20, r.at("/usage/completion_tokens").asInt());
    }

    @Test
    void aStreamSendsTheSameThinkingAndAnswerAsDeltas() throws Exception {
        String more = ",\"thinking_token_budget\":5";
        JsonNode whole = LiveServer.json(live.post("/v1/chat/completions", body(more))).at("/choices/0/message");
        List<JsonNode> events = LiveServer.events(live.post("/v1/chat/completions",
                body(more + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (JsonNode e : events) {
            JsonNode delta = e.at("/choices/0/delta");
            if (delta.has("reasoning_content")) {
                assertEquals(delta.get("reasoning_content"), delta.get("reasoning"));
                assertEquals(0, content.length(), "thinking comes before the answer");
                reasoning.append(delta.get("reasoning_content").asText());
            }
            content.append(delta.path("content").asText(""));
        }
        assertEquals(whole.path("reasoning_content").asText(), reasoning.toString());
        assertEquals(whole.path("content").asText(), content.toString());
        JsonNode usage = events.get(events.size() - 1).get("usage");
        assertEquals(6, usage.at("/completion_tokens_details/reasoning_tokens").asInt(), usage.toString());
    }

    @Test
    void aRequiredToolCallAndASchemaShapeTheAnswerAfterTheThinking() throws Exception {
        String tool = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":8}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false}}}],\"tool_choice\":\"required\","
                + "\"parallel_tool_calls\":false,\"thinking_token_budget\":4";
        JsonNode called = LiveServer.json(live.post("/v1/chat/completions", body(tool).replace("\"max_tokens\":20",
                "\"max_tokens\":200")));
        JsonNode message = called.at("/choices/0/message");
        assertFalse(message.path("reasoning_content").asText().isEmpty(), called.toString());
        assertEquals(5, called.at("/usage/completion_tokens_details/reasoning_tokens").asInt());
        assertEquals("tool_calls", called.at("/choices/0/finish_reason").asText(), called.toString());
        assertEquals("get_weather", message.at("/tool_calls/0/function/name").asText());
        assertTrue(LiveServer.JSON.readTree(message.at("/tool_calls/0/function/arguments").asText()).has("city"));

        String schema = ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\",\"strict\":true,"
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"],"
                + "\"additionalProperties\":false}}},\"thinking_token_budget\":4";
        JsonNode shaped = LiveServer.json(live.post("/v1/chat/completions", body(schema).replace("\"max_tokens\":20",
                "\"max_tokens\":100")));
        assertFalse(shaped.at("/choices/0/message/reasoning_content").asText().isEmpty(), shaped.toString());
        assertEquals("stop", shaped.at("/choices/0/finish_reason").asText(), shaped.toString());
        assertTrue(LiveServer.JSON.readTree(shaped.at("/choices/0/message/content").asText()).get("ok").isBoolean());
    }

    @Test
    void thinkingSwitchedOffAnswersAtOnce() throws Exception {
        for (String off : List.of(",\"chat_template_kwargs\":{\"enable_thinking\":false}", ",\"reasoning_effort\":\"none\"")) {
            JsonNode r = LiveServer.json(live.post("/v1/chat/completions", body(off)));
            JsonNode message = r.at("/choices/0/message");
            assertFalse(message.has("reasoning_content"), "no thinking, no reasoning fields: " + r);
            assertFalse(message.has("reasoning"));
            assertEquals(0, r.at("/usage/completion_tokens_details/reasoning_tokens").asInt());
            assertFalse(message.path("content").asText().isEmpty());
        }
    }

    @Test
    void badSwitchesAreRefusedNamingTheField() throws Exception {
        Map<String, String> cases = Map.of(
                ",\"reasoning_effort\":\"extreme\"", "reasoning_effort",
                ",\"chat_template_kwargs\":\"enable_thinking\"", "chat_template_kwargs",
                ",\"chat_template_kwargs\":{\"messages\":[]}", "chat_template_kwargs.messages",
                ",\"thinking_token_budget\":-1", "thinking_token_budget");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            var r = live.post("/v1/chat/completions", body(c.getKey()));
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains(c.getValue()), r.body());
        }
    }

    @Test
    void openAiJavaAsksWithReasoningEffortAndReadsTheThinkingAndItsTokens() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl()).apiKey("none").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
        try {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(ServingFixture.MODEL).addUserMessage("Why is the sky blue?")
                    .reasoningEffort(ReasoningEffort.MINIMAL).maxCompletionTokens(80).temperature(0.0)
                    .putAdditionalBodyProperty("ignore_eos", com.openai.core.JsonValue.from(true)).build()).validate();
            var message = c.choices().get(0).message();
            String reasoning = message._additionalProperties().get("reasoning_content").asStringOrThrow();
            assertFalse(reasoning.isEmpty());
            assertEquals(65, c.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens()
                    .orElseThrow(), "minimal: 64 thought tokens, then the close");
            assertTrue(message.content().isPresent());
        } finally {
            client.close();
        }
    }

    @Test
    void langChain4jReturnsTheThinkingOfAWholeAnswer() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("none")
                .modelName(ServingFixture.MODEL).temperature(0.0).maxTokens(30).returnThinking(true)
                .customParameters(Map.of("thinking_token_budget", 8, "ignore_eos", true))
                .timeout(Duration.ofSeconds(60)).maxRetries(0).build();
        AiMessage message = model.chat(UserMessage.from("Why is the sky blue?")).aiMessage();
        assertNotNull(message.thinking(), "returnThinking(true) reads reasoning_content");
        assertFalse(message.thinking().isEmpty());
        assertNotNull(message.text());
        assertFalse(message.text().contains("</think>"));
    }

    @Test
    void langChain4jStreamsTheThinkingAsPartialThinking() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey("none")
                .modelName(ServingFixture.MODEL).temperature(0.0).maxTokens(30).returnThinking(true)
                .reasoningEffort("minimal").customParameters(Map.of("thinking_token_budget", 8, "ignore_eos", true))
                .timeout(Duration.ofSeconds(60)).build();
        StringBuilder partialThinking = new StringBuilder();
        StringBuilder partialText = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Why is the sky blue?", new StreamingChatResponseHandler() {
            @Override
            public void onPartialThinking(PartialThinking thinking) {
                partialThinking.append(thinking.text());
            }

            @Override
            public void onPartialResponse(String text) {
                partialText.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertFalse(partialThinking.isEmpty(), "thinking streamed as partial thinking");
        assertEquals(partialThinking.toString(), response.aiMessage().thinking());
        assertEquals(partialText.toString(), response.aiMessage().text());
        assertFalse(response.aiMessage().text().contains("</think>"), response.aiMessage().text());
    }
}
