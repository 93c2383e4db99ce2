package dev.ferry.server.routing;

import java.util.Locale;

/**
 * The cheap features the learned scorer reads from a {@link RouteInput}, as a sparse vector of fixed
 * width: a few dense ones (lengths, character-class fractions) and hashed word unigrams and bigrams and
 * character trigrams. Hashing keeps the width, and so a persisted model's layout, fixed whatever the
 * vocabulary; a signed hash lets colliding n-grams cancel rather than pile up.
 */
final class PromptFeatures {
    /** Bumped whenever the layout below changes, so a model persisted under an older one is not misread. */
    static final int VERSION = 1;
    /** Lengths (prompt, requested, whether requested) and six character-class fractions. */
    static final int DENSE = 9;
    static final int HASHED = 1 << 12;
    static final int WIDTH = DENSE + HASHED;
    /** Characters of the prompt read for n-grams: its start says what kind of request it is; the cost stays bounded. */
    static final int MAX_CHARS = 2048;
    private static final int WORD = "w ".hashCode();
    private static final int BIGRAM = "b ".hashCode();
    private static final int TRIGRAM = "c ".hashCode();

    /** Non-zero entries, indices ascending. */
    record Vector(int[] index, double[] value) {}

    private PromptFeatures() {}

    static Vector of(RouteInput in) {
        double[] all = new double[WIDTH];
        // lengths on a log scale: 8 is about log(3000), so typical lengths land in [0, 1]
        all[0] = Math.log1p(in.promptTokens()) / 8;
        all[1] = in.maxTokens() == null ? 0 : Math.log1p(in.maxTokens()) / 8;
        all[2] = in.maxTokens() == null ? 1 : 0;
        String text = in.text() == null ? "" : in.text().substring(0, Math.min(in.text().length(), MAX_CHARS));
        characterClasses(text, all);
        ngrams(text, all);
        int n = 0;
        for (double v : all) {
            n += v != 0 ? 1 : 0;
        }
        int[] index = new int[n];
        double[] value = new double[n];
        for (int i = 0, k = 0; i < WIDTH; i++) {
            if (all[i] != 0) {
                index[k] = i;
                value[k++] = all[i];
            }
        }
        return new Vector(index, value);
    }

    private static void characterClasses(String text, double[] all) {
        int letters = 0, upper = 0, digits = 0, space = 0, punctuation = 0, other = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 127) {
                other++;
            } else if (Character.isLetter(c)) {
                letters++;
                upper += Character.isUpperCase(c) ? 1 : 0;
            } else if (Character.isDigit(c)) {
                digits++;
            } else if (Character.isWhitespace(c)) {
                space++;
            } else {
                punctuation++;
            }
        }
        double n = Math.max(1, text.length());
        all[3] = letters / n;
        all[4] = upper / Math.max(1.0, letters);
        all[5] = digits / n;
        all[6] = space / n;
        all[7] = punctuation / n;
        all[8] = other / n;
    }

    /**
     * Word unigrams and bigrams and character trigrams, hashed, scaled to unit length together. Each
     * n-gram's hash is String.hashCode of a kind prefix and the n-gram ("w rain", "b the rain",
     * "c rai"), folded over the prompt's characters in place: fixed by the language, so persisted models
     * stay valid, and no string per n-gram.
     */
    private static void ngrams(String text, double[] all) {
        String lower = text.toLowerCase(Locale.ROOT);
        int previousStart = -1;
        int previousEnd = -1;
        for (int i = 0; i < lower.length(); ) {
            if (!Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < lower.length() && Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
            }
            add(all, fold(WORD, lower, start, i));
            if (previousStart >= 0) {
                add(all, fold(31 * fold(BIGRAM, lower, previousStart, previousEnd) + ' ', lower, start, i));
            }
            previousStart = start;
            previousEnd = i;
        }
        for (int i = 0; i + 3 <= lower.length(); i++) {
            add(all, fold(TRIGRAM, lower, i, i + 3));
        }
        double norm = 0;
        for (int i = DENSE; i < WIDTH; i++) {
            norm += all[i] * all[i];
        }
        if (norm > 0) {
            double scale = 1 / Math.sqrt(norm);
            for (int i = DENSE; i < WIDTH; i++) {
                all[i] *= scale;
            }
        }
    }

    /** String.hashCode of a string that begins with what hashed to {@code h}, continued by s[from, to). */
    private static int fold(int h, String s, int from, int to) {
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    private static void add(double[] all, int hash) {
        all[slot(hash)] += (mix(hash) & 1) == 0 ? 1 : -1;
    }

    /** Where an n-gram of this String.hashCode lands in the vector. */
    static int slot(int hash) {
        return DENSE + ((mix(hash) >>> 1) & (HASHED - 1));
    }

    /** Murmur3's finalizer: String.hashCode's low bits alone are poorly spread. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }
}
