package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.Locale;

/** Whole HTTP responses: bodies of a known length, and errors in OpenAI's shape {"error": {message, type, param, code}}. */
final class HttpResponses {
    static final String REQUEST_ID = "x-request-id";

    private HttpResponses() {}

    static FullHttpResponse full(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    static FullHttpResponse json(HttpResponseStatus status, ByteBuf body) {
        return full(status, body, HttpHeaderValues.APPLICATION_JSON.toString());
    }

    /** The refusal as the HTTP status its {@link ApiStatus} names, with Retry-After when a retry may succeed. */
    static FullHttpResponse error(ByteBufAllocator alloc, ApiException e, String requestId) {
        FullHttpResponse r = error(alloc, HttpResponseStatus.valueOf(e.status().httpStatus()), e.status(), e.getMessage(),
                e.field());
        if (e.retryAfterSeconds() > 0) {
            r.headers().setInt(HttpHeaderNames.RETRY_AFTER, e.retryAfterSeconds());
        }
        if (requestId != null) {
            r.headers().set(REQUEST_ID, requestId);
        }
        return r;
    }

    /**
     * An error whose HTTP status has no {@link ApiStatus} of its own (413, 405): {@code kind} gives the
     * OpenAI type and code.
     */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, ApiStatus kind, String message,
                                  String param) {
        return json(status, Json.write(alloc.buffer(), g -> writeError(g, kind, message, param)));
    }

    /** The error object, also sent as an event when a stream fails after its headers went out. */
    static void writeError(JsonGenerator g, ApiStatus kind, String message, String param) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("error");
        g.writeStringField("message", message);
        g.writeStringField("type", kind.openAiType());
        g.writeStringField("param", param);
        g.writeStringField("code", kind.name().toLowerCase(Locale.ROOT));
        g.writeEndObject();
        g.writeEndObject();
    }
}
