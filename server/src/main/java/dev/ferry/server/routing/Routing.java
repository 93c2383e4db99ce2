package dev.ferry.server.routing;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.store.ModelLoadException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of routes: which request names are routes (the store's routes.properties,
 * reloaded when it changes), the router's decision for a request, and the way through its
 * candidates ({@link RouteAttempts}). A model or alias of the same name wins over a route. Complexity
 * routes score with a {@link LearnedScorer}, which hears every scored shadow from {@link #shadows()}
 * and uses the length heuristic until it has enough.
 */
public final class Routing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);

    private final ModelRegistry registry;
    private final LearnedScorer scorer;
    private final Router router;
    private final Path file;
    private final RouteStats stats = new RouteStats();
    private final Shadows shadows = new Shadows();
    private volatile Routes routes;

    /**
     * Reads the store's routes file; a broken one fails here, naming the key at fault.
     *
     * @param scorer scores complexity routes' requests, and is closed with this
     */
    public Routing(ModelRegistry registry, LearnedScorer scorer) {
        this.registry = registry;
        this.scorer = scorer;
        this.router = new Router(scorer);
        this.file = registry.store().resolve(Routes.FILE);
        this.routes = Routes.read(file);
        shadows.addListener(scorer);
    }

    /** Rereads the routes file; a broken one is logged and the routes in force stay. */
    public void reload() {
        try {
            routes = Routes.read(file);
            LOG.info("routes reloaded: {}", routes.byName().keySet());
        } catch (IllegalArgumentException | ModelLoadException e) { // a bad setting, an unreadable file
            LOG.error("{}; keeping the routes in force", e.getMessage());
        }
    }

    /** How the routes' decisions turned out so far (for metrics). */
    public RouteStats stats() {
        return stats;
    }

    /** Shadow evaluation of the routes: its store, counts and {@link ShadowListener}s. */
    public Shadows shadows() {
        return shadows;
    }

    /** Refits the learned scorer of every route with new shadows now, rather than at its next period. */
    public void refit() {
        scorer.refit();
    }

    /** Each route, by name: how it decides now and the trade-off its learned scorer chose. */
    public List<RouteReport> reports() {
        return routes.byName().values().stream().sorted(Comparator.comparing(RouteConfig::name))
                .map(scorer::report).toList();
    }

    /** Stops the learned scorer's refitting. */
    @Override
    public void close() {
        scorer.close();
    }

    /** The route a request names; null when it names a model or an alias, or nothing routes by that name. */
    public RouteConfig route(String name) {
        if (name == null || name.isEmpty() || registry.find(name) != null) {
            return null;
        }
        return routes.get(name);
    }

    /**
     * Decides where {@code request} goes and prepares it for the first candidate that can take it.
     *
     * @param countTokens the prompt's length with a model's tokenizer (validating it as prepare does)
     * @param prepare validates and tokenizes the request for one model, given the attempts along the route
     */
    public <P> P prepare(RouteConfig route, InferenceRequest request, ToIntFunction<ServedModel.Instance> countTokens,
                         BiFunction<ServedModel, RouteAttempts<P>, P> prepare) {
        ServedModel counter = route.candidates().stream().map(registry::find)
                .filter(m -> m != null && m.servesGeneration()).findFirst().orElse(null);
        if (counter == null) {
            stats.record(route.name(), route.candidates().get(0), RouteStats.Outcome.REJECTED);
            throw ApiException.unavailable("route '" + route.name() + "': no candidate is ready ("
                    + route.candidates().stream().map(this::state).collect(Collectors.joining(", ")) + ")");
        }
        // token counts from one tokenizer stand for all: a route's candidates are usually one family
        RouteInput input = new RouteInput(countTokens.applyAsInt(counter.instance()), request.maxTokens(),
                text(request.prompt()));
        RouteDecision decision = router.decide(route, input, name -> {
            ServedModel m = registry.find(name);
            return m != null ? m.tier() : null;
        });
        boolean allowFallback = request.allowFallback() != null ? request.allowFallback() : route.allowFallback();
        return new RouteAttempts<>(decision, input, allowFallback, registry, stats, prepare).next(null);
    }

    private String state(String name) {
        ServedModel m = registry.find(name);
        return name + " " + (m == null ? "not in the model store" : m.state().name().toLowerCase());
    }

    /** The prompt as a classifier would read it; null for token ids. */
    private static String text(Prompt prompt) {
        if (prompt instanceof Prompt.Text t) {
            return t.text();
        }
        if (prompt instanceof Prompt.Chat c && c.messages() != null) {
            return c.messages().stream().map(Prompt.ChatMessage::content).collect(Collectors.joining("\n"));
        }
        return null;
    }
}
