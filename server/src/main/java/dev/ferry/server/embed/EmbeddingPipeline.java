package dev.ferry.server.embed;

import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.EmbeddingInput;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.cache.CachedEmbedding;
import dev.ferry.server.cache.EmbeddingCache;
import dev.ferry.server.cache.EmbeddingKey;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One embeddings request on one {@link Embedder}, the same for the server and {@code ferry embed}:
 * checks the inputs (each refusal names {@code input[i]}), answers those seen before from the
 * {@link EmbeddingCache} and queues only the others on the model's batcher, then cuts the vectors
 * to the size asked for.
 */
public final class EmbeddingPipeline {
    /** Inputs one request may hold, as OpenAI allows. */
    public static final int MAX_INPUTS = 2048;

    /** One input on its way: its cache key, and its ids unless the cache answers it. */
    private record Input(EmbeddingKey key, int[] ids, int inputTokens) {}

    private final EmbeddingCache cache;

    /** @param cache vectors of inputs seen before; null for none */
    public EmbeddingPipeline(EmbeddingCache cache) {
        this.cache = cache;
    }

    /**
     * Embeds the request's inputs on {@code embedder}, served as {@code model}. Bad input is refused
     * at once with an {@link ApiException}; a full batcher queue fails the future with one
     * (RESOURCE_EXHAUSTED).
     */
    public CompletableFuture<EmbeddingResult> embed(String model, Embedder embedder, EmbeddingRequest request) {
        List<EmbeddingInput> inputs = checkCount(request.inputs());
        int dimensions = embedder.dimensions(request.dimensions());
        LoadedEncoder encoder = embedder.encoder();
        List<EmbeddingKey> keys = cache == null ? null : inputs.stream().map(scope(embedder, dimensions)::of).toList();
        CachedEmbedding[] found = cache == null ? new CachedEmbedding[inputs.size()] : cache.getLocal(keys);
        Input[] prepared = new Input[inputs.size()];
        for (int i = 0; i < prepared.length; i++) {
            EmbeddingKey key = keys == null ? null : keys.get(i);
            boolean usableHit = found[i] != null
                    && (request.truncate() || found[i].inputTokens() <= encoder.maxInputTokens());
            // a hit on an input too long for this request is refused as that input itself would be
            prepared[i] = usableHit ? new Input(key, null, found[i].inputTokens())
                    : tokens(encoder, i, inputs.get(i), key, request.truncate());
            if (!usableHit) {
                found[i] = null;
            }
        }
        CompletableFuture<CacheOutcome> shared = cache == null ? CompletableFuture.completedFuture(CacheOutcome.OFF)
                : cache.fillShared(keys, found);
        return shared.thenCompose(level -> compute(model, embedder, prepared, found, dimensions, request.truncate(),
                level));
    }

    private static EmbeddingKey.Scope scope(Embedder embedder, int dimensions) {
        LoadedEncoder encoder = embedder.encoder();
        return new EmbeddingKey.Scope(embedder.folder().contentHash(), encoder.numerics(), encoder.device(),
                encoder.pooling().name(), encoder.normalizes(), dimensions);
    }

    /**
     * Runs the inputs nothing cached, each distinct one once (a list may repeat an input), then
     * assembles every vector in order.
     *
     * @param cached the deepest cache level that answered an input (OFF without a cache)
     */
    private CompletableFuture<EmbeddingResult> compute(String model, Embedder embedder, Input[] inputs,
                                                       CachedEmbedding[] found, int dimensions, boolean truncate,
                                                       CacheOutcome cached) {
        List<Integer> missing = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        Map<IntBuffer, Integer> firstWithIds = new HashMap<>(); // IntBuffer: equal by content
        int[] repeats = new int[inputs.length];
        int hits = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (found[i] != null) {
                hits++;
                continue;
            }
            Integer first = firstWithIds.putIfAbsent(IntBuffer.wrap(inputs[i].ids()), i);
            repeats[i] = first == null ? -1 : first;
            if (first == null) {
                missing.add(i);
                ids.add(inputs[i].ids());
            }
        }
        int cacheHits = hits; // for the lambda below
        CompletableFuture<float[][]> computed = ids.isEmpty() ? CompletableFuture.completedFuture(new float[0][])
                : embedder.embed(ids);
        int maxTokens = embedder.encoder().maxInputTokens();
        boolean normalize = embedder.encoder().normalizes();
        return computed.thenApply(vectors -> {
            float[][] out = new float[inputs.length][];
            for (int j = 0; j < vectors.length; j++) {
                int i = missing.get(j);
                out[i] = Matryoshka.cut(vectors[j], dimensions, normalize);
                if (cache != null) {
                    cache.put(inputs[i].key(), new CachedEmbedding(out[i], inputs[i].inputTokens()));
                }
            }
            int tokens = 0;
            for (int i = 0; i < inputs.length; i++) {
                if (out[i] == null) {
                    out[i] = found[i] != null ? found[i].vector() : out[repeats[i]];
                }
                tokens += truncate ? Math.min(inputs[i].inputTokens(), maxTokens) : inputs[i].inputTokens();
            }
            CacheOutcome outcome = cached == CacheOutcome.OFF || vectors.length == 0 ? cached : CacheOutcome.MISS;
            return new EmbeddingResult(model, List.of(out), tokens, cacheHits, outcome);
        });
    }

    /** The input's ids, cut to the model's maximum when the request allows it, checked as the batcher would. */
    private static Input tokens(LoadedEncoder encoder, int index, EmbeddingInput input, EmbeddingKey key,
                                boolean truncate) {
        int[] ids;
        if (input instanceof EmbeddingInput.Text t) {
            if (t.text().isEmpty()) {
                throw ApiException.invalid("input", "input[" + index + "]: is an empty string; embed at least one "
                        + "character");
            }
            ids = encoder.encode(t.text());
        } else {
            ids = ((EmbeddingInput.Ids) input).ids();
        }
        int[] embedded = truncate ? encoder.truncate(ids) : ids;
        try {
            encoder.validate(index, embedded);
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
        return new Input(key, embedded, ids.length);
    }

    private static List<EmbeddingInput> checkCount(List<EmbeddingInput> inputs) {
        if (inputs.isEmpty()) {
            throw ApiException.invalid("input", "is an empty list; send at least one input");
        }
        if (inputs.size() > MAX_INPUTS) {
            throw ApiException.invalid("input", "holds " + inputs.size() + " inputs; one request takes at most "
                    + MAX_INPUTS + ", so send them in smaller requests");
        }
        return inputs;
    }
}
