package dev.ferry.server.routing;

/**
 * Rates how demanding a request is, for routes with policy complexity: a score of 1 sits on the
 * route's cut (before its bias moves it); above it the request counts as complex and goes to the
 * large tier. The default is {@link LengthHeuristic}; the server's router uses {@link LearnedScorer},
 * a classifier trained on shadow evaluation that falls back to the heuristic until it has enough.
 * Routes, fallback and counting stay as they are whichever scores.
 */
public interface ComplexityScorer {
    /** The score and, for the answer's route reason, what it was computed from. */
    record Score(double value, String why) {}

    Score score(RouteInput input, RouteConfig route);
}
