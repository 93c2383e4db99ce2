package dev.ferry.server.cache;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.models.ServedModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Starts deterministic requests through the response cache: a hit replays the stored answer to the
 * request's sink; a miss runs on the engine with a recording that stores the answer. An in-process
 * hit or miss is decided on the caller's thread; a Redis or database lookup finishes the start when it answers.
 */
public final class CachedInference {
    /** The handle of a replayed answer: it is complete before the caller gets it. */
    private static final RequestHandle REPLAYED = new RequestHandle() {
        @Override
        public void cancel() {
        }

        @Override
        public boolean isDone() {
            return true;
        }
    };

    /** A request started through the cache, and which level answered: known at once unless Redis or the database is asked. */
    public record Started(RequestHandle handle, CompletionStage<CacheOutcome> outcome) {}

    private final ResponseCache cache;

    public CachedInference(ResponseCache cache) {
        this.cache = cache;
    }

    /**
     * Reads the model's fingerprint when it becomes ready, off the request path and while the
     * loaded weights are still those on disk.
     */
    public void fingerprint(ServedModel model) {
        if (model.servesGeneration()) {
            model.instance().folder().contentHash();
        }
    }

    /**
     * @param sink the request's sink: a hit is replayed into it
     * @param known told what the cache made of the request as soon as that is known, before a hit is replayed
     * @param generate runs the request on the engine, keeping its answer in the recording it is
     *     given; failing as {@link dev.ferry.server.serving.PreparedRequest#start} does
     */
    public Started start(ServedModel.Instance model, GenerateRequest request, TokenSink sink,
                         Consumer<CacheOutcome> known, Function<ResponseRecording, RequestHandle> generate) {
        ResponseKey key = ResponseKey.of(model.folder().contentHash(), model.loaded().numerics(),
                model.loaded().device(), request);
        CompletableFuture<ResponseCache.Lookup> lookup = cache.get(key).thenApply(l -> {
            known.accept(l.outcome());
            return l;
        });
        CompletionStage<CacheOutcome> outcome = lookup.thenApply(ResponseCache.Lookup::outcome);
        if (lookup.isDone()) {
            return new Started(answer(lookup.join().response(), key, request, sink, generate), outcome);
        }
        PendingRequest pending = new PendingRequest(sink, request.promptIds().length);
        lookup.thenAccept(hit -> pending.resolve(s -> answer(hit.response(), key, request, s, generate)));
        return new Started(pending, outcome);
    }

    private RequestHandle answer(CachedResponse hit, ResponseKey key, GenerateRequest request, TokenSink sink,
                                 Function<ResponseRecording, RequestHandle> generate) {
        if (hit == null) {
            return generate.apply(cache.recording(key, request.sampling().wantsLogprobs()));
        }
        hit.replay(sink);
        return REPLAYED;
    }
}
