package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams under stress over real sockets: clients that vanish mid-stream, and a client that reads
 * one message per second while 32 others read at full speed.
 */
class GrpcBackpressureTest {
    /** Small enough that the tiny model's short streams fill it: the test must see backpressure engage. */
    static final int STREAM_BUFFER_BYTES = 256;
    static final int SLOW_CLIENT_WINDOW = 1024;

    @TempDir
    static Path store;
    static GrpcTestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new GrpcTestServer(store, ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, STREAM_BUFFER_BYTES);
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static GenerateRequest request(int seed, int maxTokens) {
        return GenerateRequest.newBuilder().setModel(ServingFixture.MODEL)
                .setTokenIds(TokenIds.newBuilder().addIds(1).addIds(2 + seed % 400).addIds(3 + seed % 300))
                .setMaxTokens(maxTokens).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build();
    }

    /** Counts what a stream receives; optionally reads only when asked to (manual flow control). */
    static final class Reader implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
        final boolean manual;
        final AtomicInteger messages = new AtomicInteger();
        final AtomicInteger tokens = new AtomicInteger();
        final CountDownLatch firstToken = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        volatile ClientCallStreamObserver<GenerateRequest> call;
        volatile Throwable error;

        Reader(boolean manual) {
            this.manual = manual;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
            call = requestStream;
            if (manual) {
                requestStream.disableAutoRequestWithInitial(1);
            }
        }

        @Override
        public void onNext(GenerateResponse r) {
            messages.incrementAndGet();
            tokens.addAndGet(r.getTokenIdsCount());
            if (r.getTokenIdsCount() > 0) {
                firstToken.countDown();
            }
        }

        @Override
        public void onError(Throwable e) {
            error = e;
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }
    }

    @Test
    void disconnecting100ClientsMidStreamFreesEverythingWithinOneSecond() throws Exception {
        List<ManagedChannel> channels = new ArrayList<>();
        List<Reader> readers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", t.server.grpcPort()).usePlaintext().build();
            Reader r = new Reader(false);
            InferenceGrpc.newStub(ch).generate(request(i, 240), r);
            channels.add(ch);
            readers.add(r);
        }
        for (Reader r : readers) {
            assertTrue(r.firstToken.await(60, TimeUnit.SECONDS), "every stream is under way");
        }
        var before = t.fixture.registry.get(ServingFixture.MODEL).instance().engine().metrics().snapshot();
        assertTrue(before.running() > 50 && before.kvBlocksUsed() > 0, "the streams are mid-generation: " + before);
        channels.forEach(ManagedChannel::shutdownNow); // closes each TCP connection
        t.assertEngineIdleWithin(1000);
        for (Reader r : readers) {
            assertTrue(r.tokens.get() < 240, "disconnected before the end");
        }
    }

    @Test
    void aSlowReaderGetsCoalescedMessagesAndTheFastStreamsKeepTheirRate() throws Exception {
        fastRate(1); // warm-up
        double alone = fastRate(3);

        ManagedChannel slowChannel = NettyChannelBuilder.forAddress("127.0.0.1", t.server.grpcPort()).usePlaintext()
                .flowControlWindow(SLOW_CLIENT_WINDOW).build();
        Reader slow = new Reader(true);
        InferenceGrpc.newStub(slowChannel).generate(request(7, 240), slow);
        var ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        ticker.scheduleAtFixedRate(() -> slow.call.request(1), 1, 1, TimeUnit.SECONDS);
        assertTrue(slow.firstToken.await(30, TimeUnit.SECONDS));
        double withSlow;
        try {
            withSlow = fastRate(3);
            t.assertEngineIdleWithin(30_000); // the slow request's tokens are all sampled now
        } finally {
            ticker.shutdownNow();
        }
        int readSlowly = slow.messages.get();
        slow.call.request(Integer.MAX_VALUE);
        assertTrue(slow.done.await(30, TimeUnit.SECONDS));
        slowChannel.shutdownNow();

        long maxHeld = t.server.context().streams().maxBufferedPerStream();
        System.out.printf("fast streams: %.0f tok/s alone, %.0f tok/s beside a slow reader; slow reader: %d tokens in "
                + "%d messages (%d read at 1/s), at most %d tokens held in its pump%n", alone, withSlow,
                slow.tokens.get(), slow.messages.get(), readSlowly, maxHeld);
        assertEquals(null, slow.error);
        assertEquals(240, slow.tokens.get(), "every token arrives in the end");
        assertTrue(slow.messages.get() < 120, "once the client stopped reading, tokens were coalesced: "
                + slow.messages.get() + " messages");
        // the most the pump held, not what it holds when generation ends: each 1/s read reopens the
        // window and the pump then sends all it holds as one message, so a read that falls between
        // the last token and the check would empty it
        assertTrue(maxHeld > 100, "unread tokens wait in the pump, not in transport buffers: " + maxHeld);
        assertTrue(maxHeld <= 240, "what a stream holds is bounded by its max_tokens: " + maxHeld);
        // a slow reader that held up the engine or an event loop would pace every stream at its one read a
        // second, thousands of times slower; half the rate leaves room for a machine shared with other work
        assertTrue(withSlow >= 0.5 * alone, "fast streams keep their rate: " + withSlow + " vs " + alone);
    }

    /** Rounds of 32 streams of 160 tokens at full speed for at least {@code seconds}; their tokens per second. */
    private static double fastRate(int seconds) throws InterruptedException {
        long t0 = System.nanoTime();
        long tokens = 0;
        do {
            List<Reader> readers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Reader r = new Reader(false);
                InferenceGrpc.newStub(t.channel).generate(request(1000 + i, 160), r);
                readers.add(r);
            }
            for (Reader r : readers) {
                assertTrue(r.done.await(60, TimeUnit.SECONDS));
                assertEquals(null, r.error);
                tokens += r.tokens.get();
            }
        } while (System.nanoTime() - t0 < seconds * 1_000_000_000L);
        return tokens / ((System.nanoTime() - t0) / 1e9);
    }
}
