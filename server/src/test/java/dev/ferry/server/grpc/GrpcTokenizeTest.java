package dev.ferry.server.grpc;

import static dev.ferry.server.grpc.GrpcAccessTest.withKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.ChatMessage;
import dev.ferry.api.v1.ChatMessages;
import dev.ferry.api.v1.DetokenizeRequest;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.TokenizeRequest;
import dev.ferry.api.v1.TokenizeResponse;
import dev.ferry.api.v1.TokenizerGrpc;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.tokenizer.ModelTokenizer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** ferry.v1.Tokenizer over a real socket, behind an API key. */
class GrpcTokenizeTest {
    private static final ChatMessages CHAT = ChatMessages.newBuilder()
            .addMessages(ChatMessage.newBuilder().setRole("system").setContent("You count tokens."))
            .addMessages(ChatMessage.newBuilder().setRole("user").setContent("How many am I?")).build();

    @TempDir
    static Path store;
    static GrpcTestServer t;
    static TokenizerGrpc.TokenizerBlockingStub tokenizer;

    @BeforeAll
    static void start() throws Exception {
        t = new GrpcTestServer(store, new ApiKeys(List.of("user-key"), List.of()), ServingLimits.DEFAULTS,
                EngineConfig.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES);
        tokenizer = withKey(TokenizerGrpc.newBlockingStub(t.channel), "user-key");
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void textIsTheModelTokenizersOwnEncodingWithBos() {
        ModelTokenizer own = t.fixture.registry.get(ServingFixture.MODEL).instance().folder().tokenizer();
        TokenizeResponse r = tokenizer.tokenize(TokenizeRequest.newBuilder().setModel(ServingFixture.MODEL)
                .setText("Hello world").setReturnTokenStrs(true).build());
        assertArrayEquals(own.encode("Hello world", true), ids(r.getTokensList()));
        assertEquals(r.getTokensCount(), r.getTokenStrsCount());
        assertTrue(r.getMaxModelLen() > 0);

        TokenizeResponse bare = tokenizer.tokenize(TokenizeRequest.newBuilder().setText("Hello world")
                .setAddSpecialTokens(false).build());
        assertArrayEquals(own.encode("Hello world", false), ids(bare.getTokensList()));
        assertEquals(0, bare.getTokenStrsCount(), "token_strs only when asked for");
    }

    @Test
    void aChatCountsWhatCompleteReportsAsPromptTokens() {
        int count = tokenizer.tokenize(TokenizeRequest.newBuilder().setChat(CHAT).build()).getTokensCount();
        int promptTokens = withKey(t.blocking(), "user-key").complete(GenerateRequest.newBuilder().setChat(CHAT)
                .setMaxTokens(1).build()).getFinish().getUsage().getPromptTokens();
        assertEquals(promptTokens, count);
    }

    @Test
    void detokenizeReturnsWhatTokenizeWasGiven() {
        for (String text : List.of("Hello world", "naïve café — 東京 🚀", "a\n\tb")) {
            TokenizeResponse r = tokenizer.tokenize(TokenizeRequest.newBuilder().setText(text).build());
            assertEquals(text, tokenizer.detokenize(DetokenizeRequest.newBuilder().addAllTokens(r.getTokensList())
                    .build()).getPrompt());
        }
    }

    @Test
    void badInputIsInvalidArgumentNamingTheField() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "tokens[2]", () -> tokenizer.detokenize(
                DetokenizeRequest.newBuilder().addAllTokens(List.of(1, 2, -1)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "prompt", () -> tokenizer.tokenize(
                TokenizeRequest.newBuilder().build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "messages[0].role", () -> tokenizer.tokenize(
                TokenizeRequest.newBuilder().setChat(ChatMessages.newBuilder().addMessages(
                        ChatMessage.newBuilder().setRole("robot").setContent("Hi"))).build()));
        assertStatus(Status.Code.NOT_FOUND, "'nope'", () -> tokenizer.tokenize(
                TokenizeRequest.newBuilder().setModel("nope").setText("Hi").build()));
        assertStatus(Status.Code.UNAUTHENTICATED, "", () -> TokenizerGrpc.newBlockingStub(t.channel).tokenize(
                TokenizeRequest.newBuilder().setText("Hi").build()));
    }

    private static void assertStatus(Status.Code code, String fragment, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(String.valueOf(e.getStatus().getDescription()).contains(fragment), e.getStatus().toString());
    }

    private static int[] ids(List<Integer> ids) {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
