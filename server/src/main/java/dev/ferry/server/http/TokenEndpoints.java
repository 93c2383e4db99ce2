package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.serving.Tokenization;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * {@code POST /tokenize} and {@code POST /detokenize} in vLLM's shapes, so clients can count a
 * prompt against the context: text or chat messages to the ids a generation would get, and ids back
 * to text. Answered from the prep pool, since chat templates and tokenizing must not stall the
 * event loop.
 */
final class TokenEndpoints {
    private static final Set<String> TOKENIZE_FIELDS = Set.of("model", "prompt", "messages", "add_special_tokens",
            "add_generation_prompt", "return_token_strs");
    private static final Set<String> DETOKENIZE_FIELDS = Set.of("model", "tokens");

    private final Tokenization tokenization;
    private final Executor prep;

    TokenEndpoints(Tokenization tokenization, Executor prep) {
        this.tokenization = tokenization;
        this.prep = prep;
    }

    /** {"model", "prompt" or "messages", ...} to {"count", "max_model_len", "tokens"[, "token_strs"]}. */
    void tokenize(ChannelHandlerContext ctx, FullHttpRequest request) {
        serve(ctx, request, f -> {
            f.allowOnly(TOKENIZE_FIELDS, Set.of(), Map.of(), Map.of());
            Tokenization.Tokens t = tokenization.tokenize(f.string("model"), prompt(f), f.bool("add_special_tokens"),
                    f.bool("return_token_strs", false));
            return g -> {
                g.writeStartObject();
                g.writeNumberField("count", t.ids().length);
                g.writeNumberField("max_model_len", t.maxModelLen());
                g.writeFieldName("tokens");
                g.writeArray(t.ids(), 0, t.ids().length);
                if (t.strings() != null) {
                    g.writeObjectField("token_strs", t.strings());
                }
                g.writeEndObject();
            };
        });
    }

    /** {"model", "tokens"} to {"prompt"}. */
    void detokenize(ChannelHandlerContext ctx, FullHttpRequest request) {
        serve(ctx, request, f -> {
            f.allowOnly(DETOKENIZE_FIELDS, Set.of(), Map.of(), Map.of());
            List<Integer> tokens = f.integers("tokens");
            if (tokens == null) {
                throw ApiException.invalid("tokens", "is required");
            }
            String text = tokenization.detokenize(f.string("model"),
                    tokens.stream().mapToInt(Integer::intValue).toArray());
            return g -> {
                g.writeStartObject();
                g.writeStringField("prompt", text);
                g.writeEndObject();
            };
        });
    }

    /** Text ("prompt") or chat ("messages", rendered as the chat endpoint renders them), exactly one. */
    private static Prompt prompt(Fields f) {
        boolean chat = f.node("messages") != null;
        if (chat == (f.node("prompt") != null)) {
            throw ApiException.invalid("prompt", chat ? "give either prompt or messages, not both"
                    : "is required (or messages, for a chat)");
        }
        if (!chat) {
            if (f.node("add_generation_prompt") != null) {
                throw ApiException.invalid("add_generation_prompt", "applies only to messages");
            }
            return new Prompt.Text(f.string("prompt"));
        }
        return new Prompt.Chat(ChatApi.messages(f.node("messages")), f.bool("add_generation_prompt", true));
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request, Function<Fields, Json.Writer> answer) {
        String requestId = request.headers().get(HttpResponses.REQUEST_ID);
        Channel channel = ctx.channel();
        PrepPool.submit(prep, request, body -> {
            try {
                Fields fields;
                try {
                    fields = Fields.parse(body, true); // not an OpenAI route: a misspelt field is an error
                } finally {
                    body.release();
                }
                Json.Writer json = answer.apply(fields);
                channel.writeAndFlush(HttpResponses.json(HttpResponseStatus.OK,
                        Json.write(channel.alloc().buffer(), json)));
            } catch (ApiException e) {
                channel.writeAndFlush(HttpResponses.error(channel.alloc(), e, requestId));
            }
        });
    }
}
