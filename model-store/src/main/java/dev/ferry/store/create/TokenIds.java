package dev.ferry.store.create;

import java.util.List;

/**
 * The special-token ids the configs refer to: config.json's bos/eos, generation_config.json's eos
 * list (Llama 3 and Qwen2 stop on two tokens) and Qwen2's pad; {@code pad} is null where HF writes none.
 */
record TokenIds(int bos, int eos, List<Integer> generationEos, Integer pad) {
}
