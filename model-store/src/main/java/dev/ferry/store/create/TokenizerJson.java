package dev.ferry.store.create;

import dev.ferry.store.PythonJson;
import dev.ferry.store.tokenizer.ByteLevelAlphabet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a Hugging Face tokenizers {@code tokenizer.json}: a byte-level BPE model whose merges are
 * learned from {@link TrainingCorpus}, the arch's special tokens as added tokens, ByteLevel
 * pre-tokenizer and decoder, and for Llama and Mistral a post-processor that prepends BOS.
 * Key order follows what tokenizers serializes (the file is not key-sorted).
 */
final class TokenizerJson {
    /**
     * The JSON tree, the number of ids it uses (max id + 1), the ids of its special tokens and of its
     * plain added tokens (a chat style's, such as {@code <think>}).
     */
    record Built(Map<String, Object> json, int size, Map<String, Integer> specialIds, Map<String, Integer> plainIds,
                 TokenIds ids) {
        String text() {
            return PythonJson.write(json, false);
        }
    }

    private TokenizerJson() {
    }

    static Built build(ModelArch arch, int vocabSize, int maxMerges) {
        return build(arch, vocabSize, maxMerges, List.of());
    }

    /** @param plainTokens added tokens that are not special (kept whole by encoding, kept in the text by decoding) */
    static Built build(ModelArch arch, int vocabSize, int maxMerges, List<String> plainTokens) {
        ModelArch.SpecialTokens sp = arch.specials();
        int added = sp.tokens().size() + plainTokens.size();
        int free = vocabSize - 256 - added;
        if (free < 0) {
            throw new IllegalArgumentException("vocab must be >= " + (256 + added) + " for "
                    + arch.cliName() + ", got " + vocabSize);
        }
        List<ByteLevelBpe.Merge> merges = ByteLevelBpe.train(TrainingCorpus.TEXT, Math.min(maxMerges, free));

        Map<String, Integer> vocab = new LinkedHashMap<>();
        if (sp.placedFirst()) {
            sp.tokens().forEach(t -> vocab.put(t, vocab.size()));
        }
        ByteLevelAlphabet.inVocabOrder().forEach(ch -> vocab.put(ch, vocab.size()));
        merges.forEach(m -> vocab.putIfAbsent(m.merged(), vocab.size())); // two merges may spell one token
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        int nextId = vocab.size();
        for (String t : sp.tokens()) {
            specialIds.put(t, vocab.containsKey(t) ? vocab.get(t) : nextId++);
        }
        Map<String, Integer> plainIds = new LinkedHashMap<>();
        for (String t : plainTokens) {
            plainIds.put(t, nextId++);
        }
        if (arch == ModelArch.GPT2) { // GPT-2 (like Mistral) keeps its special tokens in the model vocab too
            vocab.putAll(specialIds);
        }
        int size = nextId;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (int id : specialIds.values()) {
            size = Math.max(size, id + 1);
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", addedTokens(specialIds, plainIds));
        json.put("normalizer", null);
        json.put("pre_tokenizer", byteLevel(false, true));
        json.put("post_processor", postProcessor(arch, specialIds));
        json.put("decoder", byteLevel(true, true));
        json.put("model", bpeModel(vocab, merges));

        List<Integer> genEos = sp.generationEos().stream().map(specialIds::get).toList();
        Integer pad = arch == ModelArch.QWEN2 ? specialIds.get("<|endoftext|>") : null;
        TokenIds ids = new TokenIds(specialIds.get(sp.bos()), specialIds.get(sp.configEos()), genEos, pad);
        return new Built(json, size, specialIds, plainIds, ids);
    }

    static List<Object> addedTokens(Map<String, Integer> specialIds, Map<String, Integer> plainIds) {
        List<Object> added = new ArrayList<>();
        specialIds.forEach((content, id) -> added.add(addedToken(id, content, true)));
        plainIds.forEach((content, id) -> added.add(addedToken(id, content, false)));
        return added;
    }

    private static Map<String, Object> addedToken(int id, String content, boolean special) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", special);
        return t;
    }

    private static Map<String, Object> byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", addPrefixSpace);
        m.put("trim_offsets", trimOffsets);
        m.put("use_regex", true);
        return m;
    }

    /** ByteLevel (offsets only); Llama 3 chains it with the BOS template, Mistral uses the template alone. */
    private static Map<String, Object> postProcessor(ModelArch arch, Map<String, Integer> specialIds) {
        Map<String, Object> byteLevel = byteLevel(true, false);
        if (!arch.specials().prependsBos()) {
            return byteLevel;
        }
        String bos = arch.specials().bos();
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("type", "TemplateProcessing");
        template.put("single", List.of(special(bos, 0), sequence("A", 0)));
        template.put("pair", List.of(special(bos, 0), sequence("A", 0), special(bos, 1), sequence("B", 1)));
        Map<String, Object> bosEntry = new LinkedHashMap<>();
        bosEntry.put("id", bos);
        bosEntry.put("ids", List.of(specialIds.get(bos)));
        bosEntry.put("tokens", List.of(bos));
        template.put("special_tokens", Map.of(bos, bosEntry));
        if (arch == ModelArch.MISTRAL) {
            return template;
        }
        Map<String, Object> seq = new LinkedHashMap<>();
        seq.put("type", "Sequence");
        seq.put("processors", List.of(byteLevel, template));
        return seq;
    }

    static Map<String, Object> special(String id, int typeId) {
        return Map.of("SpecialToken", idAndType(id, typeId));
    }

    static Map<String, Object> sequence(String id, int typeId) {
        return Map.of("Sequence", idAndType(id, typeId));
    }

    private static Map<String, Object> idAndType(String id, int typeId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("type_id", typeId);
        return m;
    }

    private static Map<String, Object> bpeModel(Map<String, Integer> vocab, List<ByteLevelBpe.Merge> merges) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "BPE");
        m.put("dropout", null);
        m.put("unk_token", null);
        m.put("continuing_subword_prefix", null);
        m.put("end_of_word_suffix", null);
        m.put("fuse_unk", false);
        m.put("byte_fallback", false);
        m.put("ignore_merges", false);
        m.put("vocab", new LinkedHashMap<Object, Object>(vocab));
        m.put("merges", merges.stream().map(x -> x.left() + " " + x.right()).toList());
        return m;
    }
}
