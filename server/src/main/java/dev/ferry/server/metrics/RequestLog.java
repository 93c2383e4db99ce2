package dev.ferry.server.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.routing.ShadowResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON object per ended request, finished or refused, and per shadow evaluation of one, logged
 * at INFO to the logger {@value #LOGGER}, for log pipelines: every line has the same fields, null
 * where one does not apply ({@code shadow} is an object on a shadow's line).
 */
final class RequestLog {
    static final String LOGGER = "ferry.requests";

    private final Logger log = LoggerFactory.getLogger(LOGGER);
    private final JsonFactory json = new JsonFactory();

    void write(RequestOutcome o) {
        if (log.isInfoEnabled()) {
            log.info(line(o));
        }
    }

    String line(RequestOutcome o) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", o.requestId());
            g.writeStringField("tenant", o.tenant());
            g.writeStringField("model", o.model());
            g.writeStringField("route", o.route());
            g.writeStringField("transport", o.transport() == null ? null : o.transport().wireName());
            if (o instanceof RequestOutcome.Finished f) {
                Usage u = f.finish().usage();
                g.writeStringField("outcome", f.finish().reason().wireName());
                g.writeNullField("status");
                g.writeNumberField("prompt_tokens", u.promptTokens());
                g.writeNumberField("completion_tokens", u.completionTokens());
                g.writeNumberField("cached_prompt_tokens", u.cachedPromptTokens());
                g.writeBooleanField("response_cache_hit", u.cached());
                g.writeStringField("response_cache", f.cache() == null || f.cache() == CacheOutcome.OFF ? null
                        : f.cache().header());
                millis(g, "ttft_ms", f.ttftNanos());
                millis(g, "e2e_ms", f.e2eNanos());
                g.writeStringField("error", f.finish().error());
            } else {
                RequestOutcome.Refused r = (RequestOutcome.Refused) o;
                g.writeStringField("outcome", "rejected");
                g.writeStringField("status", r.status().name().toLowerCase(Locale.ROOT));
                for (String field : new String[] {"prompt_tokens", "completion_tokens", "cached_prompt_tokens",
                        "response_cache_hit", "response_cache", "ttft_ms", "e2e_ms"}) {
                    g.writeNullField(field);
                }
                g.writeStringField("error", r.message());
            }
            g.writeNullField("shadow");
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    void write(String requestId, String bucket, ShadowResult r) {
        if (log.isInfoEnabled()) {
            log.info(line(requestId, bucket, r));
        }
    }

    /** A shadow's line: the request's id, route and small model, outcome "shadowed", and what its scoring found. */
    String line(String requestId, String bucket, ShadowResult r) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", requestId);
            g.writeNullField("tenant");
            g.writeStringField("model", r.smallModel());
            g.writeStringField("route", r.route());
            g.writeNullField("transport");
            g.writeStringField("outcome", "shadowed");
            for (String field : new String[] {"status", "prompt_tokens", "completion_tokens", "cached_prompt_tokens",
                    "response_cache_hit", "response_cache", "ttft_ms", "e2e_ms", "error"}) {
                g.writeNullField(field);
            }
            g.writeObjectFieldStart("shadow");
            g.writeStringField("model", r.largeModel());
            g.writeStringField("bucket", bucket);
            g.writeNumberField("compared_tokens", r.comparedTokens());
            g.writeNumberField("agreement", r.agreement());
            g.writeNumberField("mean_logprob", r.meanLogprob());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Milliseconds to the microsecond; null for a negative (unmeasured) time. */
    private static void millis(JsonGenerator g, String field, long nanos) throws IOException {
        if (nanos < 0) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, Math.round(nanos / 1e3) / 1e3);
        }
    }
}
