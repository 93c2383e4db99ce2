package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.ServingFixture;
import dev.ferry.server.net.WarmUpRequests;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The start-up run of the generation path: streamed completions through the server's own port, counted under their tenant. */
class GenerationWarmUpTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer();

    @Test
    void warmUpStreamsCompletionsCountedUnderItsOwnTenant() throws Exception {
        GenerationWarmUp.Outcome o = GenerationWarmUp.run(new InetSocketAddress("127.0.0.1", live.server.port()), null,
                ServingFixture.MODEL, 4, Duration.ofMillis(1_500));
        assertTrue(o.requests() >= 2, "two connections' requests at least: " + o.requests());
        assertEquals(o.requests(), o.streamed(), "every warm-up request streamed to its end");
        String tokens = live.get("/metrics").body().lines()
                .filter(l -> l.startsWith("ferry_tenant_completion_tokens_total")
                        && l.contains("tenant=\"" + WarmUpRequests.TENANT + "\""))
                .findFirst().orElseThrow(() -> new AssertionError("no completion tokens counted for the warm-up's tenant"));
        assertEquals(16.0 * o.requests(), Double.parseDouble(tokens.substring(tokens.lastIndexOf(' ') + 1)), tokens);
    }

    @Test
    void warmUpStopsAtTheFirstAnswerThatIsNotAStream() throws Exception {
        GenerationWarmUp.Outcome o = GenerationWarmUp.run(new InetSocketAddress("127.0.0.1", live.server.port()), null,
                "no-such-model", 4, Duration.ofSeconds(10));
        assertEquals(0, o.streamed(), "an unknown model streams nothing");
        assertTrue(o.requests() <= 2, "one request a connection at most: " + o.requests());
    }
}
