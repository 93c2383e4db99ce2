package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.EmbeddingInput;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.embed.EmbeddingResult;
import dev.ferry.server.embed.Embeddings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/embeddings} in OpenAI's shape. The body is read and the inputs tokenized on the
 * prep pool; the vectors come from the model's batcher, and the answer is written on the
 * connection's event loop, as floats or as base64 of little-endian float32 (what openai-java and
 * Spring AI ask for by default).
 */
final class EmbeddingsEndpoint implements Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingsEndpoint.class);
    /** {@code truncate} is Ferry's: OpenAI refuses inputs over the model's length, and so does Ferry unless asked. */
    private static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user",
            "truncate");
    private static final String INPUT_TYPES = "a string, a list of strings, a list of token ids or a list of lists of "
            + "token ids";

    private final Embeddings embeddings;
    private final Executor prep;
    private final boolean strictFields;

    EmbeddingsEndpoint(Embeddings embeddings, Executor prep, boolean strictFields) {
        this.embeddings = embeddings;
        this.prep = prep;
        this.strictFields = strictFields;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        String requestId = request.headers().get(HttpResponses.REQUEST_ID);
        Channel channel = ctx.channel();
        PrepPool.submit(prep, request, body -> {
            try {
                Fields f;
                try {
                    f = Fields.parse(body, strictFields);
                } finally {
                    body.release();
                }
                f.allowOnly(FIELDS, Set.of(), Map.of(), Map.of());
                boolean base64 = base64(f.string("encoding_format"));
                f.string("user"); // accepted, and only type-checked: embeddings have no per-tenant budget
                EmbeddingRequest r = new EmbeddingRequest(f.string("model"), inputs(f.node("input")),
                        f.integer("dimensions"), f.bool("truncate", false));
                List<String> unknown = f.unknownFields();
                embeddings.embed(r).whenCompleteAsync((result, e) -> {
                    if (e == null) {
                        // x-ferry-cache: the deepest level that answered an input, or miss when the encoder ran
                        ResponseNotes notes = new ResponseNotes(unknown, List.of(), result.cache());
                        channel.writeAndFlush(answer(channel, result, base64, notes, requestId));
                    } else {
                        channel.writeAndFlush(failure(channel, e, requestId));
                    }
                }, channel.eventLoop());
            } catch (ApiException e) {
                channel.writeAndFlush(HttpResponses.error(channel.alloc(), e, requestId));
            } catch (RuntimeException e) { // a bug: the client still gets an answer
                channel.writeAndFlush(failure(channel, e, requestId));
            }
        });
    }

    /** OpenAI's four shapes of {@code input}; the list's first element decides which list it is. */
    static List<EmbeddingInput> inputs(JsonNode input) {
        if (input == null) {
            throw ApiException.invalid("input", "is required: " + INPUT_TYPES);
        }
        if (input.isTextual()) {
            return List.of(new EmbeddingInput.Text(input.textValue()));
        }
        if (!input.isArray()) {
            throw Fields.wrongType("input", INPUT_TYPES, input);
        }
        if (input.isEmpty()) {
            return List.of();
        }
        JsonNode first = input.get(0);
        if (first.isIntegralNumber()) {
            return List.of(new EmbeddingInput.Ids(ids("input", input)));
        }
        List<EmbeddingInput> out = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode n = input.get(i);
            String name = "input[" + i + "]";
            if (first.isTextual()) {
                if (!n.isTextual()) {
                    throw Fields.wrongType(name, "a string, as input[0] is", n);
                }
                out.add(new EmbeddingInput.Text(n.textValue()));
            } else if (first.isArray()) {
                if (!n.isArray()) {
                    throw Fields.wrongType(name, "a list of token ids, as input[0] is", n);
                }
                out.add(new EmbeddingInput.Ids(ids(name, n)));
            } else {
                throw Fields.wrongType(name, "a string, a token id or a list of token ids", n);
            }
        }
        return out;
    }

    private static int[] ids(String name, JsonNode list) {
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Fields.integer(name + "[" + i + "]", list.get(i));
        }
        return ids;
    }

    private static boolean base64(String format) {
        if (format == null || format.equals("float")) {
            return false;
        }
        if (format.equals("base64")) {
            return true;
        }
        throw ApiException.invalid("encoding_format", "must be \"float\" or \"base64\", got \"" + format + "\"");
    }

    private static FullHttpResponse answer(Channel channel, EmbeddingResult result, boolean base64,
                                           ResponseNotes notes, String requestId) {
        FullHttpResponse r = HttpResponses.json(HttpResponseStatus.OK, Json.write(channel.alloc().buffer(),
                g -> write(g, result, base64)));
        notes.writeTo(r.headers());
        if (requestId != null) {
            r.headers().set(HttpResponses.REQUEST_ID, requestId);
        }
        return r;
    }

    private static void write(JsonGenerator g, EmbeddingResult result, boolean base64) throws IOException {
        g.writeStartObject();
        g.writeStringField("object", "list");
        g.writeArrayFieldStart("data");
        for (int i = 0; i < result.vectors().size(); i++) {
            float[] v = result.vectors().get(i);
            g.writeStartObject();
            g.writeStringField("object", "embedding");
            g.writeNumberField("index", i);
            if (base64) {
                g.writeStringField("embedding", littleEndianBase64(v));
            } else {
                g.writeArrayFieldStart("embedding");
                for (float x : v) {
                    g.writeNumber(x);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("model", result.model());
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", result.promptTokens());
        g.writeNumberField("total_tokens", result.promptTokens());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** The vector's float32 values, little-endian, in base64: OpenAI's {@code encoding_format: base64}. */
    static String littleEndianBase64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static FullHttpResponse failure(Channel channel, Throwable e, String requestId) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiException api) {
            return HttpResponses.error(channel.alloc(), api, requestId);
        }
        LOG.error("embeddings request failed", cause);
        return HttpResponses.error(channel.alloc(), ApiException.of(ApiStatus.INTERNAL,
                "embedding failed: " + cause.getMessage()), requestId);
    }
}
