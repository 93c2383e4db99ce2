package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PromptFeaturesTest {
    private static Set<Integer> hashedSlots(PromptFeatures.Vector v) {
        return Arrays.stream(v.index()).filter(i -> i >= PromptFeatures.DENSE).boxed()
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static double[] hashedValues(PromptFeatures.Vector v) {
        return IntStream.range(0, v.index().length).filter(k -> v.index()[k] >= PromptFeatures.DENSE)
                .mapToDouble(k -> v.value()[k]).toArray();
    }

    @Test
    void ngramsHashAsTheirStringsDo() {
        // a persisted model stays valid only while n-grams land where String.hashCode puts them
        Set<Integer> expected = new TreeSet<>();
        for (String gram : new String[] {"w ab", "w cd", "b ab cd", "c ab ", "c b c", "c  cd"}) {
            expected.add(PromptFeatures.slot(gram.hashCode()));
        }
        assertEquals(expected, hashedSlots(PromptFeatures.of(new RouteInput(2, null, "Ab cd"))));
    }

    @Test
    void theHashedPartHasUnitLengthAndIgnoresCase() {
        PromptFeatures.Vector lower = PromptFeatures.of(new RouteInput(9, 64, "will it rain tomorrow in the city"));
        PromptFeatures.Vector upper = PromptFeatures.of(new RouteInput(9, 64, "Will it RAIN tomorrow in the City"));
        double squares = Arrays.stream(hashedValues(lower)).map(v -> v * v).sum();
        assertEquals(1.0, squares, 1e-9);
        assertArrayEquals(hashedValues(lower), hashedValues(upper));
    }

    @Test
    void aTokenIdPromptHasLengthsOnly() {
        PromptFeatures.Vector v = PromptFeatures.of(new RouteInput(100, null, null));
        assertArrayEquals(new int[] {0, 2}, v.index()); // prompt length, and "no max_tokens"
        assertEquals(Math.log1p(100) / 8, v.value()[0], 1e-12);
    }

    @Test
    void characterClassesAreFractionsOfThePrompt() {
        PromptFeatures.Vector v = PromptFeatures.of(new RouteInput(3, 10, "ab 12!"));
        double[] dense = new double[PromptFeatures.DENSE];
        for (int k = 0; k < v.index().length && v.index()[k] < PromptFeatures.DENSE; k++) {
            dense[v.index()[k]] = v.value()[k];
        }
        assertEquals(2 / 6.0, dense[3], 1e-12); // letters
        assertEquals(2 / 6.0, dense[5], 1e-12); // digits
        assertEquals(1 / 6.0, dense[6], 1e-12); // whitespace
        assertEquals(1 / 6.0, dense[7], 1e-12); // punctuation
        assertTrue(dense[1] > 0 && dense[2] == 0); // max_tokens given
    }
}
