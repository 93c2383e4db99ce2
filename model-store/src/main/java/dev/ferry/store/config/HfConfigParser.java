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
        refuseUnsupportedParts();
        Architecture arch = requireKind(ModelKind.DECODER);
        return switch (arch) {
            case GPT2 -> gpt2();
            case GEMMA3 -> gemma3();
            default -> llamaFamily(arch);
        };
    }

    /**
     * Parts of a checkpoint Ferry does not compute, named by their key before any shape is checked:
     * a mixture of experts or a vision tower would otherwise surface as missing or misshapen tensors.
     */
    private void refuseUnsupportedParts() {
        for (String key : List.of("num_experts", "num_local_experts", "n_routed_experts")) {
            if (json.hasNonNull(key) && json.get(key).asInt(0) > 0) {
                throw error("key '" + key + "' (" + json.get(key) + "): mixture-of-experts models are not supported");
            }
        }
        for (String key : List.of("vision_config", "audio_config")) {
            if (json.hasNonNull(key)) {
                throw error("key '" + key + "': multimodal models are not supported; load the text model alone "
                        + "(its text_config as a " + Architecture.supportedClasses() + " folder)");
            }
        }
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
        boolean phi3 = arch == Architecture.PHI3;
        if (phi3 && attentionBias) {
            throw error("attention_bias true is not supported for " + arch.hfClass() + " (its qkv_proj has no bias)");
        }
        // Phi-3.5 and Phi-4-mini write a window for every layer (twice their positions: it never binds there)
        Integer window = (arch == Architecture.MISTRAL || phi3) && json.hasNonNull("sliding_window")
                ? positiveInt("sliding_window") : null;
        int rotaryDim = headDim;
        if (json.hasNonNull("partial_rotary_factor")) {
            double f = positiveDouble("partial_rotary_factor");
            rotaryDim = (int) (headDim * f);
            if (!phi3 || f > 1 || rotaryDim % 2 != 0 || rotaryDim == 0) {
                throw error("partial_rotary_factor " + f + " is not supported for " + arch.hfClass()
                        + (phi3 ? " (it must turn an even number of each head's " + headDim + " dims)" : ""));
            }
        }
        int maxPositions = json.hasNonNull("max_position_embeddings") ? positiveInt("max_position_embeddings") : 2048;
        return new DecoderConfig(arch, hidden, positiveInt("num_hidden_layers"), heads, kvHeads, headDim,
                positiveInt("intermediate_size"), positiveInt("vocab_size"), maxPositions,
                positiveDouble("rms_norm_eps"), ropeTheta(), ropeScaling(rotaryDim, maxPositions),
                json.path("tie_word_embeddings").asBoolean(arch == Architecture.QWEN2),
                arch == Architecture.QWEN2 || attentionBias, attentionBias, window, Activation.SILU, false,
                optionalInt("bos_token_id"), intList("eos_token_id"), torchDtype(), arch == Architecture.QWEN3,
                headDim, rotaryDim, List.of(), 0, null);
    }

    private double ropeTheta() {
        return json.hasNonNull("rope_theta") ? positiveDouble("rope_theta")
                : json.path("rope_parameters").path("rope_theta").asDouble(10000.0);
    }

    /**
     * Gemma 3's text model: Gemma's (1 + w) norms, four per layer, and the embedding scale are implied
     * by the architecture; the config gives the GELU-tanh MLP, q/k norms, query_pre_attn_scalar and
     * the interleaved sliding and global layers, each type with its own RoPE. attn_logit_softcapping
     * is read by transformers' Gemma 3 but never applied, so it is ignored here too.
     */
    private DecoderConfig gemma3() {
        int hidden = positiveInt("hidden_size");
        int heads = positiveInt("num_attention_heads");
        int kvHeads = json.hasNonNull("num_key_value_heads") ? positiveInt("num_key_value_heads") : heads;
        int headDim = json.hasNonNull("head_dim") ? positiveInt("head_dim") : 256;
        int layers = positiveInt("num_hidden_layers");
        if (heads % kvHeads != 0) {
            throw error("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw error("head dimension " + headDim + " must be even for rotary embeddings");
        }
        String act = json.path("hidden_activation").asText(json.path("hidden_act").asText("gelu_pytorch_tanh"));
        if (!act.equals("gelu_pytorch_tanh")) {
            throw error("hidden_activation '" + act + "' is not supported (expected gelu_pytorch_tanh)");
        }
        if (json.path("use_bidirectional_attention").asBoolean(false)) {
            throw error("use_bidirectional_attention true is not supported (the encoder variant of Gemma 3)");
        }
        if (json.path("attention_bias").asBoolean(false)) {
            throw error("attention_bias true is not supported for Gemma3ForCausalLM");
        }
        int maxPositions = json.hasNonNull("max_position_embeddings") ? positiveInt("max_position_embeddings") : 131072;
        Integer window = json.hasNonNull("sliding_window") ? positiveInt("sliding_window") : null;
        List<Boolean> sliding = layerTypes(layers);
        JsonNode perType = json.path("rope_parameters");
        boolean fiveX = perType.has("full_attention") || perType.has("sliding_attention");
        double theta = fiveX ? perType.path("full_attention").path("rope_theta").asDouble(1_000_000.0)
                : json.hasNonNull("rope_theta") ? positiveDouble("rope_theta") : 1_000_000.0;
        double localTheta = fiveX ? perType.path("sliding_attention").path("rope_theta").asDouble(10_000.0)
                : json.hasNonNull("rope_local_base_freq") ? positiveDouble("rope_local_base_freq") : 10_000.0;
        RopeScaling scaling = fiveX ? ropeScaling(perType.get("full_attention"), "rope_parameters.full_attention",
                headDim, maxPositions) : ropeScaling(headDim, maxPositions);
        Double cap = json.hasNonNull("final_logit_softcapping") ? positiveDouble("final_logit_softcapping") : null;
        double scalar = json.hasNonNull("query_pre_attn_scalar") ? positiveDouble("query_pre_attn_scalar") : headDim;
        return new DecoderConfig(Architecture.GEMMA3, hidden, layers, heads, kvHeads, headDim,
                positiveInt("intermediate_size"), positiveInt("vocab_size"), maxPositions,
                json.hasNonNull("rms_norm_eps") ? positiveDouble("rms_norm_eps") : 1e-6, theta, scaling,
                json.path("tie_word_embeddings").asBoolean(true), false, false, window, Activation.GELU_TANH, false,
                optionalInt("bos_token_id"), intList("eos_token_id"), torchDtype(), true, scalar, headDim, sliding,
                localTheta, cap);
    }

    /**
     * Which layers are sliding: {@code layer_types}, or the older {@code sliding_window_pattern}
     * (layer i is global when (i + 1) % pattern == 0; transformers' default pattern is 6).
     */
    private List<Boolean> layerTypes(int layers) {
        List<Boolean> sliding = new ArrayList<>();
        JsonNode types = json.get("layer_types");
        if (types != null && !types.isNull()) {
            if (!types.isArray() || types.size() != layers) {
                throw error("layer_types must list one type per layer (" + layers + "), got " + types);
            }
            for (JsonNode t : types) {
                switch (t.asText()) {
                    case "sliding_attention" -> sliding.add(true);
                    case "full_attention" -> sliding.add(false);
                    default -> throw error("layer_types entry '" + t.asText()
                            + "' is not supported (expected sliding_attention or full_attention)");
                }
            }
            return sliding;
        }
        int pattern = json.hasNonNull("sliding_window_pattern") ? positiveInt("sliding_window_pattern") : 6;
        for (int i = 0; i < layers; i++) {
            sliding.add((i + 1) % pattern != 0);
        }
        return sliding;
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
                optionalInt("bos_token_id"), intList("eos_token_id"), torchDtype(), false, hidden / heads,
                hidden / heads, List.of(), 0, null);
    }

    private RopeScaling ropeScaling(int rotaryDim, int maxPositions) {
        JsonNode sc = json.get("rope_scaling");
        String key = "rope_scaling";
        if (sc == null || sc.isNull()) {
            sc = json.get("rope_parameters");
            key = "rope_parameters";
        }
        return ropeScaling(sc, key, rotaryDim, maxPositions);
    }

    private RopeScaling ropeScaling(JsonNode sc, String key, int rotaryDim, int maxPositions) {
        if (sc == null || sc.isNull()) {
            return null;
        }
        String type = sc.hasNonNull("rope_type") ? sc.get("rope_type").asText() : sc.path("type").asText("default");
        return switch (type) {
            case "default" -> null;
            case "linear" -> RopeScaling.linear(number(sc, key, "factor"));
            case "llama3" -> RopeScaling.llama3(number(sc, key, "factor"), number(sc, key, "low_freq_factor"),
                    number(sc, key, "high_freq_factor"), (int) number(sc, key, "original_max_position_embeddings"));
            case "longrope", "su" -> longRope(sc, key, rotaryDim, maxPositions);
            default -> throw error(key + ".rope_type '" + type
                    + "' is not supported (expected default, linear, llama3 or longrope)");
        };
    }

    /** Phi-3's LongRoPE: one short and one long factor per rotary frequency, switched by sequence length. */
    private RopeScaling longRope(JsonNode sc, String key, int rotaryDim, int maxPositions) {
        JsonNode original = json.hasNonNull("original_max_position_embeddings")
                ? json.get("original_max_position_embeddings") : sc.get("original_max_position_embeddings");
        if (original == null || !original.isIntegralNumber() || original.asInt() <= 0) {
            throw error("longrope needs a positive 'original_max_position_embeddings', got " + original);
        }
        int orig = original.asInt();
        // transformers 4.4x ignores 'factor' beside original_max_position_embeddings and 5.x prefers it:
        // only a factor both read the same is accepted
        if (sc.hasNonNull("factor") && Math.abs(number(sc, key, "factor") - (double) maxPositions / orig) > 1e-9) {
            throw error(key + ".factor " + sc.get("factor") + " differs from max_position_embeddings / "
                    + "original_max_position_embeddings = " + maxPositions + " / " + orig);
        }
        Double attention = sc.hasNonNull("attention_factor") ? number(sc, key, "attention_factor") : null;
        return RopeScaling.longRope(factors(sc, key, "short_factor", rotaryDim / 2),
                factors(sc, key, "long_factor", rotaryDim / 2), orig, maxPositions, attention);
    }

    private List<Double> factors(JsonNode sc, String parent, String key, int count) {
        JsonNode v = sc.get(key);
        if (v == null || !v.isArray() || v.size() != count) {
            throw error("'" + parent + "." + key + "' must list " + count + " factors (rotary dim / 2), got " + v);
        }
        List<Double> out = new ArrayList<>();
        for (JsonNode n : v) {
            if (!n.isNumber() || n.asDouble() <= 0) {
                throw error("'" + parent + "." + key + "' must hold positive numbers, got " + n);
            }
            out.add(n.asDouble());
        }
        return out;
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
