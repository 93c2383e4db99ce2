package dev.ferry.server.grpc;

import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.TokenLogprobs;
import dev.ferry.api.v1.TopLogprob;
import dev.ferry.api.v1.Usage;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.server.serving.PreparedRequest;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.List;

/** Builds the response messages shared by Generate and Complete. */
final class ProtoResponses {
    private ProtoResponses() {
    }

    static List<TokenLogprobs> logprobs(List<TokenEvent> events, ModelTokenizer tokenizer) {
        List<TokenLogprobs> out = new ArrayList<>(events.size());
        for (TokenEvent e : events) {
            TokenLogprobs.Builder b = TokenLogprobs.newBuilder().setTokenId(e.tokenId()).setLogprob(e.logprob());
            for (int i = 0; i < e.topTokenIds().length; i++) {
                int id = e.topTokenIds()[i];
                b.addTop(TopLogprob.newBuilder().setTokenId(id).setLogprob(e.topLogprobs()[i])
                        .setText(tokenizer.tokenText(id)));
            }
            out.add(b.build());
        }
        return out;
    }

    /** @param calledTools the answer called tools: its STOP reads TOOL_CALLS, as OpenAI's "tool_calls" */
    static Finish finish(dev.ferry.engine.api.Finish f, PreparedRequest served, boolean calledTools) {
        FinishReason reason = calledTools && f.reason() == dev.ferry.engine.api.FinishReason.STOP
                ? FinishReason.FINISH_REASON_TOOL_CALLS : reason(f.reason());
        Finish.Builder b = Finish.newBuilder().setReason(reason).setModel(served.model())
                .setRoute(served.route()).setRouteReason(served.routeReason())
                .setUsage(Usage.newBuilder().setPromptTokens(f.usage().promptTokens())
                        .setCachedPromptTokens(f.usage().cachedPromptTokens())
                        .setCompletionTokens(f.usage().completionTokens())
                        .setReasoningTokens(f.usage().reasoningTokens())
                        .setCached(f.usage().cached()));
        if (f.error() != null) {
            b.setError(f.error());
        }
        return b.build();
    }

    private static FinishReason reason(dev.ferry.engine.api.FinishReason r) {
        return switch (r) {
            case STOP -> FinishReason.FINISH_REASON_STOP;
            case LENGTH -> FinishReason.FINISH_REASON_LENGTH;
            case CANCELLED -> FinishReason.FINISH_REASON_CANCELLED;
            case DEADLINE -> FinishReason.FINISH_REASON_DEADLINE;
            case ERROR -> FinishReason.FINISH_REASON_ERROR;
            case UNAVAILABLE -> FinishReason.FINISH_REASON_UNAVAILABLE;
        };
    }
}
