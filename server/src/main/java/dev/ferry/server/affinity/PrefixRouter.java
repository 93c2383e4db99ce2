package dev.ferry.server.affinity;

import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.PreparedRequest;

/**
 * Answers "which prefix key does this request have?" for both transports. The request goes through
 * the same validation and tokenization as a generation (so a chat prompt is keyed on its rendered
 * template, exactly the tokens the prefix cache will see), but it is never submitted.
 */
public final class PrefixRouter {
    /**
     * @param model the model that would serve the request
     * @param blockSize that model's KV block size
     * @param keyTokens how many leading prompt tokens the key covers
     */
    public record Route(String prefixKey, String model, int blockSize, int keyTokens) {}

    private final Inference inference;

    public PrefixRouter(Inference inference) {
        this.inference = inference;
    }

    /** Throws ApiException as a generation request would (unknown model, bad prompt, draining). */
    public Route route(InferenceRequest request) {
        PreparedRequest p = inference.prepare(request);
        int blockSize = p.kvBlockSize();
        return new Route(PrefixKey.of(p.model(), p.promptIds(), blockSize), p.model(), blockSize,
                PrefixKey.keyTokens(p.promptTokens(), blockSize));
    }
}
