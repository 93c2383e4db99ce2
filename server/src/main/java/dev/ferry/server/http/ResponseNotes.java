package dev.ferry.server.http;

import dev.ferry.server.api.CacheOutcome;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * What a generation's response headers say about the request besides its answer: the fields it
 * ignored as unknown, the parts of its output format that are not enforced, and what the response
 * cache made of it. OpenAI clients ignore them; people and proxies read them.
 *
 * @param unknownFields request fields ignored as unknown
 * @param unenforcedFormat parts of a non-strict output format that are not enforced
 */
record ResponseNotes(List<String> unknownFields, List<String> unenforcedFormat, CacheOutcome cache) {
    static final String IGNORED_FIELDS = "x-ferry-ignored-fields";
    static final String UNENFORCED_FORMAT = "x-ferry-unenforced-format";
    /** The level that answered ("l1", "l2", "l3") or "miss", while the server has a response cache. */
    static final String CACHE = "x-ferry-cache";

    void writeTo(HttpHeaders h) {
        if (!unknownFields.isEmpty()) {
            h.set(IGNORED_FIELDS, ResponseJson.ascii(String.join(", ", unknownFields)));
        }
        if (!unenforcedFormat.isEmpty()) {
            h.set(UNENFORCED_FORMAT, ResponseJson.ascii(String.join("; ", unenforcedFormat)));
        }
        if (cache != CacheOutcome.OFF) {
            h.set(CACHE, cache.header());
        }
    }
}
