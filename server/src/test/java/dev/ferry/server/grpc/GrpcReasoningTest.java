package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.ChatMessage;
import dev.ferry.api.v1.ChatMessages;
import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.ReasoningEffort;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ChatStyle;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Iterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A thinking model over gRPC: the thinking in Complete's reasoning and Generate's reasoning pieces, counted in usage. */
class GrpcReasoningTest {
    @TempDir
    static Path store;
    static GrpcTestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new GrpcTestServer(new ServingFixture(store, ApiKeys.none(), ServingLimits.DEFAULTS,
                EngineConfig.DEFAULTS, 512, ChatStyle.REASONING));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static GenerateRequest.Builder request() {
        return GenerateRequest.newBuilder().setModel(ServingFixture.MODEL).setMaxTokens(16).setIgnoreEos(true)
                .setChat(ChatMessages.newBuilder().addMessages(ChatMessage.newBuilder().setRole("user").setContent("Why?")))
                .setSampling(SamplingParams.newBuilder().setTemperature(0));
    }

    @Test
    void completeAndGenerateSplitTheThinkingAlike() {
        GenerateRequest r = request().setThinkingTokenBudget(4).build();
        CompleteResponse whole = server.blocking().complete(r);
        assertFalse(whole.getReasoning().isEmpty());
        assertFalse(whole.getText().contains("</think>"), whole.getText());
        assertEquals(5, whole.getFinish().getUsage().getReasoningTokens());

        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        GenerateResponse last = null;
        for (Iterator<GenerateResponse> it = server.blocking().generate(r); it.hasNext(); ) {
            last = it.next();
            reasoning.append(last.getReasoning());
            text.append(last.getText());
        }
        assertEquals(whole.getReasoning(), reasoning.toString());
        assertEquals(whole.getText(), text.toString());
        assertEquals(5, last.getFinish().getUsage().getReasoningTokens());
    }

    @Test
    void effortNoneAndEnableThinkingFalseSkipTheThinking() {
        for (GenerateRequest r : new GenerateRequest[] {
                request().setReasoningEffort(ReasoningEffort.REASONING_EFFORT_NONE).build(),
                request().setChatTemplateKwargsJson("{\"enable_thinking\": false}").build()}) {
            CompleteResponse whole = server.blocking().complete(r);
            assertTrue(whole.getReasoning().isEmpty(), whole.getReasoning());
            assertEquals(0, whole.getFinish().getUsage().getReasoningTokens());
        }
    }

    @Test
    void reasoningFieldsNeedAChatPrompt() {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> server.blocking().complete(GenerateRequest.newBuilder().setModel(ServingFixture.MODEL)
                        .setText("Hi").setMaxTokens(4).setThinkingTokenBudget(3).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("thinking_token_budget"), e.getStatus().getDescription());
    }
}
