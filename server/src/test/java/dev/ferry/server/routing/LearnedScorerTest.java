package dev.ferry.server.routing;

import static dev.ferry.server.routing.TopicShadows.PROOFS;
import static dev.ferry.server.routing.TopicShadows.WEATHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.routing.RouteConfig.Learning;
import dev.ferry.server.routing.RouteConfig.Policy;
import dev.ferry.store.config.ServingConfig.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The learned scorer on {@link TopicShadows}: the small tier agrees on weather questions and not on proofs. */
class LearnedScorerTest {
    private static final RouteConfig ROUTE = route(new Learning(0.9, 200, 0.25));

    private final TopicShadows topics = new TopicShadows(7, text -> text.split(" ").length + 2, 64);

    private static RouteConfig route(Learning learning) {
        return new RouteConfig("auto", List.of("small", "large"), Policy.COMPLEXITY, 512, 256, true, 0,
                RouteConfig.Shadow.OFF, learning);
    }

    private static Tier tier(String model) {
        return model.equals("small") ? Tier.SMALL : Tier.LARGE;
    }

    private RouteInput prompt(List<String> topic) {
        return topics.input(topic);
    }

    private void shadow(LearnedScorer scorer, int n) {
        topics.feed(scorer, "auto", n);
    }

    /** The share of 200 fresh prompts of a family that the router sends to the small model. */
    private double sentSmall(Router router, RouteConfig route, List<String> topic) {
        int small = 0;
        for (int i = 0; i < 200; i++) {
            small += router.decide(route, prompt(topic), LearnedScorerTest::tier).chosen().equals("small") ? 1 : 0;
        }
        return small / 200.0;
    }

    @Test
    void afterTrainingTheAgreeingFamilyGoesSmallAndTheOtherLarge() {
        try (LearnedScorer scorer = new LearnedScorer()) {
            shadow(scorer, 400);
            scorer.refit();
            Router router = new Router(scorer);
            double weather = sentSmall(router, ROUTE, WEATHER);
            double proofs = sentSmall(router, ROUTE, PROOFS);
            assertTrue(weather >= 0.95, "weather sent small: " + weather);
            // the target leaves room: at 0.9, one proof may go small per eight weather questions (12.5% of
            // the proofs here), and the threshold may spend some of it on the proofs it predicts best
            assertTrue(proofs <= 0.15, "proofs sent small: " + proofs);
            double agreementSentSmall = (weather * 1.0 + proofs * 0.2) / (weather + proofs);
            assertTrue(agreementSentSmall >= ROUTE.learning().targetAgreement(),
                    "agreement of fresh traffic sent small: " + agreementSentSmall);

            RouteDecision d = router.decide(ROUTE, prompt(WEATHER), LearnedScorerTest::tier);
            assertTrue(d.reason().contains("(learned: predicted agreement "), d.reason());
            assertTrue(d.reason().endsWith("simple -> small tier"), d.reason());

            RouteReport report = scorer.report(ROUTE);
            assertEquals("learned", report.scorer());
            assertEquals(400, report.shadowsSeen());
            assertEquals(400, report.trainedOn());
            assertTrue(report.estimatedAgreement() >= 0.9, report.toString());
            assertEquals(0.5, report.fractionSmall(), 0.15); // half the held-out shadows are weather
            assertEquals(report.fractionSmall() * 0.75, report.costSaved(), 1e-12);
        }
    }

    @Test
    void aLowerTargetServesMoreSmallWithoutRefitting() {
        try (LearnedScorer scorer = new LearnedScorer()) {
            shadow(scorer, 400);
            scorer.refit();
            RouteReport strict = scorer.report(ROUTE);
            RouteReport lax = scorer.report(route(new Learning(0.2, 200, null)));
            assertEquals(1.0, lax.fractionSmall()); // proofs agree 0.2: at target 0.2 everything may go small
            assertTrue(lax.fractionSmall() > strict.fractionSmall() + 0.3, lax + " vs " + strict);
            assertNull(lax.costSaved()); // no small-cost stated
        }
    }

    @Test
    void tooFewShadowsKeepTheHeuristicAndSaySo() {
        try (LearnedScorer scorer = new LearnedScorer()) {
            shadow(scorer, 150);
            scorer.refit();
            RouteInput in = prompt(WEATHER);
            ComplexityScorer.Score heuristic = new LengthHeuristic().score(in, ROUTE);
            ComplexityScorer.Score score = scorer.score(in, ROUTE);
            assertEquals(heuristic.value(), score.value());
            assertEquals("heuristic (learned after 200 shadows, 150 so far): " + heuristic.why(),
                    score.why());
            RouteReport report = scorer.report(ROUTE);
            assertEquals("heuristic", report.scorer());
            assertNull(report.threshold());

            shadow(scorer, 100);
            scorer.refit();
            assertEquals("learned", scorer.report(ROUTE).scorer());
        }
    }

    @Test
    void aFitIsPersistedAndReadBackByTheNextServer(@TempDir Path home) {
        Path folder = home.resolve("routing");
        RouteInput probe = prompt(PROOFS);
        ComplexityScorer.Score before;
        RouteReport reported;
        try (LearnedScorer scorer = new LearnedScorer(folder, LearnedScorer.DEFAULT_REFIT)) {
            shadow(scorer, 300);
            scorer.refit();
            before = scorer.score(probe, ROUTE);
            reported = scorer.report(ROUTE);
        }
        assertTrue(Files.isRegularFile(folder.resolve("auto.json")));
        try (LearnedScorer restarted = new LearnedScorer(folder, LearnedScorer.DEFAULT_REFIT)) {
            assertEquals(before, restarted.score(probe, ROUTE));
            assertEquals(reported, restarted.report(ROUTE));
            // new shadows count on from the persisted ones, and do not replace the fit until as many arrive
            shadow(restarted, 50);
            restarted.refit();
            assertEquals(350, restarted.report(ROUTE).shadowsSeen());
            assertEquals(300, restarted.report(ROUTE).trainedOn());
        }
    }

    @Test
    void aFileFromAnotherFeatureLayoutIsIgnored(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("auto.json"), "{\"route\":\"auto\",\"features_version\":0}");
        Files.writeString(folder.resolve("other.json"), "not json");
        try (LearnedScorer scorer = new LearnedScorer(folder, LearnedScorer.DEFAULT_REFIT)) {
            assertEquals("heuristic", scorer.report(ROUTE).scorer());
        }
    }

    @Test
    void theBackgroundThreadRefitsWithoutBeingAsked() throws InterruptedException {
        try (LearnedScorer scorer = new LearnedScorer(null, Duration.ofMillis(50))) {
            shadow(scorer, 250);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!"learned".equals(scorer.report(ROUTE).scorer()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("learned", scorer.report(ROUTE).scorer());
            assertNotNull(scorer.report(ROUTE).threshold());
        }
    }

    @Test
    void aShadowAfterCloseIsKeptWithoutARefitThread() {
        LearnedScorer scorer = new LearnedScorer();
        scorer.close();
        shadow(scorer, 1); // shadow evaluation may finish a pair while the server stops
        assertEquals(1, scorer.report(ROUTE).shadowsSeen());
    }

    @Test
    void aFallbackRouteHasNoScorer() {
        try (LearnedScorer scorer = new LearnedScorer()) {
            RouteConfig fallback = new RouteConfig("ha", List.of("large", "small"), Policy.FALLBACK, 512, 256, true, 0);
            assertNull(scorer.report(fallback).scorer());
        }
    }
}
