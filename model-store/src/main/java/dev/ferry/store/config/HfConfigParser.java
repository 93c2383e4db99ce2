package dev.ferry.store.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelKind;
import dev.ferry.store.ModelLoadException;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a Hugging Face {@code config.json} into a {@link DecoderConfig} or an {@link EncoderConfig},
 * refusing anything Ferry would compute differently from transformers (unknown rope scaling, MLP
 * biases, other activations, relative positions) with a message that names the key.
 */
public final class HfConfigParser {
    private static final String FILE = "config.json";

    private final ObjectNode json;

    private HfConfigParser(ObjectNode json) {
        this.json = json;
    }

    /** The architecture config.json names: which parse to call, {@link #parse} or {@link #parseEncoder}. */
    public static Architecture architecture(ObjectNode json) {
        return new HfConfigParser(json).architecture();
    }

    public static DecoderConfig parse(ObjectNode json) {
        return new HfConfigParser(json).parse();
    }

    public static EncoderConfig parseEncoder(ObjectNode json) {
        return new HfConfigParser(json).encoder();
    }

    private DecoderConfig parse() {
        Architecture arch = requireKind(ModelKind.DECODER);
        return arch == Architecture.GPT2 ? gpt2() : llamaFamily(arch);
    }

    private Architecture requireKind(ModelKind kind) {
        Architecture arch = architecture();
        if (arch.kind() != kind) {
            throw error("architectures " + arch.hfClass() + " is " + (arch.kind() == ModelKind.ENCODER
                    ? "an encoder, not a decoder" : "a decoder, not an encoder"));
        }
        return arch;
    }

    private EncoderConfig encoder() {
        Architecture arch = requireKind(ModelKind.ENCODER);
        int hidden = positiveInt("hidden_size");
        int heads = positiveInt("num_attention_heads");
        if (hidden % heads != 0) {
            throw error("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        String act = json.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw error("hidden_act '" + act + "' is not supported (expected gelu, the exact erf form)");
        }
        String positions = json.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw error("position_embedding_type '" + positions + "' is not supported (expected absolute)");
        }
        if (json.path("is_decoder").asBoolean(false)) {
            throw error("is_decoder true is not supported for " + arch.hfClass());
        }
        boolean xlmr = arch == Architecture.XLM_ROBERTA;
        int pad = json.hasNonNull("pad_token_id") ? nonNegativeInt("pad_token_id") : xlmr ? 1 : 0;
        int maxPositions = positiveInt("max_position_embeddings");
        int offset = xlmr ? pad + 1 : 0; // RoBERTa numbers positions from padding_idx + 1
        if (maxPositions <= offset) {
            throw error("max_position_embeddings " + maxPositions + " leaves no position after pad_token_id " + pad);
        }
        int vocab = positiveInt("vocab_size");
        if (pad >= vocab) {
            throw error("pad_token_id " + pad + " is outside the vocabulary (vocab_size " + vocab + ")");
        }
        return new EncoderConfig(arch, hidden, positiveInt("num_hidden_layers"), heads,
                positiveInt("intermediate_size"), vocab, maxPositions,
                json.hasNonNull("type_vocab_size") ? positiveInt("type_vocab_size") : 2,
                json.hasNonNull("layer_norm_eps") ? positiveDouble("layer_norm_eps") : 1e-12,
                pad, offset, torchDtype());
    }

    private Architecture architecture() {
        JsonNode archs = json.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty()) {
            throw error("missing key 'architectures' (expected one of " + Architecture.supportedClasses() + ")");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : archs) {
            Architecture a = Architecture.fromHfClass(n.asText());
            if (a != null) {
                return a;
            }
            names.add(n.asText());
        }
        throw error("architectures " + names + " is not supported (supported: " + Architecture.supportedClasses() + ")");
    }

    private DecoderConfig llamaFamily(Architecture arch) {
        int hidden = positiveInt("hidden_size");
        int heads = positiveInt("num_attention_heads");
        int kvHeads = json.hasNonNull("num_key_value_heads") ? positiveInt("num_key_value_heads") : heads;
        int headDim = json.hasNonNull("head_dim") ? positiveInt("head_dim") : hidden / heads;
        if (!json.hasNonNull("head_dim") && hidden % heads != 0) {
            throw error("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw error("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw error("head dimension " + headDim + " must be even for rotary embeddings");
        }
        String act = json.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw error("hidden_act '" + act + "' is not supported (expected silu)");
        }
        if (json.path("mlp_bias").asBoolean(false)) {
            throw error("mlp_bias true is not supported");
        }
        if (json.path("use_sliding_window").asBoolean(false)) {
            throw error("use_sliding_window true is not supported for " + arch.hfClass());
        }
        boolean attentionBias = json.path("attention_bias").asBoolean(false);
        Integer window = arch == Architecture.MISTRAL && json.hasNonNull("sliding_window")
                ? positiveInt("sliding_window") : null;
        JsonNode ropeParams = json.path("rope_parameters");
        double theta = json.hasNonNull("rope_theta") ? positiveDouble("rope_theta")
                : ropeParams.path("rope_theta").asDouble(10000.0);
        return new DecoderConfig(arch, hidden, positiveInt("num_hidden_layers"), heads, kvHeads, headDim,
                positiveInt("intermediate_size"), positiveInt("vocab_size"),
                json.hasNonNull("max_position_embeddings") ? positiveInt("max_position_embeddings") : 2048,
                positiveDouble("rms_norm_eps"), theta, ropeScaling(),
                json.path("tie_word_embeddings").asBoolean(arch == Architecture.QWEN2),
                arch == Architecture.QWEN2 || attentionBias, attentionBias, window, Activation.SILU, false,
                optionalInt("bos_token_id"), intList("eos_token_id"), torchDtype());
    }

    private DecoderConfig gpt2() {
        int hidden = positiveInt("n_embd");
        int heads = positiveInt("n_head");
        if (hidden % heads != 0) {
            throw error("n_embd " + hidden + " is not a multiple of n_head " + heads);
        }
        String act = json.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw error("activation_function '" + act + "' is not supported (expected gelu_new or gelu_pytorch_tanh)");
        }
        if (!json.path("scale_attn_weights").asBoolean(true)) {
            throw error("scale_attn_weights false is not supported");
        }
        int inner = json.hasNonNull("n_inner") ? positiveInt("n_inner") : 4 * hidden;
        return new DecoderConfig(Architecture.GPT2, hidden, positiveInt("n_layer"), heads, heads, hidden / heads,
                inner, positiveInt("vocab_size"), positiveInt("n_positions"),
                json.hasNonNull("layer_norm_epsilon") ? positiveDouble("layer_norm_epsilon") : 1e-5,
                0, null, json.path("tie_word_embeddings").asBoolean(true), true, true, null, Activation.GELU_TANH,
                json.path("scale_attn_by_inverse_layer_idx").asBoolean(false),
                optionalInt("bos_token_id"), intList("eos_token_id"), torchDtype());
    }

    private RopeScaling ropeScaling() {
        JsonNode sc = json.get("rope_scaling");
        String key = "rope_scaling";
        if (sc == null || sc.isNull()) {
            sc = json.get("rope_parameters");
            key = "rope_parameters";
        }
        if (sc == null || sc.isNull()) {
            return null;
        }
        String type = sc.hasNonNull("rope_type") ? sc.get("rope_type").asText() : sc.path("type").asText("default");
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling(RopeScaling.Type.LINEAR, number(sc, key, "factor"), 0, 0, 0);
            case "llama3" -> new RopeScaling(RopeScaling.Type.LLAMA3, number(sc, key, "factor"),
                    number(sc, key, "low_freq_factor"), number(sc, key, "high_freq_factor"),
                    (int) number(sc, key, "original_max_position_embeddings"));
            default -> throw error(key + ".rope_type '" + type + "' is not supported (expected default, linear or llama3)");
        };
    }

    private TensorDtype torchDtype() {
        String name = json.path("torch_dtype").asText(json.path("dtype").asText("float32"));
        try {
            TensorDtype d = TensorDtype.fromUserName(name);
            return d;
        } catch (IllegalArgumentException e) {
            throw error("torch_dtype '" + name + "' is not supported (expected float32, float16 or bfloat16)");
        }
    }

    private double number(JsonNode node, String parent, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) {
            throw error("missing numeric key '" + parent + "." + key + "'");
        }
        return v.asDouble();
    }

    private int positiveInt(String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw error("missing key '" + key + "'");
        }
        if (!v.isIntegralNumber() || v.asLong() <= 0 || v.asLong() > Integer.MAX_VALUE) {
            throw error("key '" + key + "' must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    private int nonNegativeInt(String key) {
        JsonNode v = json.get(key);
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
            throw error("key '" + key + "' must be a non-negative integer, got " + v);
        }
        return v.asInt();
    }

    private double positiveDouble(String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw error("missing key '" + key + "'");
        }
        if (!v.isNumber() || v.asDouble() <= 0) {
            throw error("key '" + key + "' must be a positive number, got " + v);
        }
        return v.asDouble();
    }

    private Integer optionalInt(String key) {
        JsonNode v = json.get(key);
        return v == null || !v.isIntegralNumber() ? null : v.asInt();
    }

    private List<Integer> intList(String key) {
        return readIdList(json, FILE, key);
    }

    /** Reads a token id or a list of ids (both forms appear for eos_token_id). */
    static List<Integer> readIdList(JsonNode json, String file, String key) {
        JsonNode v = json.get(key);
        List<Integer> ids = new ArrayList<>();
        if (v == null || v.isNull()) {
            return ids;
        }
        if (v.isIntegralNumber()) {
            ids.add(v.asInt());
            return ids;
        }
        if (v.isArray()) {
            for (JsonNode n : v) {
                if (!n.isIntegralNumber()) {
                    throw new ModelLoadException(file + ": key '" + key + "' must hold integer token ids, got " + n);
                }
                ids.add(n.asInt());
            }
            return ids;
        }
        throw new ModelLoadException(file + ": key '" + key + "' must be a token id or a list of ids, got " + v);
    }

    private static ModelLoadException error(String what) {
        return new ModelLoadException(FILE + ": " + what);
    }
}
