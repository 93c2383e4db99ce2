package dev.ferry.engine;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.ScoreRequest;
import dev.ferry.engine.api.Scores;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.KvVariants;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.loop.EngineRuntime;
import dev.ferry.engine.loop.RunnerExecutor;
import dev.ferry.engine.loop.StepExecutor;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.ModelRunner;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One model instance serving requests with continuous batching: {@link #submit} hands a request to
 * the engine loop through a bounded lock-free queue and returns at once; tokens reach the request's
 * {@link TokenSink} as they are sampled, then exactly one finish. Thread-safe.
 */
public final class Engine implements AutoCloseable {
    private final EngineRuntime runtime;

    private Engine(EngineRuntime runtime) {
        this.runtime = runtime;
    }

    /** Starts serving a loaded model. */
    public static Engine start(LoadedModel model, EngineConfig config) {
        return start(model.runner(), config);
    }

    /** Starts serving a runner that benchmarks and tests also drive directly. */
    public static Engine start(ModelRunner runner, EngineConfig config) {
        var spec = new EngineSpec(runner.folder().name(), runner.folder().tokenizer(), runner.kvSpec().numBlocks(),
                runner.kvSpec().blockSize(), runner.maxModelLen(), runner.folder().config().vocabSize(),
                Set.copyOf(runner.folder().eosTokenIds()));
        return start(new RunnerExecutor(runner), spec, config, KvVariants.of(runner.folder().config()));
    }

    /** Starts a loop over any step executor (benchmarks measure the loop itself with a stub). */
    public static Engine start(StepExecutor executor, EngineSpec spec, EngineConfig config) {
        return start(executor, spec, config, KvVariants.SINGLE);
    }

    /** @param variants which keys a sequence of a given length caches (a LongRoPE model has two sets) */
    private static Engine start(StepExecutor executor, EngineSpec spec, EngineConfig config, KvVariants variants) {
        BlockManager blocks = new BlockManager(spec.numBlocks(), spec.blockSize(), config.prefixCaching());
        return new Engine(EngineRuntime.start(executor, spec, config, new KvManager(blocks, variants)));
    }

    /**
     * Queues a request. Fails at once with {@link IllegalArgumentException} naming the field for a
     * request the model cannot run, and with {@link EngineOverloadedException} when the queue is full.
     */
    public RequestHandle submit(GenerateRequest request, TokenSink sink) {
        return runtime.submit(request, List.of(sink));
    }

    /**
     * Queues a request for several samples of its prompt (OpenAI's {@code n}), one per sink: choice
     * {@code i} samples with {@code request.sampling().forChoice(i)}, and its sink receives its
     * tokens and one finish. The prompt is computed once: the other choices wait until the first
     * one's full prompt blocks are in the prefix cache (when prefix caching is on) and share them.
     * A choice that ends other than by STOP or LENGTH cancels the others; the handle cancels all.
     * Fails as {@link #submit(GenerateRequest, TokenSink)} does, for all choices at once.
     */
    public RequestHandle submit(GenerateRequest request, List<? extends TokenSink> choices) {
        return runtime.submit(request, choices);
    }

    /** Submits and returns a blocking stream of the request's events. */
    public TokenStream submit(GenerateRequest request) {
        TokenStream stream = new TokenStream();
        stream.attach(submit(request, stream));
        return stream;
    }

    /**
     * Queues a teacher-forced scoring run: one prefill of the prompt and the continuation, computing
     * logits only for the continuation's positions, at {@link dev.ferry.engine.api.Priority#BATCH}
     * (admitted after interactive requests, preempted before them). The future completes on the
     * engine's output thread, so dependent work must be quick or asynchronous; it fails when the run
     * ends otherwise (deadline, shutdown, a failed step). Fails at once as {@link #submit} does.
     */
    public CompletableFuture<Scores> score(ScoreRequest request) {
        return runtime.score(request);
    }

    public EngineMetrics metrics() {
        return runtime.metrics();
    }

    /** Stops accepting requests; those in flight finish within {@code drain}, the rest end with ERROR. */
    public void shutdown(Duration drain) {
        runtime.shutdown(drain);
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(30));
    }
}
