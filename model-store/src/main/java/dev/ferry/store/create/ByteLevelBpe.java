package dev.ferry.store.create;

import dev.ferry.store.tokenizer.ByteLevelAlphabet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2 style byte-level BPE training: text is split by GPT-2's regex, each piece becomes its UTF-8
 * bytes spelled with GPT-2's printable byte alphabet, and the most frequent adjacent pair is merged
 * until {@code maxMerges} merges are learned. Deterministic: ties go to the smallest pair (left
 * token, then right), matching the Python oracle, so a corpus always yields the same merges.
 */
final class ByteLevelBpe {
    /** A learned merge; tokenizer.json writes it as {@code "left right"}. */
    record Merge(String left, String right) {
        String merged() {
            return left + right;
        }
    }

    /** The split regex of GPT-2 (and of HF's ByteLevel pre-tokenizer with use_regex=true). */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS); // \s as Unicode White_Space, as in the Rust regex engine

    private ByteLevelBpe() {
    }

    /** GPT-2's pre-tokenization: the regex matches cover the text completely. */
    static List<String> pretokenize(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }

    /** A piece's UTF-8 bytes, one byte-alphabet symbol each. */
    static List<String> byteSymbols(String piece) {
        List<String> symbols = new ArrayList<>();
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            symbols.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        return symbols;
    }

    /** Learns up to {@code maxMerges} merges from {@code text}; fewer if every piece becomes one token. */
    static List<Merge> train(String text, int maxMerges) {
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        for (String piece : pretokenize(text)) {
            words.merge(byteSymbols(piece), 1, Integer::sum);
        }
        Comparator<Map.Entry<Merge, Integer>> best = Comparator
                .<Map.Entry<Merge, Integer>>comparingInt(e -> -e.getValue())
                .thenComparing(e -> e.getKey().left())
                .thenComparing(e -> e.getKey().right());
        List<Merge> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Map<Merge, Integer> pairCounts = new HashMap<>();
            words.forEach((w, count) -> {
                for (int i = 0; i + 1 < w.size(); i++) {
                    pairCounts.merge(new Merge(w.get(i), w.get(i + 1)), count, Integer::sum);
                }
            });
            if (pairCounts.isEmpty()) {
                break;
            }
            Merge merge = pairCounts.entrySet().stream().min(best).orElseThrow().getKey();
            merges.add(merge);
            Map<List<String>, Integer> next = new LinkedHashMap<>();
            words.forEach((w, count) -> next.merge(apply(w, merge), count, Integer::sum));
            words = next;
        }
        return merges;
    }

    /** Replaces each non-overlapping occurrence of the pair, left to right. */
    private static List<String> apply(List<String> word, Merge merge) {
        List<String> out = new ArrayList<>(word.size());
        for (int i = 0; i < word.size(); i++) {
            if (i + 1 < word.size() && word.get(i).equals(merge.left()) && word.get(i + 1).equals(merge.right())) {
                out.add(merge.merged());
                i++;
            } else {
                out.add(word.get(i));
            }
        }
        return out;
    }
}
