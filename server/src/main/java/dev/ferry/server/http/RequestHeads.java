package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.engine.api.Priority;
import dev.ferry.server.api.RequestHead;
import dev.ferry.server.api.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a generation body's head (model, priority, n, max_tokens, user, temperature, seed) with
 * Jackson's streaming parser, skipping the other fields without building them, so the event loop
 * can refuse a request its model has no room for without the full parse, the chat template and the
 * tokenizer. A body it cannot read so far (not a JSON object, a field of the wrong type) gives
 * null: the full path then answers it with the 400 naming the field.
 */
final class RequestHeads {
    private RequestHeads() {}

    /**
     * @param body read from a copy of its indices: the full parse reads it again
     * @param keyTenant the tenant the request's API key is bound to, or null
     * @param headerTenant the x-ferry-tenant header, or null
     * @param requestId the client's x-request-id, or null
     */
    static RequestHead peek(ByteBuf body, String keyTenant, String headerTenant, String requestId) {
        try (InputStream in = new ByteBufInputStream(body.duplicate());
             JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String model = null;
            Priority priority = null;
            int choices = 1;
            Integer maxTokens = null;
            String user = null;
            Double temperature = null;
            Long seed = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (name) {
                    case "model" -> model = text(p, value);
                    case "priority" -> priority = priority(text(p, value));
                    case "user" -> user = text(p, value);
                    case "n" -> choices = whole(p, value);
                    case "max_tokens", "max_completion_tokens" -> maxTokens = whole(p, value);
                    case "temperature" -> temperature = number(p, value);
                    case "seed" -> seed = int64(p, value);
                    default -> p.skipChildren();
                }
            }
            String tenant = keyTenant != null && !keyTenant.isBlank() ? keyTenant
                    : user != null && !user.isBlank() ? user : headerTenant;
            return new RequestHead(model, priority, choices, maxTokens, tenant,
                    RequestHead.mayBeCached(choices, temperature, seed), requestId, Transport.HTTP);
        } catch (IOException | Unreadable e) {
            return null;
        }
    }

    /** A field whose value is not what the API takes: the full parse names it. */
    private static final class Unreadable extends Exception {
        Unreadable() {
            super(null, null, false, false);
        }
    }

    private static String text(JsonParser p, JsonToken value) throws IOException, Unreadable {
        if (value != JsonToken.VALUE_STRING) {
            throw new Unreadable();
        }
        return p.getText();
    }

    private static int whole(JsonParser p, JsonToken value) throws IOException, Unreadable {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            throw new Unreadable();
        }
        return p.getIntValue();
    }

    private static long int64(JsonParser p, JsonToken value) throws IOException, Unreadable {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new Unreadable();
        }
        return p.getLongValue();
    }

    private static Double number(JsonParser p, JsonToken value) throws IOException, Unreadable {
        if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new Unreadable();
        }
        return p.getDoubleValue();
    }

    private static Priority priority(String p) throws Unreadable {
        return switch (p) {
            case "interactive" -> Priority.INTERACTIVE;
            case "batch" -> Priority.BATCH;
            default -> throw new Unreadable();
        };
    }
}
