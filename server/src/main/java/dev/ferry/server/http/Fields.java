package dev.ferry.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Typed reads of a JSON request body's top-level fields. A field of the wrong type is refused with
 * a message naming it; an absent or null field reads as null, so the serving core applies its
 * defaults.
 */
final class Fields {
    /** A field OpenAI clients send that this server accepts only at the value that changes nothing. */
    record NoOp(Predicate<JsonNode> accepts, String value) {}

    private final JsonNode body;
    private final boolean strict;
    /** The fields {@link #allowOnly} let through without knowing them (not strict), in body order. */
    private final List<String> unknown = new ArrayList<>();

    private Fields(JsonNode body, boolean strict) {
        this.body = body;
        this.strict = strict;
    }

    /** A body whose unknown fields are ignored (and listed by {@link #unknownFields()}). */
    static Fields parse(ByteBuf content) {
        return parse(content, false);
    }

    /** @param strict refuse an unknown field instead of ignoring it */
    static Fields parse(ByteBuf content, boolean strict) {
        if (!content.isReadable()) {
            throw ApiException.of(ApiStatus.INVALID_ARGUMENT, "the request body is empty; send a JSON object");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(new ByteBufInputStream(content));
        } catch (JacksonException e) {
            throw ApiException.of(ApiStatus.INVALID_ARGUMENT, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.of(ApiStatus.INVALID_ARGUMENT, "the request body could not be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.of(ApiStatus.INVALID_ARGUMENT, "the request body must be a JSON object");
        }
        return new Fields(node, strict);
    }

    /**
     * Checks every field against the endpoint's policy: {@code supported} ones are applied;
     * {@code ignored} ones are known to change nothing here and pass; a no-op field set to anything
     * but its harmless value, and a {@code refused} one, are refused, since a silently dropped setting
     * would make the client believe it took effect. A field the endpoint does not know is refused
     * when strict, else let through and listed by {@link #unknownFields()}.
     *
     * @param refused a reason for each known field this server does not implement
     */
    void allowOnly(Set<String> supported, Set<String> ignored, Map<String, NoOp> noOps, Map<String, String> refused) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            NoOp noOp = noOps.get(name);
            if (noOp != null) {
                if (!f.getValue().isNull() && !noOp.accepts().test(f.getValue())) {
                    throw ApiException.invalid(name, "this server supports only " + noOp.value() + ", got "
                            + abbreviate(f.getValue().toString()));
                }
            } else if (refused.containsKey(name) && !f.getValue().isNull()) {
                throw ApiException.invalid(name, refused.get(name));
            } else if (!supported.contains(name) && !ignored.contains(name) && !refused.containsKey(name)) {
                if (strict) {
                    throw ApiException.invalid(name, "is not a field of this endpoint");
                }
                unknown.add(name);
            }
        }
    }

    /** The unknown fields let through, in body order. */
    List<String> unknownFields() {
        return List.copyOf(unknown);
    }

    /** The raw node, or null when absent or null. */
    JsonNode node(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    String string(String name) {
        JsonNode n = typed(name, JsonNode::isTextual, "a string");
        return n == null ? null : n.textValue();
    }

    Integer integer(String name) {
        JsonNode n = typed(name, v -> v.isIntegralNumber() && v.canConvertToInt(), "an integer");
        return n == null ? null : n.intValue();
    }

    Long int64(String name) {
        JsonNode n = typed(name, v -> v.isIntegralNumber() && v.canConvertToLong(), "a 64-bit integer");
        return n == null ? null : n.longValue();
    }

    Double number(String name) {
        JsonNode n = typed(name, JsonNode::isNumber, "a number");
        return n == null ? null : n.doubleValue();
    }

    Boolean bool(String name) {
        JsonNode n = typed(name, JsonNode::isBoolean, "true or false");
        return n == null ? null : n.booleanValue();
    }

    boolean bool(String name, boolean absent) {
        Boolean b = bool(name);
        return b == null ? absent : b;
    }

    /** A string or a list of strings (OpenAI's {@code stop}). */
    List<String> strings(String name) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (n.isTextual()) {
            return List.of(n.textValue());
        }
        if (!n.isArray()) {
            throw wrongType(name, "a string or a list of strings", n);
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw wrongType(name + "[" + i + "]", "a string", n.get(i));
            }
            out.add(n.get(i).textValue());
        }
        return out;
    }

    List<Integer> integers(String name) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw wrongType(name, "a list of integers", n);
        }
        List<Integer> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(integer(name + "[" + i + "]", n.get(i)));
        }
        return out;
    }

    /** The field's node if it has the type {@code is} accepts, null if absent; refused otherwise. */
    private JsonNode typed(String name, Predicate<JsonNode> is, String expected) {
        JsonNode n = node(name);
        if (n != null && !is.test(n)) {
            throw wrongType(name, expected, n);
        }
        return n;
    }

    /** A list element that must be an integer (token ids). */
    static int integer(String name, JsonNode n) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrongType(name, "an integer", n);
        }
        return n.intValue();
    }

    static ApiException wrongType(String name, String expected, JsonNode got) {
        return ApiException.invalid(name, "must be " + expected + ", got " + abbreviate(got.toString()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
