package dev.ferry.server.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad field is refused once, before the engine, as INVALID_ARGUMENT naming the field; the
 * engine's own checks, for direct users, name it in a typed exception. Both transports share
 * {@link Inference#prepare}, so what holds here holds for gRPC and HTTP alike.
 */
class RequestValidationTest {
    /** The tiny model's vocabulary and context. */
    static final int VOCAB = 512;
    static final int CONTEXT = 256;

    @TempDir
    static Path store;
    static ServingFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServingFixture(store);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static InferenceRequest request(Prompt prompt, Integer maxTokens, SamplingOverrides sampling, List<String> stop,
                                    List<Integer> stopTokenIds) {
        return new InferenceRequest(ServingFixture.MODEL, prompt, maxTokens, sampling, stop, stopTokenIds, false, null,
                null, null, 0);
    }

    static InferenceRequest ids(int... ids) {
        return request(new Prompt.TokenIds(ids), 4, null, null, null);
    }

    static InferenceRequest sampling(Double temperature, Integer topK, Double topP, Double minP, Double repetition,
                                     Double presence, Double frequency, Integer logprobs) {
        return request(new Prompt.TokenIds(new int[] {1, 2}), 4, new SamplingOverrides(temperature, topK, topP, minP,
                repetition, presence, frequency, null, logprobs), null, null);
    }

    static Stream<Arguments> badFields() {
        return Stream.of(
                Arguments.of(request(new Prompt.Text(""), 4, null, null, null), "prompt", "prompt: is empty"),
                Arguments.of(ids(1, VOCAB), "prompt", "prompt[1] = 512 is outside the vocabulary (0..511)"),
                Arguments.of(ids(new int[CONTEXT]), "prompt", "prompt: has 256 tokens; model 'tiny' has a context of 256 "
                        + "(prompt plus at least one generated token)"),
                Arguments.of(request(new Prompt.Chat(List.of(new Prompt.ChatMessage("wizard", "Hi")), true), 4, null, null,
                        null), "messages[0].role", null),
                Arguments.of(request(new Prompt.TokenIds(new int[] {1}), 0, null, null, null), "max_tokens",
                        "max_tokens: must be positive, got 0"),
                Arguments.of(request(new Prompt.TokenIds(new int[] {1}), CONTEXT, null, null, null), "max_tokens",
                        "max_tokens: 256 plus the prompt's 1 tokens exceeds the model's context of 256"),
                Arguments.of(sampling(-1.0, null, null, null, null, null, null, null), "temperature",
                        "temperature must be >= 0, got -1.0"),
                Arguments.of(sampling(null, -2, null, null, null, null, null, null), "top_k", "top_k must be >= 0, got -2"),
                Arguments.of(sampling(null, null, 1.5, null, null, null, null, null), "top_p",
                        "top_p must be in (0, 1], got 1.5"),
                Arguments.of(sampling(null, null, null, 2.0, null, null, null, null), "min_p",
                        "min_p must be in [0, 1], got 2.0"),
                Arguments.of(sampling(null, null, null, null, 0.0, null, null, null), "repetition_penalty",
                        "repetition_penalty must be > 0, got 0.0"),
                Arguments.of(sampling(null, null, null, null, null, 3.0, null, null), "presence_penalty",
                        "presence_penalty must be in [-2, 2], got 3.0"),
                Arguments.of(sampling(null, null, null, null, null, null, -3.0, null), "frequency_penalty",
                        "frequency_penalty must be in [-2, 2], got -3.0"),
                Arguments.of(sampling(null, null, null, null, null, null, null, 21), "logprobs",
                        "logprobs must be -1 (none) or in [0, 20], got 21"),
                Arguments.of(request(new Prompt.TokenIds(new int[] {1}), 4, null, List.of(""), null), "stop",
                        "stop: strings must not be empty"),
                Arguments.of(request(new Prompt.TokenIds(new int[] {1}), 4, null, null, List.of(VOCAB)), "stop_token_ids",
                        "stop_token_ids: 512 is outside the vocabulary (0..511)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badFields")
    void aBadFieldIsRefusedNamingIt(InferenceRequest request, String field, String message) {
        ApiException e = assertThrows(ApiException.class, () -> fixture.context.inference().prepare(request));
        assertEquals(ApiStatus.INVALID_ARGUMENT, e.status());
        assertEquals(field, e.field());
        if (message != null) {
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void theEnginesOwnChecksNameTheFieldInATypedException() {
        Engine engine = fixture.registry.get(ServingFixture.MODEL).instance().engine();
        SamplingParams greedy = SamplingParams.greedy();
        assertEquals("prompt_ids", assertThrows(InvalidRequestException.class, () -> engine.submit(
                GenerateRequest.of(new int[] {1, VOCAB}, 4, greedy), new TokenStream())).field());
        assertEquals("prompt", assertThrows(InvalidRequestException.class, () -> engine.submit(
                GenerateRequest.of(new int[CONTEXT], 4, greedy), new TokenStream())).field());
        assertEquals("stop_token_ids", assertThrows(InvalidRequestException.class, () -> engine.submit(
                GenerateRequest.of(new int[] {1}, 4, greedy).withStop(List.of(), List.of(-1)), new TokenStream()))
                .field());
    }
}
