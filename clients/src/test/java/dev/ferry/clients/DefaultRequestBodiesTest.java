package dev.ferry.clients;

import static dev.ferry.clients.DefaultCall.PROMPT;
import static dev.ferry.clients.FerryServe.API_KEY;
import static dev.ferry.clients.FerryServe.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.StreamingResponseHandler;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiLanguageModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingLanguageModel;
import dev.langchain4j.model.output.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What LangChain4j and openai-java send when only the base URL, key and model are set: each call
 * goes through a {@link RecordingProxy}, must succeed with the client's own parsing, and must send the
 * fields of its checked-in snapshot. Spring AI's calls are in {@link SpringAiDefaultRequestBodiesTest}.
 * Every snapshot, those included, is also replayed verbatim, so each stays a body the server takes.
 */
class DefaultRequestBodiesTest {
    private static RecordingProxy proxy;
    private static OpenAIClient openAiJava;

    @BeforeAll
    static void start() throws Exception {
        proxy = new RecordingProxy(FerryServe.shared().url());
        openAiJava = OpenAIOkHttpClient.builder().baseUrl(proxy.url() + "/v1").apiKey(API_KEY).build();
    }

    /** A failed test may leave its request unread; each test checks only its own. */
    @BeforeEach
    void forgetEarlierRequests() {
        proxy.drain();
    }

    @AfterAll
    static void stop() {
        openAiJava.close();
        proxy.close();
    }

    @Test
    void langChain4jChat() {
        ChatResponse r = OpenAiChatModel.builder().baseUrl(proxy.url() + "/v1").apiKey(API_KEY).modelName(MODEL).build()
                .chat(UserMessage.from(PROMPT));
        assertNotNull(r.aiMessage().text());
        RequestBodySnapshots.assertMatches(DefaultCall.LANGCHAIN4J_CHAT, proxy.drain());
    }

    @Test
    void langChain4jChatStream() throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        OpenAiStreamingChatModel.builder().baseUrl(proxy.url() + "/v1").apiKey(API_KEY).modelName(MODEL).build()
                .chat(PROMPT, new StreamingChatResponseHandler() {
                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertNotNull(r.finishReason());
        assertNotNull(r.tokenUsage(), "stream_options.include_usage: the last chunk carries usage");
        RequestBodySnapshots.assertMatches(DefaultCall.LANGCHAIN4J_CHAT_STREAM, proxy.drain());
    }

    @Test
    void langChain4jCompletions() {
        Response<String> r = OpenAiLanguageModel.builder().baseUrl(proxy.url() + "/v1").apiKey(API_KEY).modelName(MODEL)
                .build().generate(PROMPT);
        assertNotNull(r.content());
        RequestBodySnapshots.assertMatches(DefaultCall.LANGCHAIN4J_COMPLETIONS, proxy.drain());
    }

    @Test
    void langChain4jCompletionsStream() throws Exception {
        CompletableFuture<Response<String>> done = new CompletableFuture<>();
        OpenAiStreamingLanguageModel.builder().baseUrl(proxy.url() + "/v1").apiKey(API_KEY).modelName(MODEL).build()
                .generate(PROMPT, new StreamingResponseHandler<>() {
                    @Override
                    public void onNext(String token) {
                    }

                    @Override
                    public void onComplete(Response<String> response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        assertNotNull(done.get(60, TimeUnit.SECONDS).content());
        RequestBodySnapshots.assertMatches(DefaultCall.LANGCHAIN4J_COMPLETIONS_STREAM, proxy.drain());
    }

    /** The SDK reads leniently; validate() also holds each reply to the API's shape. */
    @Test
    void openAiJavaChat() {
        ChatCompletion c = openAiJava.chat().completions().create(chat()).validate();
        assertEquals(1, c.choices().size());
        RequestBodySnapshots.assertMatches(DefaultCall.OPENAI_JAVA_CHAT, proxy.drain());
    }

    @Test
    void openAiJavaChatStream() {
        try (StreamResponse<ChatCompletionChunk> s = openAiJava.chat().completions().createStreaming(chat())) {
            List<ChatCompletionChunk> chunks = s.stream().map(ChatCompletionChunk::validate).toList();
            assertTrue(chunks.stream().anyMatch(c -> c.choices().stream().anyMatch(ch -> ch.finishReason().isPresent())),
                    "a chunk ends the choice");
        }
        RequestBodySnapshots.assertMatches(DefaultCall.OPENAI_JAVA_CHAT_STREAM, proxy.drain());
    }

    @Test
    void openAiJavaCompletions() {
        Completion c = openAiJava.completions().create(completion()).validate();
        assertEquals(1, c.choices().size());
        RequestBodySnapshots.assertMatches(DefaultCall.OPENAI_JAVA_COMPLETIONS, proxy.drain());
    }

    /**
     * Not validated: the SDK reads stream chunks into its Completion type, whose finish_reason is
     * required, while the API (OpenAI's too) streams it as null until the last chunk.
     */
    @Test
    void openAiJavaCompletionsStream() {
        try (StreamResponse<Completion> s = openAiJava.completions().createStreaming(completion())) {
            List<Completion> chunks = s.stream().toList();
            assertFalse(chunks.isEmpty());
            assertNotNull(chunks.get(0).choices().get(0).text());
        }
        RequestBodySnapshots.assertMatches(DefaultCall.OPENAI_JAVA_COMPLETIONS_STREAM, proxy.drain());
    }

    private static ChatCompletionCreateParams chat() {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(PROMPT).build();
    }

    private static CompletionCreateParams completion() {
        return CompletionCreateParams.builder().model(MODEL).prompt(PROMPT).build();
    }

    /** The checked-in body itself, byte for byte, straight to the server. */
    @ParameterizedTest
    @EnumSource(DefaultCall.class)
    void snapshotIsAcceptedVerbatim(DefaultCall call) throws Exception {
        String body = RequestBodySnapshots.snapshot(call);
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(FerryServe.shared().url() + call.path))
                        .header("content-type", "application/json").header("authorization", "Bearer " + API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Optional.empty(), r.headers().firstValue(RecordingProxy.IGNORED_FIELDS));
        boolean stream = new ObjectMapper().readTree(body).path("stream").asBoolean(false);
        if (stream) {
            assertTrue(r.body().strip().endsWith("data: [DONE]"), r.body());
        } else {
            JsonNode answer = new ObjectMapper().readTree(r.body());
            assertEquals(1, answer.path("choices").size(), r.body());
        }
    }
}
