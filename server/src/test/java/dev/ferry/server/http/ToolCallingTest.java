package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tool calling through the official openai-java SDK against a random-weight model: with
 * tool_choice "required" the answer is a call whose arguments parse into the tool's class (the
 * constrained decoder enforces the model's call syntax and the parameter schema), whole and
 * streamed; the client sends the result back and the second turn completes.
 */
class ToolCallingTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 4096);
    static OpenAIClient client;

    /** The SDK derives the function's name and JSON Schema from the class. */
    record GetWeather(String city, int days, boolean metric) {
    }

    @BeforeAll
    static void start() {
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + live.server.port() + "/v1").apiKey("none")
                .maxRetries(0).timeout(Duration.ofSeconds(120)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    private static ChatCompletionCreateParams.Builder firstTurn(long seed) {
        return ChatCompletionCreateParams.builder().model(ServingFixture.MODEL)
                .addUserMessage("What is the weather in Paris?").addTool(GetWeather.class)
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false)
                .temperature(1.0).seed(seed).maxCompletionTokens(3000);
    }

    @Test
    void requiredCallParsesIntoTheToolsClassAndTheSecondTurnCompletes() {
        ChatCompletion first = client.chat().completions().create(firstTurn(3).build()).validate();
        ChatCompletion.Choice choice = first.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        List<com.openai.models.chat.completions.ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size(), "parallel_tool_calls false: one call");
        ChatCompletionMessageFunctionToolCall call = calls.get(0).asFunction();
        assertTrue(call.id().startsWith("call_"), call.id());
        GetWeather args = call.function().arguments(GetWeather.class);
        assertNotNull(args.city());

        ChatCompletion second = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ServingFixture.MODEL).addUserMessage("What is the weather in Paris?").addTool(GetWeather.class)
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("sunny, 21 C").build())
                .temperature(1.0).seed(4).maxCompletionTokens(20).build()).validate();
        assertFalse(second.choices().isEmpty());
    }

    @Test
    void streamedCallsReassembleIntoTheSameShape() {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(firstTurn(5).parallelToolCalls(true).build())) {
            stream.stream().forEach(chunk -> acc.accumulate(chunk.validate()));
        }
        ChatCompletion whole = acc.chatCompletion();
        ChatCompletion.Choice choice = whole.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        var calls = choice.message().toolCalls().orElseThrow();
        assertFalse(calls.isEmpty());
        for (var c : calls) {
            assertNotNull(c.asFunction().function().arguments(GetWeather.class).city());
        }
    }
}
