package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.clients.RecordingProxy.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Holds each {@link DefaultCall} to the body it sent in a real run, checked in under
 * {@code src/test/resources/request-bodies/}: the field names, nested ones included, must be the same,
 * so a client upgrade that starts (or stops) sending a field fails with the field's name. Values are
 * not compared: ids, prompts and numbers may differ between runs without changing what the server
 * must understand. Each body sent is also written to {@code target/request-bodies/}, so an intended
 * change is taken by copying it over the snapshot.
 */
final class RequestBodySnapshots {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SENT = Path.of("target", "request-bodies");

    private RequestBodySnapshots() {
    }

    /**
     * The one request {@code call} made: answered 2xx, every field of it known to the server (none
     * named in {@code x-ferry-ignored-fields}), and the same fields as its snapshot.
     */
    static void assertMatches(DefaultCall call, List<Exchange> recorded) {
        assertEquals(1, recorded.size(), call.snapshot + " made one request without retries: " + recorded);
        Exchange e = recorded.get(0);
        String sent = pretty(e.body());
        write(call, sent);
        assertEquals(call.path, e.path(), call.snapshot);
        assertTrue(e.status() / 100 == 2, call.snapshot + " answered " + e.status() + " to " + sent);
        assertEquals(Optional.empty(), e.ignoredFields(), call.snapshot + ": the server ignored fields it does not know");
        assertSameFields(call, sent);
    }

    /** {@code body} has the fields of {@code call}'s snapshot, or the failure names those added and dropped. */
    static void assertSameFields(DefaultCall call, String body) {
        Set<String> now = fieldPaths(body);
        Set<String> pinned = fieldPaths(snapshot(call));
        if (!now.equals(pinned)) {
            Set<String> added = new TreeSet<>(now);
            added.removeAll(pinned);
            Set<String> dropped = new TreeSet<>(pinned);
            dropped.removeAll(now);
            fail(call.snapshot + " now sends " + added + " and no longer sends " + dropped + " (snapshot request-bodies/"
                    + call.snapshot + ".json). If the server handles that (docs/openai-fields.md), take "
                    + SENT.resolve(call.snapshot + ".json") + " as the new snapshot:\n" + body);
        }
    }

    /** The snapshot's text as checked in, to send verbatim. */
    static String snapshot(DefaultCall call) {
        String name = "/request-bodies/" + call.snapshot + ".json";
        try (InputStream in = RequestBodySnapshots.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no snapshot " + name + "; the body sent in this run is in "
                        + SENT.resolve(call.snapshot + ".json"));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each field as a path: {@code stream_options.include_usage}, {@code messages[].role}. */
    private static Set<String> fieldPaths(String json) {
        Set<String> out = new TreeSet<>();
        try {
            collect(JSON.readTree(json), "", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void collect(JsonNode node, String at, Set<String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                String path = at.isEmpty() ? f.getKey() : at + "." + f.getKey();
                out.add(path);
                collect(f.getValue(), path, out);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                collect(element, at + "[]", out);
            }
        }
    }

    private static String pretty(String json) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json)) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(DefaultCall call, String body) {
        try {
            Files.createDirectories(SENT);
            Files.writeString(SENT.resolve(call.snapshot + ".json"), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
