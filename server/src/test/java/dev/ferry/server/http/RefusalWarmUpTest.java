package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The start-up run of the refusal path over loopback: every request refused as a full model would,
 * and nothing of it seen outside.
 */
class RefusalWarmUpTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer();
    @RegisterExtension
    static final LiveServer smallBodies = new LiveServer(ApiKeys.none(), new ServingLimits(300, 1 << 20, 16),
            EngineConfig.DEFAULTS);

    @Test
    void warmUpRefusesEveryRequestAndLeavesTheMetricsAndTheModelAlone() throws Exception {
        List<String> before = counts();
        RefusalWarmUp.Outcome o = live.server.warmUpRefusals(2_000, Duration.ZERO);
        assertEquals(2_000, o.requests(), "the fewest requests and no more: no time left for the JIT");
        assertEquals(o.requests(), o.refused(), "every warm-up request answered 429");
        assertEquals(before, counts(), "no request, refusal or refusal time of the warm-up counted");
        var answer = live.post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2, \"ignore_eos\": true}");
        assertEquals(200, answer.statusCode(), answer.body());
    }

    @Test
    void warmUpStopsAtAnAnswerOtherThanARefusal() {
        RefusalWarmUp.Outcome o = smallBodies.server.warmUpRefusals(2_000, Duration.ZERO);
        assertEquals(0, o.refused(), "every request over the body limit answered 413, none 429");
        assertTrue(o.requests() <= RefusalWarmUp.CONNECTIONS, "one request a connection at most: " + o.requests());
    }

    /** The request and refusal series, less the scrapes of /metrics themselves. */
    private static List<String> counts() throws Exception {
        return live.get("/metrics").body().lines()
                .filter(l -> l.startsWith("ferry_http_requests") || l.startsWith("ferry_requests_rejected")
                        || l.startsWith("ferry_request_refusal_seconds_count"))
                .filter(l -> !l.contains("path=\"/metrics\""))
                .toList();
    }
}
