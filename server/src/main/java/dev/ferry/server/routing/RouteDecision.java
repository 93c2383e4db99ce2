package dev.ferry.server.routing;

import java.util.List;
import java.util.stream.Stream;

/**
 * Where a route sends a request: the chosen model, the models to try after it in order when it
 * cannot take the request, and why, in words an operator can check against routes.properties.
 */
public record RouteDecision(String route, String chosen, List<String> fallbacks, String reason) {

    public RouteDecision {
        fallbacks = List.copyOf(fallbacks);
    }

    /** The chosen model, then the fallbacks. */
    public List<String> order() {
        return Stream.concat(Stream.of(chosen), fallbacks.stream()).toList();
    }
}
