package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.server.net.UntilJitQuiet;
import dev.ferry.server.net.WarmUpRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the generation path through the JIT before the first bursts: short streamed completions to
 * a model through the server's own HTTP port over loopback, so that the handlers, the prep pool's
 * parse, admission, the engine's steps at several batch sizes and the SSE writes all run as a
 * client's request runs them, until the JIT has gone quiet. On the shared 2-vCPU machine, in six
 * bursts of 300 after it, the C2 compiler took 1.6-2.2 s of CPU against 3.3-4.1 s without it, and
 * the first burst's refusals came back at p99 64-124 ms against 151-210 ms.
 *
 * <p>They are requests like any other (see {@link WarmUpRequests}), counted in the metrics under
 * their own tenant (or the one the server's first API key is bound to), at batch priority (a
 * client's interactive requests go first), sampled without a seed (so the response cache keeps
 * none of them).
 */
final class GenerationWarmUp {

    /** How many requests were sent, how many answered 200, and whether the JIT went quiet in time. */
    record Outcome(int requests, int streamed, boolean settled) {}

    private GenerationWarmUp() {}

    /**
     * @param api the server's HTTP address, reachable over loopback
     * @param apiKey a key the server accepts, or null when it is open
     * @param maxNumSeqs the model's sequences in a batch at most (see {@link WarmUpRequests#inFlight})
     */
    static Outcome run(InetSocketAddress api, String apiKey, String model, int maxNumSeqs, Duration limit) {
        int connections = WarmUpRequests.inFlight(maxNumSeqs);
        UntilJitQuiet more = WarmUpRequests.more(connections, limit);
        try {
            // with and without logprobs in turn: their chunks are written by different code, and a path the
            // warm-up skipped was recompiled in the first burst (a 400 ms compile of the chunk writer)
            LoopbackExchanges.Tally tally = LoopbackExchanges.run(api, List.of(
                    LoopbackExchanges.post("/v1/completions", body(model, false), apiKey),
                    LoopbackExchanges.post("/v1/completions", body(model, true), apiKey)),
                    connections, "HTTP/1.1 200 ", more);
            return new Outcome(tally.answered(), tally.expected(), more.settled());
        } catch (IOException e) {
            throw new UncheckedIOException("the generation path's warm-up over loopback failed", e);
        }
    }

    private static byte[] body(String model, boolean logprobs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", WarmUpRequests.promptIds());
        body.put("max_tokens", WarmUpRequests.OUTPUT_TOKENS);
        body.put("temperature", 1.0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        if (logprobs) {
            body.put("logprobs", 0); // each token's own logprob, as `ferry bench` and eval clients ask
        }
        body.put("user", WarmUpRequests.TENANT);
        body.put("priority", "batch");
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // strings, numbers and a map always serialize
        }
    }
}
