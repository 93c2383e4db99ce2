package dev.ferry.server.http;

import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.server.PrometheusText;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several choices per request ({@code n}) over raw HTTP: each choice with its index and finish,
 * streamed or whole; usage counting the prompt once; per-choice seeds; the prompt prefilled once
 * and shared through the prefix cache; a client that leaves cancels every choice.
 */
class ChoicesHttpTest {
    /** Context for long answers, so a client can leave while its choices still generate. */
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 2048);

    private static final String CHAT = "/v1/chat/completions";
    private static final String SAMPLED = "\"messages\": [{\"role\": \"user\", \"content\": \"Tell me\"}],"
            + " \"max_tokens\": 8, \"temperature\": 1.0, \"seed\": 11, \"ignore_eos\": true";

    private static List<String> contents(JsonNode response) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : response.get("choices")) {
            out.add(c.at("/message/content").asText());
        }
        return out;
    }

    @Test
    void eachChoiceHasItsIndexAndFinishAndUsageCountsThePromptOnce() throws Exception {
        JsonNode one = json(live.post(CHAT, "{" + SAMPLED + "}"));
        JsonNode three = json(live.post(CHAT, "{" + SAMPLED + ", \"n\": 3}"));
        JsonNode choices = three.get("choices");
        assertEquals(3, choices.size(), three.toString());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, choices.get(i).get("index").asInt());
            assertEquals("length", choices.get(i).get("finish_reason").asText());
            assertEquals("assistant", choices.get(i).at("/message/role").asText());
        }
        assertEquals(one.at("/usage/prompt_tokens").asInt(), three.at("/usage/prompt_tokens").asInt());
        assertEquals(3 * 8, three.at("/usage/completion_tokens").asInt());
        assertEquals(three.at("/usage/prompt_tokens").asInt() + 24, three.at("/usage/total_tokens").asInt());

        assertTrue(new HashSet<>(contents(three)).size() > 1, "each choice samples with its own seed: " + contents(three));
        assertEquals(contents(three), contents(json(live.post(CHAT, "{" + SAMPLED + ", \"n\": 3}"))),
                "and each repeats under the request's seed");

        JsonNode completions = json(live.post("/v1/completions",
                "{\"prompt\": \"Once\", \"max_tokens\": 4, \"n\": 2, \"ignore_eos\": true, \"logprobs\": 1}"));
        assertEquals(8, completions.at("/usage/completion_tokens").asInt());
        for (int i = 0; i < 2; i++) {
            JsonNode c = completions.get("choices").get(i);
            assertEquals(i, c.get("index").asInt());
            assertEquals(4, c.at("/logprobs/tokens").size(), "each choice has its own logprobs");
            assertEquals(0, c.at("/logprobs/text_offset/0").asInt(), "counted in its own text");
        }
    }

    @Test
    void aStreamCarriesEachChoiceByIndexEndsEachOnceAndSendsOneUsage() throws Exception {
        List<JsonNode> events = LiveServer.events(live.post(CHAT, "{" + SAMPLED + ", \"n\": 2, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}}"));
        Predicate<JsonNode> withChoice = e -> e.get("choices").size() == 1;
        assertTrue(events.stream().filter(e -> !withChoice.test(e)).count() == 1, "one chunk without a choice");
        JsonNode usage = events.get(events.size() - 1);
        assertEquals(0, usage.get("choices").size(), "the usage chunk comes last");
        assertEquals(16, usage.at("/usage/completion_tokens").asInt());

        List<StringBuilder> text = List.of(new StringBuilder(), new StringBuilder());
        int[] roles = new int[2];
        int[] finishes = new int[2];
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertTrue(withChoice.test(e), e.toString());
            JsonNode c = e.get("choices").get(0);
            int index = c.get("index").asInt();
            roles[index] += c.at("/delta/role").isMissingNode() ? 0 : 1;
            text.get(index).append(c.at("/delta/content").asText(""));
            if (!c.get("finish_reason").isNull()) {
                finishes[index]++;
                assertEquals("length", c.get("finish_reason").asText());
            }
        }
        assertEquals(List.of(1, 1), List.of(roles[0], roles[1]), "each choice opens with the assistant role");
        assertEquals(List.of(1, 1), List.of(finishes[0], finishes[1]), "each choice ends once");
        assertEquals(contents(json(live.post(CHAT, "{" + SAMPLED + ", \"n\": 2}"))),
                text.stream().map(StringBuilder::toString).toList(), "streamed as answered whole");
    }

    @Test
    void theChoicesShareThePromptsFullBlocksThroughThePrefixCache() throws Exception {
        String hits = "ferry_prefix_cache_hit_tokens_total{model=\"" + ServingFixture.MODEL + "\"}";
        double before = PrometheusText.samples(live.get("/metrics").body()).getOrDefault(hits, 0.0);
        // 40 token ids no other test sends: two full blocks of 16 to share, and a partial one
        String prompt = IntStream.range(0, 40).mapToObj(i -> String.valueOf(5 + (i * 13) % 250))
                .collect(Collectors.joining(", ", "[", "]"));
        JsonNode r = json(live.post("/v1/completions", "{\"prompt\": " + prompt + ", \"max_tokens\": 4, \"n\": 4,"
                + " \"temperature\": 1.0, \"ignore_eos\": true}"));
        assertEquals(4, r.get("choices").size());
        assertEquals(40, r.at("/usage/prompt_tokens").asInt());
        assertEquals(0, r.at("/usage/prompt_tokens_details/cached_tokens").asInt(), "the prompt, counted once, was new");
        double after = PrometheusText.samples(live.get("/metrics").body()).getOrDefault(hits, 0.0);
        assertEquals(3 * 32, after - before, "choices 1 to 3 each took both full blocks from the cache");
    }

    @Test
    void aClientThatLeavesCancelsEveryChoice() throws Exception {
        EngineMetrics metrics = live.engine().metrics();
        long cancelledBefore = metrics.snapshot().finished().get(FinishReason.CANCELLED);
        try (Socket socket = new Socket("127.0.0.1", live.server.port())) {
            socket.setSoTimeout(10_000);
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Go on\"}], \"max_tokens\": 1500,"
                    + " \"n\": 3, \"ignore_eos\": true, \"stream\": true}";
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.contains("\"delta\":{\"content\""));
            assertTrue(line != null, "a choice's first token arrived before the client left");
        }
        long until = System.nanoTime() + 5_000_000_000L;
        EngineMetrics.Snapshot s = metrics.snapshot();
        while ((s.finished().get(FinishReason.CANCELLED) - cancelledBefore < 3 || s.running() + s.kvBlocksUsed() > 0)
                && System.nanoTime() < until) {
            Thread.sleep(10);
            s = metrics.snapshot();
        }
        assertEquals(3, s.finished().get(FinishReason.CANCELLED) - cancelledBefore);
        assertEquals(List.of(0, 0, 0), List.of(s.running(), s.waiting(), s.kvBlocksUsed()), "nothing runs or holds a block");
    }

    @Test
    void nOutsideOneToSixteenIsRefusedNamingIt() throws Exception {
        for (String n : List.of("0", "17", "\"two\"")) {
            HttpResponse<String> r = live.post(CHAT, "{" + SAMPLED + ", \"n\": " + n + "}");
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("n", json(r).at("/error/param").asText());
        }
        assertEquals(16, json(live.post(CHAT, "{" + SAMPLED + ", \"n\": 16, \"max_tokens\": 1}")).get("choices").size());
    }
}
