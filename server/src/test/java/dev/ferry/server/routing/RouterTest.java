package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.routing.RouteConfig.Policy;
import dev.ferry.store.config.ServingConfig.Tier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final Map<String, Tier> TIERS = Map.of("small", Tier.SMALL, "large", Tier.LARGE,
            "medium", Tier.SMALL);
    private final Router router = new Router();

    private static RouteConfig auto(double bias) {
        return new RouteConfig("auto", List.of("small", "large"), Policy.COMPLEXITY, 100, 50, true, bias);
    }

    private RouteDecision decide(RouteConfig route, int promptTokens, Integer maxTokens) {
        return router.decide(route, new RouteInput(promptTokens, maxTokens, null), TIERS::get);
    }

    @Test
    void shortRequestsGoToTheSmallTierAndLongOnesToTheLarge() {
        RouteDecision simple = decide(auto(0), 20, 10);
        assertEquals("small", simple.chosen());
        assertEquals(List.of("large"), simple.fallbacks());
        assertEquals("complexity 0.20 (prompt 20/100 tokens, max_tokens 10/50) < 1.00: simple -> small tier",
                simple.reason());

        RouteDecision longPrompt = decide(auto(0), 150, 10);
        assertEquals("large", longPrompt.chosen());
        assertEquals(List.of("small"), longPrompt.fallbacks());
        assertTrue(longPrompt.reason().startsWith("complexity 1.50 (prompt 150/100 tokens"), longPrompt.reason());

        assertEquals("large", decide(auto(0), 20, 50).chosen(), "a long answer is complex too");
        assertEquals("small", decide(auto(0), 20, null).chosen(), "without max_tokens the prompt decides");
    }

    @Test
    void biasMovesTheCut() {
        assertEquals("small", decide(auto(-0.5), 140, null).chosen(), "1.4 < 1.5: cost first");
        assertEquals("large", decide(auto(0.5), 60, null).chosen(), "0.6 >= 0.5: quality first");
        assertEquals("large", decide(auto(1), 0, null).chosen(), "bias 1 sends everything to the large tier");
    }

    @Test
    void sameTierCandidatesComeFirstInListedOrder() {
        RouteConfig three = new RouteConfig("auto", List.of("large", "small", "medium"), Policy.COMPLEXITY, 100, 50,
                true, 0);
        RouteDecision d = decide(three, 10, null);
        assertEquals(List.of("small", "medium", "large"), d.order());
    }

    @Test
    void withoutACandidateOfTheWantedTierTheListedOrderStands() {
        RouteConfig untiered = new RouteConfig("auto", List.of("x", "small"), Policy.COMPLEXITY, 100, 50, true, 0);
        RouteDecision d = decide(untiered, 500, null);
        assertEquals(List.of("x", "small"), d.order());
        assertTrue(d.reason().endsWith("large tier, which no candidate has"), d.reason());
    }

    @Test
    void fallbackPolicyKeepsTheListedOrder() {
        RouteConfig ordered = new RouteConfig("ha", List.of("large", "small"), Policy.FALLBACK, 100, 50, true, 0);
        RouteDecision d = decide(ordered, 1, null);
        assertEquals("large", d.chosen());
        assertEquals(List.of("small"), d.fallbacks());
        assertEquals("policy fallback: the first candidate of large,small", d.reason());
    }

    @Test
    void aScorerPlugsIn() {
        ComplexityScorer everythingHard = (in, route) -> new ComplexityScorer.Score(9, "classifier says hard");
        RouteDecision d = new Router(everythingHard).decide(auto(0), new RouteInput(1, 1, "hi"), TIERS::get);
        assertEquals("large", d.chosen());
        assertTrue(d.reason().contains("classifier says hard"), d.reason());
    }

    @Test
    void statsCountPerRouteModelAndOutcome() {
        RouteStats stats = new RouteStats();
        stats.record("auto", "small", RouteStats.Outcome.CHOSEN);
        stats.record("auto", "small", RouteStats.Outcome.CHOSEN);
        stats.record("auto", "large", RouteStats.Outcome.REJECTED);
        assertEquals(Map.of(new RouteStats.Key("auto", "small", RouteStats.Outcome.CHOSEN), 2L,
                new RouteStats.Key("auto", "large", RouteStats.Outcome.REJECTED), 1L), stats.snapshot());
    }
}
