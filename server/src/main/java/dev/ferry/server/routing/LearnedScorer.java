package dev.ferry.server.routing;

import dev.ferry.server.routing.ThresholdChooser.TradeOff;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's scorer that learns from shadow evaluation what the small tier gets right: per route, an
 * {@link AgreementModel} predicts how well the small tier's answer to a request would agree with the
 * large tier's, and the request goes small when the prediction is above the threshold that meets the
 * route's {@code target-agreement} ({@link ThresholdChooser}). Until a route's fit has
 * {@code min-shadows} shadows behind it, the route scores with the {@link LengthHeuristic}, and its
 * decisions say so.
 *
 * <p>Shadows arrive through {@link #accept} (a {@link ShadowListener}); one background thread refits
 * the routes that received new ones and swaps each fit in whole, so scoring a request reads one map
 * entry and takes no lock. Fits are persisted, one file per route, and read back at start.
 *
 * <p>As a {@link ComplexityScorer} the score is {@code 1 + threshold - predicted}: 1 on the threshold,
 * below it (simple, small tier) when the prediction is above. A route's {@code bias} moves the cut as
 * it does for the heuristic: a request is complex when {@code predicted <= threshold + bias}.
 */
public final class LearnedScorer implements ComplexityScorer, ShadowListener, AutoCloseable {
    /** Recent shadows a route keeps to train on; so also the largest {@code min-shadows}. */
    public static final int WINDOW = 2000;
    public static final Duration DEFAULT_REFIT = Duration.ofSeconds(30);
    /** Fewer shadows than this fit noise; the route waits. */
    private static final int MIN_FIT = 20;
    /**
     * The most recent share of a route's window, left out of training to choose the threshold on:
     * enough that the threshold is not fitted to a few dozen requests.
     */
    private static final double HELD_OUT = 0.3;

    private static final Logger LOG = LoggerFactory.getLogger(LearnedScorer.class);

    private final ComplexityScorer heuristic = new LengthHeuristic();
    private final LearnedRouteStore store;
    private final Duration refitEvery;
    private final Map<String, ShadowWindow> windows = new ConcurrentHashMap<>();
    private final Map<String, Active> fits = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refitter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-route-learner");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });
    private final AtomicBoolean refitting = new AtomicBoolean();

    /**
     * @param folder where fits are persisted and read back from ({@code $FERRY_HOME/routing}); null keeps
     *     them in memory only
     * @param refitEvery how often routes with new shadows are refitted
     */
    public LearnedScorer(Path folder, Duration refitEvery) {
        this.store = folder == null ? null : new LearnedRouteStore(folder);
        this.refitEvery = refitEvery;
        if (store != null) {
            store.readAll().forEach((route, fit) -> fits.put(route, new Active(fit)));
        }
    }

    /** In memory only, refitting every {@link #DEFAULT_REFIT}. */
    public LearnedScorer() {
        this(null, DEFAULT_REFIT);
    }

    @Override
    public Score score(RouteInput in, RouteConfig route) {
        Active active = fits.get(route.name());
        RouteConfig.Learning learning = route.learning();
        if (active == null || active.fit.trainedOn() < learning.minShadows()) {
            Score h = heuristic.score(in, route);
            return new Score(h.value(), "heuristic (learned after " + learning.minShadows() + " shadows, "
                    + (active == null ? 0 : active.fit.trainedOn()) + " so far): " + h.why());
        }
        double predicted = active.fit.model().predict(PromptFeatures.of(in));
        TradeOff t = active.tradeOff(learning.targetAgreement());
        return new Score(1 + t.threshold() - predicted, String.format(Locale.ROOT,
                "learned: predicted agreement %.3f, threshold %.3f", predicted, t.threshold()));
    }

    /** Adds a shadowed request to its route's window; the next refit trains on it. */
    @Override
    public void accept(ShadowResult result) {
        windows.computeIfAbsent(result.route(), r -> {
            Active loaded = fits.get(r);
            return new ShadowWindow(WINDOW, loaded == null ? 0 : loaded.fit.shadowsSeen());
        }).add(new AgreementTrainer.Example(PromptFeatures.of(result.input()), result.agreement()));
        if (refitting.compareAndSet(false, true)) { // the thread starts with the first shadow, not with the server
            try {
                refitter.scheduleWithFixedDelay(this::refitLogged, refitEvery.toMillis(), refitEvery.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed: the server is stopping, and a shadow that finished meanwhile has nothing to refit
            }
        }
    }

    /**
     * Refits, now and on the calling thread, every route that received shadows since its last fit. A
     * route's fit waits for {@value #MIN_FIT} shadows, and a fit read back at start stays until the new
     * window holds as many as it was trained on.
     */
    public void refit() {
        windows.forEach((route, window) -> {
            List<AgreementTrainer.Example> examples = window.takeIfChanged();
            Active current = fits.get(route);
            if (examples == null || examples.size() < MIN_FIT
                    || (current != null && examples.size() < current.fit.trainedOn())) {
                return;
            }
            FittedRoute fit = fit(route, examples, window.seen());
            fits.put(route, new Active(fit));
            persist(fit);
        });
    }

    /** How the route decides now and, once learned, the trade-off chosen for its target. */
    public RouteReport report(RouteConfig route) {
        RouteConfig.Learning learning = route.learning();
        ShadowWindow window = windows.get(route.name());
        Active active = fits.get(route.name());
        long seen = window != null ? window.seen() : active != null ? active.fit.shadowsSeen() : 0;
        int trainedOn = active == null ? 0 : active.fit.trainedOn();
        if (route.policy() != RouteConfig.Policy.COMPLEXITY) {
            return new RouteReport(route.name(), route.policy(), route.candidates(), null, seen, trainedOn,
                    learning.minShadows(), learning.targetAgreement(), null, null, null, null);
        }
        if (active == null || trainedOn < learning.minShadows()) {
            return new RouteReport(route.name(), route.policy(), route.candidates(), "heuristic", seen, trainedOn,
                    learning.minShadows(), learning.targetAgreement(), null, null, null, null);
        }
        TradeOff t = active.tradeOff(learning.targetAgreement());
        return new RouteReport(route.name(), route.policy(), route.candidates(), "learned", seen, trainedOn,
                learning.minShadows(), learning.targetAgreement(), t.threshold(), t.fractionSmall(),
                t.estimatedAgreement(), t.costSaved(learning.smallCost()));
    }

    /** Stops the refit thread; fits are already on disk. */
    @Override
    public void close() {
        refitter.shutdownNow();
    }

    /** Trains on the older part of the window and holds out the most recent, which traffic resembles most. */
    private static FittedRoute fit(String route, List<AgreementTrainer.Example> examples, long seen) {
        int heldOut = Math.max(1, (int) Math.round(examples.size() * HELD_OUT));
        List<AgreementTrainer.Example> train = examples.subList(0, examples.size() - heldOut);
        List<AgreementTrainer.Example> held = examples.subList(examples.size() - heldOut, examples.size());
        AgreementModel model = AgreementTrainer.fit(train);
        double[] predicted = held.stream().mapToDouble(e -> model.predict(e.features())).toArray();
        double[] observed = held.stream().mapToDouble(AgreementTrainer.Example::agreement).toArray();
        return new FittedRoute(route, PromptFeatures.VERSION, seen, examples.size(), System.currentTimeMillis(),
                model, predicted, observed);
    }

    private void persist(FittedRoute fit) {
        if (store == null) {
            return;
        }
        try {
            store.write(fit);
        } catch (IOException e) {
            LOG.warn("route {}: cannot persist the learned scorer ({}); it serves from memory", fit.route(),
                    e.getMessage());
        }
    }

    /** A periodic task that throws is never run again: log, and keep refitting. */
    private void refitLogged() {
        try {
            refit();
        } catch (RuntimeException e) {
            LOG.error("refitting the learned routes failed; the fits in force stay", e);
        }
    }

    /** A fit in force, with the trade-off chosen for the route's current target (recomputed when it changes). */
    private static final class Active {
        final FittedRoute fit;
        private volatile TradeOff chosen;

        Active(FittedRoute fit) {
            this.fit = fit;
        }

        TradeOff tradeOff(double target) {
            TradeOff t = chosen;
            if (t == null || t.target() != target) {
                t = fit.tradeOff(target);
                chosen = t;
            }
            return t;
        }
    }
}
