package dev.ferry.store.create;

import dev.ferry.store.config.Activation;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.RopeScaling;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;

/**
 * Every size and setting of a model to create: what config.json states, plus how the weights are
 * drawn ({@code std}, {@code normNoise}, {@code seed}), stored ({@code dtype}) and how many BPE merges
 * the tokenizer learns. Norm weights are {@code 1 + normNoise * N(0,1)}, all other tensors {@code std * N(0,1)}.
 */
public record ModelSpec(
        ModelArch arch,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediate,
        int vocab,
        int maxPosition,
        double ropeTheta,
        boolean llama3RopeScaling,
        double normEps,
        boolean tieWordEmbeddings,
        double std,
        double normNoise,
        TensorDtype dtype,
        long seed,
        int maxMerges) {

    public ModelSpec {
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("kv_heads", kvHeads);
        requirePositive("head_dim", headDim);
        requirePositive("intermediate", intermediate);
        requirePositive("vocab", vocab);
        requirePositive("max_position", maxPosition);
        if (dtype != TensorDtype.F32 && dtype != TensorDtype.F16 && dtype != TensorDtype.BF16) {
            throw new IllegalArgumentException("dtype must be f32, f16 or bf16, got " + dtype);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kv_heads (" + kvHeads + ")");
        }
        if (arch.hasRope() && headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        }
        boolean plainHeads = arch == ModelArch.GPT2 || arch.isEncoder();
        if ((arch == ModelArch.QWEN2 || arch == ModelArch.PHI3 || plainHeads) && headDim * heads != hidden) {
            throw new IllegalArgumentException(arch.cliName() + " requires head_dim * heads == hidden, got "
                    + headDim + " * " + heads + " != " + hidden);
        }
        if (plainHeads && (kvHeads != heads || llama3RopeScaling)) {
            throw new IllegalArgumentException(arch.cliName() + " has neither grouped KV heads nor RoPE scaling");
        }
        if (!(std > 0) || !(normNoise >= 0)) {
            throw new IllegalArgumentException("std must be > 0 and norm noise >= 0");
        }
    }

    /** Phi-3's created models rotate with LongRoPE past an eighth of their positions (Phi-3.5's 4096 of 131072 is a 32nd). */
    public static final int LONGROPE_FACTOR = 8;
    /** Gemma 3's created models: five sliding layers, then a global one, as the released checkpoints. */
    public static final int GEMMA_SLIDING_PATTERN = 6;

    /** The config a loader reads back from the written config.json (token ids aside). */
    public DecoderConfig decoderConfig() {
        if (arch.isEncoder()) {
            throw new IllegalStateException(arch.cliName() + " is an encoder: see encoderConfig()");
        }
        boolean gpt2 = arch == ModelArch.GPT2;
        boolean gemma = arch == ModelArch.GEMMA3;
        List<Boolean> sliding = new java.util.ArrayList<>();
        for (int i = 0; gemma && i < layers; i++) {
            sliding.add((i + 1) % GEMMA_SLIDING_PATTERN != 0);
        }
        return new DecoderConfig(arch.architecture(), hidden, layers, heads, kvHeads, headDim, intermediate, vocab,
                maxPosition, normEps, gpt2 ? 0 : ropeTheta, ropeScaling(), tieWordEmbeddings,
                gpt2 || arch == ModelArch.QWEN2, gpt2, slidingWindow(),
                gpt2 || gemma ? Activation.GELU_TANH : Activation.SILU, false, null, List.of(), dtype,
                arch == ModelArch.QWEN3 || gemma, headDim, headDim, sliding, gemma ? 10000.0 : 0, null);
    }

    /** The rope_scaling written: llama3 where asked, LongRoPE for Phi-3 (short factors 1, long ones up to the factor). */
    RopeScaling ropeScaling() {
        if (arch == ModelArch.PHI3) {
            int n = headDim / 2;
            List<Double> shortFactors = new java.util.ArrayList<>();
            List<Double> longFactors = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                shortFactors.add(1.0);
                longFactors.add(1.0 + (LONGROPE_FACTOR - 1.0) * i / Math.max(1, n - 1));
            }
            return RopeScaling.longRope(shortFactors, longFactors, originalMaxPositions(), maxPosition, null);
        }
        return llama3RopeScaling ? RopeScaling.llama3(32.0, 1.0, 4.0, 8192) : null;
    }

    /** Phi-3's original_max_position_embeddings. */
    int originalMaxPositions() {
        return Math.max(1, maxPosition / LONGROPE_FACTOR);
    }

    /** Gemma 3's window (512 in the released checkpoints, at most half the positions here); Phi-3's twice its positions. */
    Integer slidingWindow() {
        return switch (arch) {
            case GEMMA3 -> Math.max(1, Math.min(512, maxPosition / 2));
            case PHI3 -> 2 * maxPosition;
            default -> null;
        };
    }

    /**
     * The config a loader reads back for an encoder; {@code maxPosition} is the longest input, so
     * XLM-RoBERTa's table has two more rows (its positions start after the padding id, as HF's 514).
     */
    public EncoderConfig encoderConfig() {
        if (!arch.isEncoder()) {
            throw new IllegalStateException(arch.cliName() + " is a decoder: see decoderConfig()");
        }
        boolean xlmr = arch == ModelArch.XLM_ROBERTA;
        int pad = arch.specials().tokens().indexOf(xlmr ? "<pad>" : "[PAD]");
        int offset = xlmr ? pad + 1 : 0;
        return new EncoderConfig(arch.architecture(), hidden, layers, heads, intermediate, vocab, maxPosition + offset,
                xlmr ? 1 : 2, normEps, pad, offset, dtype);
    }

    public ModelSpec withSeed(long newSeed) {
        return new ModelSpec(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, maxPosition,
                ropeTheta, llama3RopeScaling, normEps, tieWordEmbeddings, std, normNoise, dtype, newSeed, maxMerges);
    }

    /** The same model with another number of layers. */
    public ModelSpec withLayers(int n) {
        return new ModelSpec(arch, hidden, n, heads, kvHeads, headDim, intermediate, vocab, maxPosition,
                ropeTheta, llama3RopeScaling, normEps, tieWordEmbeddings, std, normNoise, dtype, seed, maxMerges);
    }

    /** The same model with a longer (or shorter) position range: only RoPE tables and GPT-2's wpe depend on it. */
    public ModelSpec withMaxPosition(int positions) {
        return new ModelSpec(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, positions,
                ropeTheta, llama3RopeScaling, normEps, tieWordEmbeddings, std, normNoise, dtype, seed, maxMerges);
    }

    public ModelSpec withLlama3RopeScaling(boolean on) {
        return new ModelSpec(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, maxPosition,
                ropeTheta, on, normEps, tieWordEmbeddings, std, normNoise, dtype, seed, maxMerges);
    }

    /** The same model with norm weights {@code 1 + noise * N(0,1)}: 0 makes every norm weight exactly 1. */
    public ModelSpec withNormNoise(double noise) {
        return new ModelSpec(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, maxPosition,
                ropeTheta, llama3RopeScaling, normEps, tieWordEmbeddings, std, noise, dtype, seed, maxMerges);
    }

    public ModelSpec withDtype(TensorDtype newDtype) {
        return new ModelSpec(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, maxPosition,
                ropeTheta, llama3RopeScaling, normEps, tieWordEmbeddings, std, normNoise, newDtype, seed, maxMerges);
    }

    private static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }
}
