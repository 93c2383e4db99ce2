package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.Priority;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.FerryServer;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission control over gRPC: one sequence runs at a time, so the others wait for their first
 * token; the waiting bound refuses interactive requests beyond two and batch ones beyond one, and a
 * tenant's token budget refuses what it cannot pay for, each at once with a reason and retry hint.
 */
class GrpcAdmissionTest {
    @TempDir
    static Path store;
    static ModelRegistry registry;
    static FerryServer server;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        // a long context, so one request can keep the single sequence slot busy for seconds
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(
                ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withMaxPosition(4096), store.resolve("long"));
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS.withMaxNumSeqs(1), new AdmissionLimits(2, 1, 1 << 20, true)));
        registry.loadAll();
        TenantQuotas quotas = new TenantQuotas(null, Map.of("frugal", new TenantQuotas.Limits(1, 300)));
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DISABLED,
                quotas));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
    }

    static GenerateRequest request(int maxTokens, Priority priority, String tenant) {
        return GenerateRequest.newBuilder().setTokenIds(TokenIds.newBuilder().addIds(1).addIds(2).addIds(3))
                .setMaxTokens(maxTokens).setIgnoreEos(true).setPriority(priority).setTenant(tenant)
                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build();
    }

    static StatusRuntimeException refused(GenerateRequest r) {
        return assertThrows(StatusRuntimeException.class,
                () -> InferenceGrpc.newBlockingStub(channel).complete(r));
    }

    /** Streams a request in the background; the latch opens at its end. */
    static CountDownLatch stream(GenerateRequest r, List<Throwable> errors) {
        CountDownLatch done = new CountDownLatch(1);
        InferenceGrpc.newStub(channel).generate(r, new StreamObserver<>() {
            @Override
            public void onNext(GenerateResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        return done;
    }

    @Test
    void waitingRequestsAreBoundedAndBatchIsShedFirst() throws Exception {
        Admission admission = registry.get("long").instance().admission();
        List<Throwable> errors = new ArrayList<>();
        CountDownLatch running = stream(request(4000, Priority.PRIORITY_INTERACTIVE, ""), errors);
        waitFor(() -> admission.waiting() == 0 && registry.get("long").instance().engine().metrics().snapshot().running() == 1);
        CountDownLatch second = stream(request(8, Priority.PRIORITY_INTERACTIVE, ""), errors);
        waitFor(() -> admission.waiting() == 1);

        StatusRuntimeException batch = refused(request(8, Priority.PRIORITY_BATCH, ""));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, batch.getStatus().getCode());
        assertTrue(batch.getStatus().getDescription().startsWith("queue_full"), batch.getStatus().getDescription());
        assertNotNull(batch.getTrailers().get(GrpcStatuses.RETRY_AFTER), "a retry hint");

        CountDownLatch third = stream(request(8, Priority.PRIORITY_INTERACTIVE, ""), errors);
        waitFor(() -> admission.waiting() == 2);
        for (int i = 0; i < 5; i++) {
            StatusRuntimeException interactive = refused(request(8, Priority.PRIORITY_INTERACTIVE, ""));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, interactive.getStatus().getCode());
            assertTrue(interactive.getStatus().getDescription().contains("interactive requests are already waiting"));
        }

        assertEquals(1, registry.get("long").instance().engine().metrics().snapshot().running(),
                "the long request was running all along");
        assertTrue(running.await(60, TimeUnit.SECONDS) && second.await(30, TimeUnit.SECONDS)
                && third.await(30, TimeUnit.SECONDS));
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(0, admission.waiting());
        assertEquals(8, InferenceGrpc.newBlockingStub(channel).complete(request(8, Priority.PRIORITY_BATCH, ""))
                .getFinish().getUsage().getCompletionTokens(), "admitted again once the queue emptied");
    }

    @Test
    void aTenantOverItsBudgetIsRefused() {
        assertEquals(200, InferenceGrpc.newBlockingStub(channel).complete(request(200, Priority.PRIORITY_INTERACTIVE,
                "frugal")).getFinish().getUsage().getCompletionTokens());
        StatusRuntimeException e = refused(request(200, Priority.PRIORITY_INTERACTIVE, "frugal"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("tenant_quota"), e.getStatus().getDescription());
        assertTrue(Integer.parseInt(e.getTrailers().get(GrpcStatuses.RETRY_AFTER)) >= 100, "at 1 token/s");
        assertEquals(10, InferenceGrpc.newBlockingStub(channel).complete(request(10, Priority.PRIORITY_INTERACTIVE,
                "someone-else")).getFinish().getUsage().getCompletionTokens(), "other tenants are not limited");
        io.grpc.Metadata header = new io.grpc.Metadata();
        header.put(CallTenant.HEADER, "frugal");
        StatusRuntimeException viaHeader = assertThrows(StatusRuntimeException.class, () -> InferenceGrpc
                .newBlockingStub(channel).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(header))
                .complete(request(200, Priority.PRIORITY_INTERACTIVE, "")));
        assertTrue(viaHeader.getStatus().getDescription().contains("'frugal'"), "x-ferry-tenant names the tenant");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not reached in 20 s");
            }
            Thread.sleep(2);
        }
    }
}
