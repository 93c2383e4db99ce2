package dev.ferry.server.grpc;

import dev.ferry.api.v1.DetokenizeRequest;
import dev.ferry.api.v1.DetokenizeResponse;
import dev.ferry.api.v1.TokenizeRequest;
import dev.ferry.api.v1.TokenizeResponse;
import dev.ferry.api.v1.TokenizerGrpc;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.serving.Tokenization;
import io.grpc.stub.StreamObserver;
import java.util.Arrays;

/** {@code ferry.v1.Tokenizer}: prompts to token ids and back over gRPC (see {@link Tokenization}). */
final class TokenizerService extends TokenizerGrpc.TokenizerImplBase {
    private final Tokenization tokenization;

    TokenizerService(Tokenization tokenization) {
        this.tokenization = tokenization;
    }

    @Override
    public void tokenize(TokenizeRequest request, StreamObserver<TokenizeResponse> observer) {
        TokenizeResponse.Builder out = TokenizeResponse.newBuilder();
        try {
            Tokenization.Tokens t = tokenization.tokenize(request.getModel(), prompt(request),
                    request.hasAddSpecialTokens() ? request.getAddSpecialTokens() : null, request.getReturnTokenStrs());
            Arrays.stream(t.ids()).forEach(out::addTokens);
            if (t.strings() != null) {
                out.addAllTokenStrs(t.strings());
            }
            out.setMaxModelLen(t.maxModelLen());
        } catch (ApiException e) {
            observer.onError(GrpcStatuses.of(e));
            return;
        }
        observer.onNext(out.build());
        observer.onCompleted();
    }

    @Override
    public void detokenize(DetokenizeRequest request, StreamObserver<DetokenizeResponse> observer) {
        String text;
        try {
            text = tokenization.detokenize(request.getModel(),
                    request.getTokensList().stream().mapToInt(Integer::intValue).toArray());
        } catch (ApiException e) {
            observer.onError(GrpcStatuses.of(e));
            return;
        }
        observer.onNext(DetokenizeResponse.newBuilder().setPrompt(text).build());
        observer.onCompleted();
    }

    private static Prompt prompt(TokenizeRequest r) {
        return switch (r.getPromptCase()) {
            case TEXT -> new Prompt.Text(r.getText());
            case CHAT -> ProtoRequests.chat(r.getChat());
            case PROMPT_NOT_SET -> throw ApiException.invalid("prompt", "is required: set text or chat");
        };
    }
}
