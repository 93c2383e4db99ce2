package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.ListModelsRequest;
import dev.ferry.api.v1.LoadModelRequest;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.UnloadModelRequest;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** API keys, admin calls, request limits and draining, over a real socket. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcAccessTest {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path store;
    static GrpcTestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new GrpcTestServer(store, new ApiKeys(List.of("user-key"), List.of("admin-key")),
                new ServingLimits(2048, 8, 4), EngineConfig.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES);
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static <S extends AbstractStub<S>> S withKey(S stub, String key) {
        Metadata m = new Metadata();
        m.put(AUTHORIZATION, "Bearer " + key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    static GenerateRequest request(String text) {
        return GenerateRequest.newBuilder().setText(text).setMaxTokens(3)
                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build();
    }

    static void assertStatus(Status.Code code, String fragment, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(fragment), e.getStatus().getDescription());
    }

    @Test
    @Order(1)
    void keysAreChecked() {
        assertStatus(Status.Code.UNAUTHENTICATED, "missing API key", () -> t.blocking().complete(request("hi")));
        assertStatus(Status.Code.UNAUTHENTICATED, "invalid API key",
                () -> withKey(t.blocking(), "wrong").complete(request("hi")));
        CompleteResponse ok = withKey(t.blocking(), "user-key").complete(request("hi"));
        assertEquals(3, ok.getFinish().getUsage().getCompletionTokens());
        assertEquals(ServingFixture.MODEL, ok.getFinish().getModel(), "the only model serves an unnamed request");
        assertEquals(1, withKey(t.models(), "user-key").list(ListModelsRequest.getDefaultInstance()).getModelsCount());
        // probes need no key
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(t.channel)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    @Order(2)
    void adminCallsNeedAnAdminKey() {
        var unload = UnloadModelRequest.newBuilder().setName(ServingFixture.MODEL).build();
        assertStatus(Status.Code.PERMISSION_DENIED, "admin", () -> withKey(t.models(), "user-key").unload(unload));
        var admin = withKey(t.models(), "admin-key");
        assertEquals(ModelState.MODEL_STATE_UNLOADED, admin.unload(unload).getState());
        assertStatus(Status.Code.UNAVAILABLE, "unloaded", () -> withKey(t.blocking(), "user-key").complete(request("hi")));
        assertEquals(HealthCheckResponse.ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(t.channel)
                .check(HealthCheckRequest.newBuilder().setService(ServingFixture.MODEL).build()).getStatus());
        var load = LoadModelRequest.newBuilder().setName(ServingFixture.MODEL).build();
        assertEquals(ModelState.MODEL_STATE_READY, admin.load(load).getState());
        assertEquals(3, withKey(t.blocking(), "admin-key").complete(request("hi")).getFinish().getUsage()
                .getCompletionTokens(), "an admin key also opens inference");
        assertStatus(Status.Code.NOT_FOUND, "no model folder", () -> admin.load(
                LoadModelRequest.newBuilder().setName("missing").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "name", () -> admin.load(
                LoadModelRequest.newBuilder().setName("../etc").build()));
    }

    @Test
    @Order(3)
    void limitsOnMessageSizeAndPromptTokens() {
        var stub = withKey(t.blocking(), "user-key");
        assertStatus(Status.Code.INVALID_ARGUMENT, "prompt", () -> stub.complete(request("a b c d e f g h i j k l")));
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, "", () -> stub.complete(request("x".repeat(4096))));
    }

    @Test
    @Order(4)
    void drainingRefusesNewRequests() {
        t.server.context().inference().drain();
        assertStatus(Status.Code.UNAVAILABLE, "shutting down", () -> withKey(t.blocking(), "user-key").complete(request("hi")));
    }
}
