package dev.ferry.server.grpc;

import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.ToolCallDelta;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.answer.Answer;
import dev.ferry.server.answer.AnswerParser;
import dev.ferry.server.answer.StreamedAnswer;
import dev.ferry.server.api.Admitted;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Transport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.serving.PreparedRequest;
import dev.ferry.server.stream.Chunk;
import dev.ferry.server.stream.StreamPump;
import dev.ferry.server.tools.Delta;
import dev.ferry.server.tools.ToolCall;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code ferry.v1.Inference}. Generate streams through a {@link StreamPump}, so a slow reader gets
 * coalesced messages instead of an unbounded send queue; cancellation and deadlines of the call
 * cancel the request in the engine, which frees its KV blocks within one iteration.
 */
final class InferenceService extends InferenceGrpc.InferenceImplBase {
    private final ServerContext ctx;
    private final int streamBufferBytes;

    InferenceService(ServerContext ctx, int streamBufferBytes) {
        this.ctx = ctx;
        this.streamBufferBytes = streamBufferBytes;
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> observer) {
        var call = (ServerCallStreamObserver<GenerateResponse>) observer;
        PreparedRequest prepared = prepare(request, call);
        if (prepared == null) {
            return;
        }
        StreamPump pump = new StreamPump(ctx.streamExecutor(), new GenerateStream(call, prepared), prepared.logprobs(),
                ctx.streams());
        call.setOnReadyThreshold(streamBufferBytes);
        call.setOnReadyHandler(pump::onReady);
        start(call, prepared, pump, pump::abandon);
    }

    @Override
    public void complete(GenerateRequest request, StreamObserver<CompleteResponse> observer) {
        var call = (ServerCallStreamObserver<CompleteResponse>) observer;
        PreparedRequest prepared = prepare(request, call);
        if (prepared == null) {
            return;
        }
        start(call, prepared, new CompleteSink(call, prepared), () -> { });
    }

    /** Validates the request; a refusal ends the call with its status and gives null. */
    private PreparedRequest prepare(GenerateRequest request, ServerCallStreamObserver<?> call) {
        try {
            return ctx.inference().prepare(read(request));
        } catch (ApiException e) {
            call.onError(GrpcStatuses.of(e));
            return null;
        }
    }

    /** The call as the serving core takes it; a refusal here is counted like those of prepare. */
    private InferenceRequest read(GenerateRequest request) {
        try {
            return ProtoRequests.toInference(request, Context.current().getDeadline())
                    .withTenant(CallTenant.OF_KEY.get(), CallTenant.OF_HEADER.get());
        } catch (ApiException e) {
            ctx.inference().refused(Transport.GRPC, request.getRequestId(), e);
            throw e;
        }
    }

    /** Starts the request, and wires the call's cancellation (client gone, deadline passed) to the engine request. */
    private static void start(ServerCallStreamObserver<?> call, PreparedRequest prepared, TokenSink sink,
                              Runnable onClientGone) {
        var handle = new java.util.concurrent.atomic.AtomicReference<RequestHandle>();
        call.setOnCancelHandler(() -> {
            onClientGone.run();
            RequestHandle h = handle.get();
            if (h != null) {
                h.cancel();
            }
        });
        CacheTrailer.Outcome cache = CacheTrailer.current();
        if (cache != null) {
            cache.starting();
        }
        try {
            Admitted a = prepared.start(sink);
            handle.set(a.handle());
            if (cache != null) {
                cache.handOver(a.cache());
            }
            if (call.isCancelled()) {
                a.handle().cancel();
            }
        } catch (ApiException e) {
            if (cache != null) {
                cache.handOver(CompletableFuture.completedStage(CacheOutcome.OFF));
            }
            call.onError(GrpcStatuses.of(e));
        }
    }

    /** The status a call ends with when its request did not finish normally. */
    static Status failure(Finish f) {
        return switch (f.reason()) {
            case DEADLINE -> Status.DEADLINE_EXCEEDED.withDescription("the request's deadline passed after "
                    + f.usage().completionTokens() + " tokens");
            case CANCELLED -> Status.CANCELLED.withDescription("the request was cancelled (its model was unloaded)");
            case UNAVAILABLE -> Status.UNAVAILABLE.withDescription(f.error());
            default -> Status.INTERNAL.withDescription(f.error() != null ? f.error() : "the engine failed the request");
        };
    }

    static boolean completed(Finish f) {
        return f.reason() == FinishReason.STOP || f.reason() == FinishReason.LENGTH;
    }

    /** One Generate call as the pump's target. */
    private static final class GenerateStream implements StreamPump.Target {
        private final ServerCallStreamObserver<GenerateResponse> call;
        private final PreparedRequest prepared;
        /** Splits the answer into thinking, text and tool calls as it streams; null when it is text only. */
        private final StreamedAnswer answer;

        GenerateStream(ServerCallStreamObserver<GenerateResponse> call, PreparedRequest prepared) {
            this.call = call;
            this.prepared = prepared;
            AnswerParser parser = prepared.answer();
            this.answer = parser == null ? null : parser.stream();
        }

        /**
         * The message's thinking, text and tool call pieces for {@code text} (and the end of the
         * stream when {@code last}).
         */
        private GenerateResponse.Builder content(String text, boolean last) {
            GenerateResponse.Builder b = GenerateResponse.newBuilder().setRequestId(prepared.requestId());
            if (answer == null) {
                return b.setText(text);
            }
            StreamedAnswer.Piece piece = answer.next(text, last);
            b.setReasoning(piece.reasoning());
            for (Delta d : piece.calls()) {
                b.addToolCalls(ToolCallDelta.newBuilder().setIndex(d.index()).setId(nonNull(d.id()))
                        .setName(nonNull(d.name())).setArgumentsFragment(d.argumentsFragment()));
            }
            return b.setText(piece.content());
        }

        @Override
        public boolean isReady() {
            return call.isReady() || call.isCancelled();
        }

        @Override
        public void send(Chunk chunk) {
            GenerateResponse.Builder b = content(chunk.text(), false);
            for (int id : chunk.tokenIds()) {
                b.addTokenIds(id);
            }
            if (!chunk.withLogprobs().isEmpty()) {
                b.addAllLogprobs(ProtoResponses.logprobs(chunk.withLogprobs(), prepared.tokenizer()));
            }
            call.onNext(b.build());
        }

        @Override
        public void finish(Finish f) {
            if (call.isCancelled()) {
                return;
            }
            if (!completed(f)) {
                call.onError(failure(f).asRuntimeException());
                return;
            }
            GenerateResponse.Builder last = content(f.text(), true);
            call.onNext(last.setFinish(ProtoResponses.finish(f, prepared, answer != null && answer.calledTools())).build());
            call.onCompleted();
        }
    }

    /** Collects a Complete call's tokens and answers once, from the engine's output thread (no blocking). */
    private static final class CompleteSink implements TokenSink {
        private final ServerCallStreamObserver<CompleteResponse> call;
        private final PreparedRequest prepared;
        private final StringBuilder text = new StringBuilder();
        private final CompleteResponse.Builder answer = CompleteResponse.newBuilder(); // token ids go in unboxed
        private final List<TokenEvent> logprobs = new ArrayList<>();

        CompleteSink(ServerCallStreamObserver<CompleteResponse> call, PreparedRequest prepared) {
            this.call = call;
            this.prepared = prepared;
        }

        @Override
        public void onToken(TokenEvent token) {
            text.append(token.text());
            answer.addTokenIds(token.tokenId());
            if (prepared.logprobs()) {
                logprobs.add(token);
            }
        }

        @Override
        public void onFinish(Finish f) {
            if (call.isCancelled()) {
                return;
            }
            if (!completed(f)) {
                call.onError(failure(f).asRuntimeException());
                return;
            }
            String whole = text + f.text();
            AnswerParser parser = prepared.answer();
            Answer parsed = parser == null ? null : parser.parse(whole);
            if (parsed != null) {
                for (ToolCall c : parsed.calls()) {
                    answer.addToolCalls(dev.ferry.api.v1.ToolCall.newBuilder().setId(c.id()).setName(c.name())
                            .setArgumentsJson(c.argumentsJson()));
                }
                if (parsed.reasoning() != null) {
                    answer.setReasoning(parsed.reasoning());
                }
            }
            call.onNext(answer.setRequestId(prepared.requestId()).setText(parsed == null ? whole : parsed.content())
                    .addAllLogprobs(ProtoResponses.logprobs(logprobs, prepared.tokenizer()))
                    .setFinish(ProtoResponses.finish(f, prepared, parsed != null && !parsed.calls().isEmpty())).build());
            call.onCompleted();
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
