package dev.ferry.server.serving;

import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.ScoreRequest;
import dev.ferry.engine.api.Scores;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionRejected;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteAttempts;
import dev.ferry.server.routing.RouteConfig;
import dev.ferry.server.routing.RouteInput;
import dev.ferry.server.routing.Routing;
import dev.ferry.server.routing.ShadowResult;
import dev.ferry.server.routing.ShadowStore;
import dev.ferry.server.routing.Shadows;
import dev.ferry.server.routing.Shadows.Shed;
import dev.ferry.store.config.ServingConfig.Tier;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shadow evaluation of complexity routes: a picked request that the small tier answered is scored
 * by the route's large tier once the answer is complete, in one teacher-forced prefill of the
 * large model's own rendering of the prompt and the answer's first tokens ({@code shadow-tokens}),
 * at batch priority. A shadow never touches its request: it starts after the answer's finish, on
 * its own thread, and is shed (counted, never retried) when the route's shadows fill its
 * {@code shadow-queue}, when the large tier's admission control refuses batch work, or when the
 * large tier cannot run it.
 */
final class ShadowRuns {
    /** A shadow still waiting after this long is not worth its compute: the load it met will have moved on. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ModelRegistry registry;
    private final Routing routing;
    private final PromptTokenizer prompts;
    private final Shadows shadows;
    /** Tokenizes, admits, submits and publishes; one thread keeps shadows off every request's threads. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferry-shadows");
        t.setDaemon(true);
        return t;
    });
    /** Shadows waiting or running, per route. */
    private final Map<String, AtomicInteger> pending = new ConcurrentHashMap<>();

    ShadowRuns(ModelRegistry registry, Routing routing, PromptTokenizer prompts) {
        this.registry = registry;
        this.routing = routing;
        this.prompts = prompts;
        this.shadows = routing.shadows();
    }

    /**
     * The tap that collects the answer of {@code prepared} for its shadow, as it is about to run on
     * its current model; null unless a complexity route with a shadow rate sent it to its small tier,
     * the route has a large tier, and the route's sampler picks it.
     */
    Tap tap(PreparedRequest prepared, Prompt prompt) {
        RouteAttempts<PreparedRequest> attempts = prepared.routeAttempts();
        if (attempts == null || prepared.servedModel().tier() != Tier.SMALL) {
            return null;
        }
        RouteConfig route = routing.route(attempts.route());
        if (route == null || route.policy() != RouteConfig.Policy.COMPLEXITY || route.shadow().rate() <= 0) {
            return null;
        }
        String large = route.candidates().stream().filter(c -> {
            ServedModel m = registry.find(c);
            return m != null && m.tier() == Tier.LARGE;
        }).findFirst().orElse(null);
        if (large == null || !shadows.pick(route)) {
            return null;
        }
        return new Tap(route, attempts.input(), prepared.requestId(), prepared.model(), large, prompt);
    }

    /** The answer's first tokens, collected on the output thread that delivers them. */
    final class Tap {
        private final RouteConfig route;
        private final RouteInput input;
        private final String requestId;
        private final String small;
        private final String large;
        private final Prompt prompt;
        private final int[] answer;
        private int collected;

        private Tap(RouteConfig route, RouteInput input, String requestId, String small, String large, Prompt prompt) {
            this.route = route;
            this.input = input;
            this.requestId = requestId;
            this.small = small;
            this.large = large;
            this.prompt = prompt;
            this.answer = new int[route.shadow().tokens()];
        }

        void onToken(int tokenId) {
            if (collected < answer.length) {
                answer[collected++] = tokenId;
            }
        }

        /** The answer is complete: its shadow is queued, or shed when the route's shadows are at its bound. */
        void answered(FinishReason reason) {
            if (reason != FinishReason.STOP && reason != FinishReason.LENGTH || collected == 0) {
                shadows.shed(route.name(), Shed.UNSCORABLE);
                return;
            }
            AtomicInteger queued = pending.computeIfAbsent(route.name(), r -> new AtomicInteger());
            if (queued.incrementAndGet() > route.shadow().queue()) {
                queued.decrementAndGet();
                shadows.shed(route.name(), Shed.QUEUE_FULL);
                return;
            }
            thread.execute(() -> {
                if (!start(queued)) {
                    queued.decrementAndGet();
                }
            });
        }

        /** On the shadow thread: true when the large tier took it (and will release {@code queued} when done). */
        private boolean start(AtomicInteger queued) {
            ServedModel model = registry.find(large);
            if (model == null || !model.isReady() || !model.servesGeneration()) {
                shadows.shed(route.name(), Shed.UNAVAILABLE);
                return false;
            }
            ServedModel.Instance replica = model.leastLoaded();
            int[] continuation = Arrays.copyOf(answer, collected);
            int[] promptIds;
            try {
                ServedModel smallModel = registry.find(small);
                if (smallModel == null || !smallModel.isReady() || smallModel.instance().folder().config().vocabSize()
                        != replica.folder().config().vocabSize()) {
                    throw new InvalidRequestException("model", "the tiers have different vocabularies");
                }
                promptIds = prompts.tokenize(prompt, replica);
            } catch (ApiException | InvalidRequestException e) {
                shadows.shed(route.name(), Shed.UNSCORABLE);
                return false;
            }
            ScoreRequest request = new ScoreRequest(requestId, promptIds, continuation, System.nanoTime() + DEADLINE_NANOS);
            Admission.Ticket ticket;
            try {
                ticket = replica.admission().admit(promptIds.length + continuation.length - 1, Priority.BATCH,
                        request.deadlineNanos());
            } catch (AdmissionRejected e) {
                shadows.shed(route.name(), Shed.ADMISSION);
                return false;
            }
            try {
                replica.engine().score(request).whenCompleteAsync((scores, error) -> {
                    ticket.started();
                    try {
                        if (error != null) {
                            shadows.shed(route.name(), Shed.UNAVAILABLE);
                        } else {
                            publish(scores);
                        }
                    } finally {
                        queued.decrementAndGet(); // its place is free once its result is out, listeners included
                    }
                }, thread);
                return true;
            } catch (InvalidRequestException e) {
                ticket.started();
                shadows.shed(route.name(), Shed.UNSCORABLE);
            } catch (EngineOverloadedException | IllegalStateException e) {
                ticket.started();
                shadows.shed(route.name(), Shed.UNAVAILABLE);
            }
            return false;
        }

        private void publish(Scores scores) {
            ShadowResult result = new ShadowResult(route.name(), input, small, large, scores.length(),
                    scores.agreement(), scores.meanLogprob(), System.currentTimeMillis());
            shadows.scored(requestId, ShadowStore.bucket(input, route), result);
        }
    }
}
