package dev.ferry.store.create;

import dev.ferry.store.safetensors.TensorDtype;
import java.util.Locale;

/**
 * Named model sizes: {@code tiny} for tests (well under 1 MB), {@code small} (~125M parameters) for
 * CPU benchmarks, {@code 1b} with Llama-3.2-1B's shape. Each arch keeps its own conventions: GPT-2's
 * tiny MLP is 4 × hidden (config {@code n_inner: null}, as the golden fixture), larger GPT-2 presets keep the
 * preset's intermediate size, and GPT-2 has no KV grouping or RoPE.
 */
public enum ModelPreset {
    // tiny uses std 0.1: at hidden 64, std 0.02 leaves attention almost uniform, so tests could not see RoPE bugs
    TINY("tiny", 64, 2, 4, 2, 160, 512, 256, 0.1, null, false, TensorDtype.F32),
    SMALL("small", 768, 12, 12, 4, 2048, 32000, 2048, 0.02, false, false, TensorDtype.F32),
    ONE_B("1b", 2048, 16, 32, 8, 8192, 128256, 131072, 0.02, true, true, TensorDtype.BF16);

    private static final int MAX_ENCODER_POSITIONS = 512;

    private final String cliName;
    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int intermediate;
    private final int vocab;
    private final int maxPosition;
    private final double std;
    private final Boolean tied; // null: the arch's default
    // Llama 3.2's RoPE: rope_theta 500000 for every RoPE arch (as the oracle's 1b), llama3 scaling for llama only,
    // since only Llama checkpoints carry that rope_type
    private final boolean llama3Rope;
    private final TensorDtype dtype;

    ModelPreset(String cliName, int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
                int maxPosition, double std, Boolean tied, boolean llama3Rope, TensorDtype dtype) {
        this.cliName = cliName;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.intermediate = intermediate;
        this.vocab = vocab;
        this.maxPosition = maxPosition;
        this.std = std;
        this.tied = tied;
        this.llama3Rope = llama3Rope;
        this.dtype = dtype;
    }

    public String cliName() {
        return cliName;
    }

    /**
     * The preset's spec for {@code arch}, seed 0 and the preset's default dtype. Encoders come in
     * tiny and small, with BERT's 512 positions at most.
     */
    public ModelSpec spec(ModelArch arch) {
        boolean gpt2 = arch == ModelArch.GPT2;
        if (arch.isEncoder() && this == ONE_B) {
            throw new IllegalArgumentException("preset 1b is for decoders; " + arch.cliName() + " comes in tiny or small");
        }
        double ropeTheta = llama3Rope ? 500000.0 : arch.defaultRopeTheta();
        return new ModelSpec(arch, hidden, layers, heads, gpt2 || arch.isEncoder() ? heads : kvHeads, hidden / heads,
                gpt2 && this == TINY ? 4 * hidden : intermediate, vocab,
                arch.isEncoder() ? Math.min(maxPosition, MAX_ENCODER_POSITIONS) : maxPosition, ropeTheta,
                llama3Rope && arch == ModelArch.LLAMA, arch.defaultNormEps(),
                tied != null ? tied : arch.defaultTiedEmbeddings(), std, 0.1, dtype, 0, 1000);
    }

    public static ModelPreset fromName(String name) {
        for (ModelPreset p : values()) {
            if (p.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (expected tiny, small or 1b)");
    }
}
