package dev.ferry.store.create;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds an encoder's {@code tokenizer.json} in the form its family ships: BERT's WordPiece
 * (lower-casing BertNormalizer, BertPreTokenizer, {@code [CLS] A [SEP]}) and XLM-RoBERTa's
 * SentencePiece Unigram (Metaspace, {@code <s> A </s>}). The vocabulary is every printable ASCII
 * character (and for WordPiece its {@code ##} continuation), then the words of
 * {@link TrainingCorpus} by frequency, so any ASCII text encodes without unknown tokens.
 */
final class EncoderTokenizerJson {
    private static final String META = "\u2581"; // SentencePiece's word-start marker

    private EncoderTokenizerJson() {
    }

    static TokenizerJson.Built build(ModelArch arch, int vocabSize) {
        ModelArch.SpecialTokens sp = arch.specials();
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        sp.tokens().forEach(t -> specialIds.put(t, specialIds.size()));
        boolean wordPiece = arch == ModelArch.BERT;
        List<String> pieces = new ArrayList<>();
        for (char c = '!'; c <= '~'; c++) {
            String ch = String.valueOf(c);
            if (!wordPiece || !Character.isUpperCase(c)) { // BERT's normalizer lower-cases first
                pieces.add(wordPiece ? ch : META + ch);
                pieces.add(wordPiece ? "##" + ch : ch);
            }
        }
        if (!wordPiece) {
            pieces.add(META);
        }
        int minimum = specialIds.size() + pieces.size();
        if (vocabSize < minimum) {
            throw new IllegalArgumentException("vocab must be >= " + minimum + " for " + arch.cliName() + ", got " + vocabSize);
        }
        Map<String, Integer> counts = wordCounts(wordPiece);
        List<String> words = counts.keySet().stream()
                .sorted(Comparator.comparing((String w) -> -counts.get(w)).thenComparing(w -> w))
                .filter(w -> w.length() > 1)
                .limit(vocabSize - minimum)
                .toList();

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", TokenizerJson.addedTokens(specialIds, Map.of()));
        String cls = sp.bos();
        String sep = sp.configEos();
        if (wordPiece) {
            json.put("normalizer", ordered("type", "BertNormalizer", "clean_text", true, "handle_chinese_chars", true,
                    "strip_accents", null, "lowercase", true));
            json.put("pre_tokenizer", ordered("type", "BertPreTokenizer"));
            json.put("post_processor", template(cls, sep, specialIds, false));
            json.put("decoder", ordered("type", "WordPiece", "prefix", "##", "cleanup", true));
            json.put("model", wordPieceModel(specialIds, pieces, words, sp.tokens().get(1)));
        } else {
            json.put("normalizer", ordered("type", "NFKC"));
            json.put("pre_tokenizer", metaspace());
            json.put("post_processor", template(cls, sep, specialIds, true));
            json.put("decoder", metaspace());
            json.put("model", unigramModel(specialIds, pieces, words, counts, specialIds.get("<unk>")));
        }
        int size = specialIds.size() + pieces.size() + words.size();
        int pad = specialIds.get(sp.tokens().get(wordPiece ? 0 : 1));
        TokenIds ids = new TokenIds(specialIds.get(cls), specialIds.get(sep), List.of(), pad);
        return new TokenizerJson.Built(json, size, specialIds, Map.of(), ids);
    }

    /** Words of the training text (lower-cased for WordPiece, which lower-cases its input), with their counts. */
    private static Map<String, Integer> wordCounts(boolean lowerCase) {
        Map<String, Integer> counts = new TreeMap<>();
        String text = lowerCase ? TrainingCorpus.TEXT.toLowerCase(Locale.ROOT) : TrainingCorpus.TEXT;
        for (String w : text.split("[^A-Za-z0-9]+")) {
            if (!w.isEmpty()) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * {@code [CLS] A [SEP]}, and for pairs {@code [CLS] A [SEP] B [SEP]} (BERT, type ids 0 then 1) or
     * {@code <s> A </s> </s> B </s>} (RoBERTa, type ids all 0).
     */
    private static Map<String, Object> template(String cls, String sep, Map<String, Integer> ids, boolean roberta) {
        int second = roberta ? 0 : 1;
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("type", "TemplateProcessing");
        t.put("single", List.of(TokenizerJson.special(cls, 0), TokenizerJson.sequence("A", 0),
                TokenizerJson.special(sep, 0)));
        List<Object> pair = new ArrayList<>(List.of(TokenizerJson.special(cls, 0), TokenizerJson.sequence("A", 0),
                TokenizerJson.special(sep, 0)));
        if (roberta) {
            pair.add(TokenizerJson.special(sep, 0));
        }
        pair.add(TokenizerJson.sequence("B", second));
        pair.add(TokenizerJson.special(sep, second));
        t.put("pair", pair);
        Map<String, Object> specials = new LinkedHashMap<>();
        for (String s : List.of(cls, sep)) {
            specials.put(s, ordered("id", s, "ids", List.of(ids.get(s)), "tokens", List.of(s)));
        }
        t.put("special_tokens", specials);
        return t;
    }

    private static Map<String, Object> metaspace() {
        return ordered("type", "Metaspace", "replacement", META, "prepend_scheme", "always", "split", true);
    }

    /** A map that keeps its keys in the order given: the file is written unsorted, and must be the same every time. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> wordPieceModel(Map<String, Integer> specialIds, List<String> pieces,
                                                      List<String> words, String unk) {
        Map<Object, Object> vocab = new LinkedHashMap<>(specialIds);
        pieces.forEach(p -> vocab.put(p, vocab.size()));
        words.forEach(w -> vocab.put(w, vocab.size()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "WordPiece");
        m.put("unk_token", unk);
        m.put("continuing_subword_prefix", "##");
        m.put("max_input_chars_per_word", 100);
        m.put("vocab", vocab);
        return m;
    }

    /**
     * Unigram pieces with log-probability scores: words by their frequency in the training text,
     * single characters below every word, so whole words win the segmentation.
     */
    private static Map<String, Object> unigramModel(Map<String, Integer> specialIds, List<String> pieces,
                                                    List<String> words, Map<String, Integer> counts, int unk) {
        double total = counts.values().stream().mapToInt(i -> i).sum();
        List<Object> vocab = new ArrayList<>();
        specialIds.keySet().forEach(t -> vocab.add(List.of(t, 0.0)));
        double charScore = Math.log(0.5 / total) - 5;
        pieces.forEach(p -> vocab.add(List.of(p, charScore)));
        words.forEach(w -> vocab.add(List.of(META + w, Math.log(counts.get(w) / total))));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "Unigram");
        m.put("unk_id", unk);
        m.put("vocab", vocab);
        m.put("byte_fallback", false);
        return m;
    }
}
