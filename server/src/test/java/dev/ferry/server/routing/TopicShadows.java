package dev.ferry.server.routing;

import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Synthetic shadowed requests whose agreement is a known function of the prompt's topic: the small tier
 * agrees with the large on weather questions (1.0) and not on proofs (0.2). Both topics draw the same
 * lengths, so only what a prompt says can tell them apart.
 */
public final class TopicShadows {
    public static final List<String> WEATHER = List.of("weather", "forecast", "rain", "sunny", "temperature",
            "wind", "tomorrow", "cloudy", "snow", "humid");
    public static final List<String> PROOFS = List.of("prove", "theorem", "lemma", "integral", "derivative",
            "matrix", "eigenvalue", "induction", "bound", "converges");
    private static final List<String> FILLER = List.of("please", "tell", "me", "about", "the", "a", "now", "and",
            "in", "short", "detail", "what");

    private final Random random;
    private final ToIntFunction<String> tokens;
    private final int maxTokens;

    /**
     * @param tokens a prompt's length in tokens, as the route counts it
     * @param maxTokens what every request asks for
     */
    public TopicShadows(long seed, ToIntFunction<String> tokens, int maxTokens) {
        this.random = new Random(seed);
        this.tokens = tokens;
        this.maxTokens = maxTokens;
    }

    public static double agreement(List<String> topic) {
        return topic == WEATHER ? 1.0 : 0.2;
    }

    /** 12 to 19 words: two from the topic at random places, then a third or so of the rest. */
    public String text(List<String> topic) {
        int words = 12 + random.nextInt(8);
        int first = random.nextInt(words);
        int second = (first + 1 + random.nextInt(words - 1)) % words;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            List<String> from = i == first || i == second || random.nextInt(3) == 0 ? topic : FILLER;
            text.append(i == 0 ? "" : " ").append(from.get(random.nextInt(from.size())));
        }
        return text.toString();
    }

    public RouteInput input(List<String> topic) {
        String text = text(topic);
        return new RouteInput(tokens.applyAsInt(text), maxTokens, text);
    }

    /** Hands {@code n} shadowed requests of route {@code route}, each topic at even odds, to {@code listener}. */
    public void feed(ShadowListener listener, String route, int n) {
        for (int i = 0; i < n; i++) {
            List<String> topic = random.nextBoolean() ? WEATHER : PROOFS;
            double agreement = agreement(topic);
            listener.accept(new ShadowResult(route, input(topic), "small", "large", 16, agreement,
                    Math.log(agreement), i));
        }
    }
}
