package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The official OpenAI Java SDK against the server: its parsers accept every response (each is
 * {@code validate()}d), streamed or not, and greedy output equals the engine's own.
 */
class OpenAiSdkTest {
    private static final String KEY = "sk-ferry-test";
    private static final int TOKENS = 16;

    /** No prefix caching, as in {@link OpenAiApiTest}. */
    @RegisterExtension
    static final LiveServer live = new LiveServer(new ApiKeys(List.of(KEY), List.of()), ServingLimits.DEFAULTS,
            EngineConfig.DEFAULTS.withPrefixCaching(false));
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        client = sdk(KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + live.server.port() + "/v1").apiKey(key)
                .maxRetries(0).build();
    }

    @Test
    void completionEqualsGreedyEngineRun() throws Exception {
        TokenStream.Result expected = live.greedy("Hello ferry", TOKENS);
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model(ServingFixture.MODEL).prompt("Hello ferry").maxTokens(TOKENS).temperature(0.0)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                .build()).validate();
        assertEquals(ServingFixture.MODEL, c.model());
        assertEquals(expected.text(), c.choices().get(0).text());
        assertEquals(CompletionChoice.FinishReason.LENGTH, c.choices().get(0).finishReason());
        assertEquals(TOKENS, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedChatEqualsGreedyEngineRun() throws Exception {
        TokenStream.Result expected = live.greedyChat("Hi", TOKENS);
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(ServingFixture.MODEL).addUserMessage("Hi").maxCompletionTokens(TOKENS).temperature(0.0)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                .build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.validate();
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
            });
        }
        assertEquals(expected.text(), text.toString());
    }

    @Test
    void twoGreedyChoicesEachEqualTheEngineRun() throws Exception {
        TokenStream.Result expected = live.greedyChat("Hi", TOKENS);
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ServingFixture.MODEL).addUserMessage("Hi").maxCompletionTokens(TOKENS).temperature(0.0).n(2)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                .build()).validate();
        assertEquals(List.of(0L, 1L), c.choices().stream().map(ChatCompletion.Choice::index).toList());
        for (ChatCompletion.Choice choice : c.choices()) {
            assertEquals(expected.text(), choice.message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
        }
        assertEquals(2 * TOKENS, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void twoStreamedChoicesArriveByIndexWithOneUsage() throws Exception {
        TokenStream.Result expected = live.greedyChat("Hi", TOKENS);
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(ServingFixture.MODEL).addUserMessage("Hi").maxCompletionTokens(TOKENS).temperature(0.0).n(2)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                .build();
        List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder());
        List<String> finishes = new ArrayList<>();
        List<Long> usage = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.validate();
                chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
                chunk.choices().forEach(choice -> {
                    choice.delta().content().ifPresent(texts.get((int) choice.index())::append);
                    choice.finishReason().ifPresent(r -> finishes.add(choice.index() + ":" + r.asString()));
                });
            });
        }
        assertEquals(List.of(expected.text(), expected.text()), texts.stream().map(StringBuilder::toString).toList());
        assertEquals(Set.of("0:length", "1:length"), Set.copyOf(finishes));
        assertEquals(2, finishes.size(), "each choice ends once");
        assertEquals(List.of(2L * TOKENS), usage);
    }

    @Test
    void modelListNamesTheLoadedModel() {
        List<Model> models = client.models().list().data();
        assertEquals(List.of(ServingFixture.MODEL), models.stream().map(m -> m.validate().id()).toList());
        assertEquals("ferry", models.get(0).ownedBy());
    }

    @Test
    void refusalsReachTheSdkAsTypedErrors() {
        BadRequestException bad = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(ServingFixture.MODEL).prompt("Hi").maxTokens(0).build()));
        assertEquals("max_tokens", bad.param().orElseThrow());
        assertTrue(bad.getMessage().contains("max_tokens"), bad.getMessage());

        OpenAIClient wrongKey = sdk("sk-wrong");
        try {
            assertThrows(UnauthorizedException.class, () -> wrongKey.models().list());
        } finally {
            wrongKey.close();
        }
    }
}
