package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.api.v1.UnloadModelRequest;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.models.ServedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unload drains: while streams run on the large model and routed requests keep arriving, an
 * Unload lets every stream in flight complete in full, sends the arrivals to the large model while
 * it still takes them and to the small one after, and every request gets exactly one terminal answer.
 */
class UnloadWhileStreamingTest {
    @TempDir
    Path store;

    @Test
    void unloadWhileStreamingLosesNoRequest() throws Exception {
        try (TwoModelServer t = new TwoModelServer(store, AdmissionLimits.DEFAULTS, "")) {
            int streams = 6;
            int tokens = 600;
            CountDownLatch allStreaming = new CountDownLatch(streams);
            List<StreamOutcome> inFlight = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                StreamOutcome o = new StreamOutcome(allStreaming);
                inFlight.add(o);
                InferenceGrpc.newStub(t.channel).generate(RoutingTest.request("large", RoutingTest.SHORT + i, tokens)
                        .build(), o);
            }
            assertTrue(allStreaming.await(30, TimeUnit.SECONDS), "every stream has its first token");
            assertEquals(streams, t.registry.get("large").instance().inFlight(), "all still generating at the unload");

            CompletableFuture<ModelState> unload = CompletableFuture.supplyAsync(() -> ModelsGrpc
                    .newBlockingStub(t.channel).unload(UnloadModelRequest.newBuilder().setName("large").build())
                    .getState());
            List<StreamOutcome> arrivals = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                StreamOutcome o = new StreamOutcome();
                arrivals.add(o);
                InferenceGrpc.newStub(t.channel).generate(RoutingTest.request("auto", RoutingTest.LONG, 8).build(), o);
                Thread.sleep(5);
            }
            assertEquals(ModelState.MODEL_STATE_UNLOADED, unload.get(60, TimeUnit.SECONDS));

            for (StreamOutcome o : inFlight) {
                Finish f = o.finish.get(30, TimeUnit.SECONDS);
                assertEquals(FinishReason.FINISH_REASON_LENGTH, f.getReason());
                assertEquals(tokens, f.getUsage().getCompletionTokens());
                assertEquals(tokens, o.tokens.get());
                assertEquals(1, o.terminals.get(), "exactly one terminal answer");
            }
            for (StreamOutcome o : arrivals) {
                Finish f = o.finish.get(30, TimeUnit.SECONDS);
                assertEquals(8, f.getUsage().getCompletionTokens(), "served by " + f.getModel());
                assertEquals(1, o.terminals.get(), "exactly one terminal answer");
            }
            assertEquals(ServedModel.State.UNLOADED, t.registry.get("large").state());
        }
    }
}
