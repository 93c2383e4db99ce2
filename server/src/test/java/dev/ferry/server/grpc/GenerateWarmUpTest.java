package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.ServingFixture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up run of the Generate path: streamed calls over loopback to the model, each to its end. */
class GenerateWarmUpTest {
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
