package dev.ferry.bench;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.FerryServer;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * What the server adds per streamed token: N concurrent greedy streams run once straight on the
 * engine (its own token events) and once through the gRPC server over loopback, on the same
 * model in the same process. Reported: the CPU time the server's own threads (Netty I/O, gRPC
 * callbacks, stream pumps) spend per token, the whole process's CPU per token both ways (the gRPC
 * figure includes the client's decoding), and wall-clock token rates.
 */
public final class ServerBenchmark {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Predicate<String> SERVER_THREAD = n -> n.startsWith("ferry-io") || n.startsWith("ferry-grpc")
            || n.startsWith("ferry-stream") || n.startsWith("ferry-accept");
    private static final Predicate<String> ENGINE_THREAD = n -> n.startsWith("ferry-engine") || n.startsWith("ferry-output");

    private final int streams;
    private final int tokens;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private ServerBenchmark(Map<String, String> args) {
        this.streams = Integer.parseInt(args.getOrDefault("streams", "64"));
        this.tokens = Integer.parseInt(args.getOrDefault("tokens", "200"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        new ServerBenchmark(args).run(args);
    }

    private void run(Map<String, String> args) throws Exception {
        String preset = args.getOrDefault("preset", "tiny");
        Path model = ForwardBenchmark.model("llama-" + preset, preset).toAbsolutePath();
        Path store = Files.createTempDirectory("ferry-bench-store");
        Files.createSymbolicLink(store.resolve("model"), model);
        ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS));
        FerryServer server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES));
        ExecutorService clientExecutor = Executors.newFixedThreadPool(2, r -> new Thread(r, "bench-client"));
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .executor(clientExecutor).build();
        try {
            server.loadModels();
            Engine engine = registry.get("model").instance().engine();
            results.put("streams", streams);
            results.put("tokens_per_stream", tokens);
            for (int round = 0; round < 2; round++) { // warm-up: JIT, pools, connections
                direct(engine);
                grpc(channel);
            }
            Run d = direct(engine);
            Run g = grpc(channel);
            results.put("direct_tok_per_s", Math.round(d.tokens / d.wallSeconds));
            results.put("grpc_tok_per_s", Math.round(g.tokens / g.wallSeconds));
            results.put("grpc_messages_per_token", ForwardBenchmark.round((double) g.messages / g.tokens));
            results.put("engine_cpu_us_per_token_direct", ForwardBenchmark.round(d.engineCpuUs / d.tokens));
            results.put("server_cpu_us_per_token", ForwardBenchmark.round(g.serverCpuUs / g.tokens));
            results.put("process_cpu_us_per_token_direct", ForwardBenchmark.round(d.processCpuUs / d.tokens));
            results.put("process_cpu_us_per_token_grpc", ForwardBenchmark.round(g.processCpuUs / g.tokens));
            results.put("process_cpu_us_per_token_added_incl_client",
                    ForwardBenchmark.round(g.processCpuUs / g.tokens - d.processCpuUs / d.tokens));
            results.put("wall_us_per_token_added", ForwardBenchmark.round(
                    1e6 * (g.wallSeconds / g.tokens - d.wallSeconds / d.tokens)));
        } finally {
            channel.shutdownNow();
            server.close();
            clientExecutor.shutdownNow();
        }
        Report.print(results, args.get("out"));
    }

    record Run(long tokens, long messages, double wallSeconds, double serverCpuUs, double engineCpuUs,
               double processCpuUs) {}

    private Run direct(Engine engine) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(streams);
        AtomicLong count = new AtomicLong();
        CpuClock clock = new CpuClock();
        for (int i = 0; i < streams; i++) {
            engine.submit(dev.ferry.engine.api.GenerateRequest.of(prompt(i), tokens,
                    dev.ferry.engine.api.SamplingParams.greedy()).withIgnoreEos(true), new TokenSink() {
                        @Override
                        public void onToken(TokenEvent token) {
                            count.incrementAndGet();
                        }

                        @Override
                        public void onFinish(Finish finish) {
                            done.countDown();
                        }
                    });
        }
        done.await();
        return clock.stop(count.get(), count.get());
    }

    private Run grpc(ManagedChannel channel) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(streams);
        AtomicLong count = new AtomicLong();
        AtomicLong messages = new AtomicLong();
        CpuClock clock = new CpuClock();
        var stub = InferenceGrpc.newStub(channel);
        for (int i = 0; i < streams; i++) {
            GenerateRequest.Builder r = GenerateRequest.newBuilder().setModel("model").setMaxTokens(tokens)
                    .setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0));
            TokenIds.Builder ids = TokenIds.newBuilder();
            for (int id : prompt(i)) {
                ids.addIds(id);
            }
            stub.generate(r.setTokenIds(ids).build(), new StreamObserver<>() {
                @Override
                public void onNext(GenerateResponse value) {
                    messages.incrementAndGet();
                    count.addAndGet(value.getTokenIdsCount());
                }

                @Override
                public void onError(Throwable t) {
                    System.err.println("stream failed: " + t);
                    done.countDown();
                }

                @Override
                public void onCompleted() {
                    done.countDown();
                }
            });
        }
        done.await();
        return clock.stop(count.get(), messages.get());
    }

    private static int[] prompt(int i) {
        SplittableRandom r = new SplittableRandom(i);
        int[] p = new int[16];
        for (int j = 0; j < p.length; j++) {
            p[j] = 1 + r.nextInt(400);
        }
        return p;
    }

    /** CPU time of every live thread from construction to {@link #stop}, grouped by role. */
    private static final class CpuClock {
        private final long wall0 = System.nanoTime();
        private final Map<Long, Long> start = snapshot();
        private final long process0 = processCpu();

        Run stop(long tokens, long messages) {
            double wall = (System.nanoTime() - wall0) / 1e9;
            Map<Long, Long> end = snapshot();
            double server = 0;
            double engine = 0;
            for (var t : THREADS.getThreadInfo(end.keySet().stream().mapToLong(Long::longValue).toArray())) {
                if (t == null) {
                    continue;
                }
                double us = (end.get(t.getThreadId()) - start.getOrDefault(t.getThreadId(), 0L)) / 1e3;
                if (SERVER_THREAD.test(t.getThreadName())) {
                    server += us;
                } else if (ENGINE_THREAD.test(t.getThreadName())) {
                    engine += us;
                }
            }
            return new Run(tokens, messages, wall, server, engine, (processCpu() - process0) / 1e3);
        }

        private static Map<Long, Long> snapshot() {
            Map<Long, Long> m = new HashMap<>();
            for (long id : THREADS.getAllThreadIds()) {
                long cpu = THREADS.getThreadCpuTime(id);
                if (cpu >= 0) {
                    m.put(id, cpu);
                }
            }
            return m;
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }
}
