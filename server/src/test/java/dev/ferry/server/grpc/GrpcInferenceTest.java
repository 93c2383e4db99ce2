package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.ChatMessage;
import dev.ferry.api.v1.ChatMessages;
import dev.ferry.api.v1.Choices;
import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.GetModelRequest;
import dev.ferry.api.v1.JsonSchemaFormat;
import dev.ferry.api.v1.ListModelsRequest;
import dev.ferry.api.v1.ModelInfo;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.OutputFormat;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.api.v1.Tool;
import dev.ferry.api.v1.ToolChoice;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ferry.v1 over a real socket with grpc-java's client: outputs, statuses, health, reflection and the
 * start-up warm-up's Generate calls.
 */
class GrpcInferenceTest {
    static final int[] PROMPT = {1, 17, 42, 99, 7, 300};

    @TempDir
    static Path store;
    static GrpcTestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new GrpcTestServer(store);
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static GenerateRequest.Builder greedy(int maxTokens) {
        return GenerateRequest.newBuilder().setModel(ServingFixture.MODEL)
                .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.of(PROMPT).boxed().toList()))
                .setMaxTokens(maxTokens).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(0));
    }

    /** The engine's own greedy output for the same prompt, without the server in between. */
    static TokenStream.Result engineGreedy(int maxTokens) throws InterruptedException {
        var engine = t.fixture.registry.get(ServingFixture.MODEL).instance().engine();
        return engine.submit(dev.ferry.engine.api.GenerateRequest.of(PROMPT, maxTokens,
                dev.ferry.engine.api.SamplingParams.greedy()).withIgnoreEos(true)).await();
    }

    @Test
    void callWarmUpHasEveryHealthCheckAnsweredOverLoopbackFromAWildcardAddress() throws Exception {
        assertEquals(500, CallWarmUp.run(new InetSocketAddress("0.0.0.0", t.server.grpcPort()), 500));
    }

    @Test
    void generateStreamsTheEnginesGreedyTokens() throws Exception {
        TokenStream.Result expected = engineGreedy(96);
        List<Integer> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        GenerateResponse last = null;
        int messages = 0;
        for (Iterator<GenerateResponse> it = t.blocking().generate(greedy(96).setRequestId("r-1").build()); it.hasNext(); ) {
            last = it.next();
            messages++;
            ids.addAll(last.getTokenIdsList());
            text.append(last.getText());
            assertEquals("r-1", last.getRequestId());
        }
        assertArrayEquals(expected.tokenIds(), ids.stream().mapToInt(Integer::intValue).toArray());
        assertEquals(expected.text(), text.toString());
        assertTrue(messages > 2, "tokens arrive as they are sampled, not in one message: " + messages);
        assertTrue(last.hasFinish());
        assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinish().getReason());
        assertEquals(ServingFixture.MODEL, last.getFinish().getModel());
        assertEquals(PROMPT.length, last.getFinish().getUsage().getPromptTokens());
        assertEquals(96, last.getFinish().getUsage().getCompletionTokens());
    }

    @Test
    void completeAnswersOnceWithTheSameTokens() throws Exception {
        TokenStream.Result expected = engineGreedy(16);
        CompleteResponse r = t.blocking().complete(greedy(16).build());
        assertArrayEquals(expected.tokenIds(), r.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray());
        assertEquals(expected.text(), r.getText());
        assertEquals(FinishReason.FINISH_REASON_LENGTH, r.getFinish().getReason());
        assertFalse(r.getRequestId().isEmpty(), "a request id is made up when none is given");
    }

    @Test
    void textChatAndLogprobsPrompts() {
        CompleteResponse text = t.blocking().complete(greedy(4).setText("hello there").build());
        assertEquals(4, text.getFinish().getUsage().getCompletionTokens());
        CompleteResponse chat = t.blocking().complete(greedy(4).setChat(ChatMessages.newBuilder()
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("hi"))).build());
        assertTrue(chat.getFinish().getUsage().getPromptTokens() > 2, "template adds headers around the message");
        CompleteResponse lp = t.blocking().complete(greedy(3).setSampling(SamplingParams.newBuilder()
                .setTemperature(0).setLogprobs(2)).build());
        assertEquals(3, lp.getLogprobsCount());
        var first = lp.getLogprobs(0);
        assertEquals(2, first.getTopCount());
        assertEquals(first.getTop(0).getTokenId(), first.getTokenId(), "greedy picks the most likely token");
        assertTrue(first.getLogprob() <= 0);
    }

    @Test
    void outputFormatsHoldTheOutput() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"},\"n\":{\"type\":\"integer\","
                + "\"minimum\":1,\"maximum\":99},\"tag\":{\"enum\":[\"a\",\"b\"]}},\"required\":[\"ok\",\"n\",\"tag\"],"
                + "\"additionalProperties\":false}";
        CompleteResponse json = t.blocking().complete(greedy(200).setFormat(OutputFormat.newBuilder()
                .setJsonSchema(JsonSchemaFormat.newBuilder().setSchema(schema).setStrict(true))).build());
        assertEquals(FinishReason.FINISH_REASON_STOP, json.getFinish().getReason(), json.getText());
        var value = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.getText());
        assertTrue(value.get("ok").isBoolean() && value.get("n").asInt() >= 1 && value.get("n").asInt() <= 99
                && List.of("a", "b").contains(value.get("tag").asText()) && value.size() == 3, json.getText());

        CompleteResponse choice = t.blocking().complete(greedy(50).setFormat(OutputFormat.newBuilder()
                .setChoice(Choices.newBuilder().addOptions("left").addOptions("right"))).build());
        assertTrue(List.of("left", "right").contains(choice.getText()), choice.getText());
        CompleteResponse regex = t.blocking().complete(greedy(50).setFormat(OutputFormat.newBuilder()
                .setRegex("[A-Z]{2}-[0-9]{3}")).build());
        assertTrue(regex.getText().matches("[A-Z]{2}-[0-9]{3}"), regex.getText());
    }

    private static final String PICK_PARAMETERS = "{\"type\":\"object\",\"properties\":{\"size\":{\"enum\":[\"s\",\"m\",\"l\"]},"
            + "\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":9}},\"required\":[\"size\",\"n\"],\"additionalProperties\":false}";

    /** A chat asking for one call of "pick", sampled with a seed. */
    private static GenerateRequest.Builder pickRequest() {
        return greedy(170).setChat(ChatMessages.newBuilder().addMessages(ChatMessage.newBuilder().setRole("user")
                        .setContent("pick one")))
                .setSampling(SamplingParams.newBuilder().setTemperature(1).setSeed(9))
                .addTools(Tool.newBuilder().setName("pick").setDescription("picks a size").setParametersJson(PICK_PARAMETERS))
                .setToolChoice(ToolChoice.newBuilder().setMode(ToolChoice.Mode.MODE_REQUIRED).setParallel(false));
    }

    private static void assertPickArguments(String json) throws Exception {
        var args = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertTrue(List.of("s", "m", "l").contains(args.get("size").asText()) && args.get("n").asInt() >= 1
                && args.get("n").asInt() <= 9 && args.size() == 2, json);
    }

    @Test
    void requiredToolCallsComeBackWholeAndStreamedAndTheNextTurnRuns() throws Exception {
        CompleteResponse whole = t.blocking().complete(pickRequest().build());
        assertEquals(FinishReason.FINISH_REASON_TOOL_CALLS, whole.getFinish().getReason(), whole.toString());
        assertEquals(1, whole.getToolCallsCount());
        dev.ferry.api.v1.ToolCall call = whole.getToolCalls(0);
        assertEquals("pick", call.getName());
        assertTrue(call.getId().startsWith("call_"), call.getId());
        assertPickArguments(call.getArgumentsJson());

        StringBuilder arguments = new StringBuilder();
        String id = null;
        GenerateResponse last = null;
        for (Iterator<GenerateResponse> it = t.blocking().generate(pickRequest().build()); it.hasNext(); ) {
            last = it.next();
            for (var d : last.getToolCallsList()) {
                assertEquals(0, d.getIndex());
                if (!d.getId().isEmpty()) {
                    assertEquals(null, id, "the id comes once");
                    id = d.getId();
                    assertEquals("pick", d.getName());
                }
                arguments.append(d.getArgumentsFragment());
            }
        }
        assertEquals(FinishReason.FINISH_REASON_TOOL_CALLS, last.getFinish().getReason());
        assertTrue(id != null && id.startsWith("call_"), String.valueOf(id));
        assertPickArguments(arguments.toString());

        CompleteResponse next = t.blocking().complete(greedy(5).setChat(ChatMessages.newBuilder()
                        .addMessages(ChatMessage.newBuilder().setRole("user").setContent("pick one"))
                        .addMessages(ChatMessage.newBuilder().setRole("assistant").addToolCalls(call))
                        .addMessages(ChatMessage.newBuilder().setRole("tool").setToolCallId(call.getId()).setContent("ok")))
                .addTools(Tool.newBuilder().setName("pick").setParametersJson(PICK_PARAMETERS)).build());
        assertEquals(5, next.getFinish().getUsage().getCompletionTokens(), "the second turn runs");
    }

    @Test
    void badToolFieldsAreRefusedNamingThem() {
        assertRefused(Status.Code.INVALID_ARGUMENT, "tools", b -> b.addTools(Tool.newBuilder().setName("f")));
        assertRefused(Status.Code.INVALID_ARGUMENT, "tools[0].name", b -> b.setChat(ChatMessages.newBuilder()
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("x"))).addTools(Tool.newBuilder().setName("bad name")));
        assertRefused(Status.Code.INVALID_ARGUMENT, "tool_choice.function", b -> b.setChat(ChatMessages.newBuilder()
                        .addMessages(ChatMessage.newBuilder().setRole("user").setContent("x")))
                .addTools(Tool.newBuilder().setName("f"))
                .setToolChoice(ToolChoice.newBuilder().setMode(ToolChoice.Mode.MODE_FUNCTION).setFunction("g")));
    }

    @Test
    void badFormatsAreRefusedNamingThePart() {
        assertRefused(Status.Code.INVALID_ARGUMENT, "format.json_schema.schema", b -> b.setFormat(OutputFormat.newBuilder()
                .setJsonSchema(JsonSchemaFormat.newBuilder().setSchema("{\"type\":\"integer\",\"minimum\":5,\"maximum\":1}"))));
        assertRefused(Status.Code.INVALID_ARGUMENT, "format.regex", b -> b.setFormat(OutputFormat.newBuilder().setRegex("(a")));
        assertRefused(Status.Code.INVALID_ARGUMENT, "format.grammar", b -> b.setFormat(OutputFormat.newBuilder()
                .setGrammar("start ::= \"x\"")));
        assertRefused(Status.Code.INVALID_ARGUMENT, "format.choice.options", b -> b.setFormat(OutputFormat.newBuilder()
                .setChoice(Choices.getDefaultInstance())));
    }

    @Test
    void badInputGetsItsStatusNamingTheField() {
        assertRefused(Status.Code.INVALID_ARGUMENT, "prompt", b -> b.setText(""));
        assertRefused(Status.Code.INVALID_ARGUMENT, "prompt", b -> b.clearPrompt());
        assertRefused(Status.Code.INVALID_ARGUMENT, "prompt", b -> b.setTokenIds(TokenIds.newBuilder().addIds(99999)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "max_tokens", b -> b.setMaxTokens(0));
        assertRefused(Status.Code.INVALID_ARGUMENT, "max_tokens", b -> b.setMaxTokens(-3));
        assertRefused(Status.Code.INVALID_ARGUMENT, "max_tokens", b -> b.setMaxTokens(256));
        assertRefused(Status.Code.INVALID_ARGUMENT, "temperature", b -> b.setSampling(SamplingParams.newBuilder().setTemperature(-1)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "top_p", b -> b.setSampling(SamplingParams.newBuilder().setTopP(0)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "top_p", b -> b.setSampling(SamplingParams.newBuilder().setTopP(1.5f)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "logprobs", b -> b.setSampling(SamplingParams.newBuilder().setLogprobs(21)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "priority", b -> b.setPriorityValue(7));
        assertRefused(Status.Code.INVALID_ARGUMENT, "stop", b -> b.addStop(""));
        assertRefused(Status.Code.INVALID_ARGUMENT, "stop_token_ids", b -> b.addStopTokenIds(-1));
        assertRefused(Status.Code.INVALID_ARGUMENT, "messages[0].role", b -> b.setChat(ChatMessages.newBuilder()
                .addMessages(ChatMessage.newBuilder().setRole("wizard").setContent("x"))));
        assertRefused(Status.Code.INVALID_ARGUMENT, "messages", b -> b.setChat(ChatMessages.getDefaultInstance()));
        assertRefused(Status.Code.NOT_FOUND, "nope", b -> b.setModel("nope"));
    }

    private static void assertRefused(Status.Code code, String field, UnaryOperator<GenerateRequest.Builder> edit) {
        GenerateRequest r = edit.apply(greedy(4)).build();
        for (boolean streaming : new boolean[] {true, false}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
                if (streaming) {
                    t.blocking().generate(r).forEachRemaining(x -> { });
                } else {
                    t.blocking().complete(r);
                }
            });
            assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains(field),
                    "message should name '" + field + "': " + e.getStatus().getDescription());
        }
    }

    /**
     * A deadline shorter than the answer ends it in flight. Admission refuses a deadline it cannot
     * meet (the first token's estimate, or the time preparing took, on a loaded machine), so the
     * deadline doubles until one is admitted; 240 tokens take longer than the last one tried.
     */
    @Test
    void aDeadlineEndsTheRequestAndFreesItsBlocks() throws Exception {
        Status.Code outcome = null;
        for (long millis = 20; millis <= 160 && outcome != Status.Code.DEADLINE_EXCEEDED; millis *= 2) {
            var stub = t.blocking().withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub.generate(greedy(240).build()).forEachRemaining(x -> { }));
            outcome = e.getStatus().getCode();
            if (outcome == Status.Code.RESOURCE_EXHAUSTED) {
                assertTrue(e.getStatus().getDescription().contains("deadline"), e.getStatus().toString());
            }
        }
        assertEquals(Status.Code.DEADLINE_EXCEEDED, outcome);
        t.assertEngineIdleWithin(1000);
    }

    @Test
    void modelsListAndGet() {
        var list = t.models().list(ListModelsRequest.getDefaultInstance());
        assertEquals(1, list.getModelsCount());
        ModelInfo m = t.models().get(GetModelRequest.newBuilder().setName(ServingFixture.MODEL).build());
        assertEquals(ModelState.MODEL_STATE_READY, m.getState());
        assertEquals("llama", m.getArchitecture());
        assertEquals("cpu", m.getDevice());
        assertEquals("f32", m.getDtype());
        assertEquals(256, m.getLimits().getMaxModelLen());
        assertTrue(m.getLimits().getKvCacheBlocks() > 0);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> t.models().get(GetModelRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void healthAnswersOverallAndPerModel() {
        var health = HealthGrpc.newBlockingStub(t.channel);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                health.check(HealthCheckRequest.newBuilder().setService(ServingFixture.MODEL).build()).getStatus());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void reflectionListsTheServices() throws Exception {
        CompletableFuture<List<String>> services = new CompletableFuture<>();
        var requests = ServerReflectionGrpc.newStub(t.channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse r) {
                services.complete(r.getListServicesResponse().getServiceList().stream().map(s -> s.getName()).toList());
            }

            @Override
            public void onError(Throwable e) {
                services.completeExceptionally(e);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> names = services.get(5, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(names.containsAll(List.of("ferry.v1.Inference", "ferry.v1.Models", "grpc.health.v1.Health")), names.toString());
    }

    @Test
    void warmUpStreamsGenerateCallsToTheirEnd() throws Exception {
        GenerateWarmUp.Outcome o = GenerateWarmUp.run(new InetSocketAddress("127.0.0.1", t.server.grpcPort()), null,
                ServingFixture.MODEL, 4, Duration.ofMillis(1_500));
        assertTrue(o.calls() >= 4, "each of two calls in flight twice at least: " + o.calls());
        assertEquals(o.calls(), o.completed(), "every call streamed to its end");
    }

    @Test
    void warmUpStopsAtTheFirstCallThatFails() throws Exception {
        GenerateWarmUp.Outcome o = GenerateWarmUp.run(new InetSocketAddress("127.0.0.1", t.server.grpcPort()), null,
                "no-such-model", 4, Duration.ofSeconds(10));
        assertEquals(0, o.completed(), "an unknown model completes nothing");
        assertTrue(o.calls() <= 3, "the calls in flight when the first failed, and one more at most: " + o.calls());
    }
}
