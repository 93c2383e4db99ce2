#!/usr/bin/env python3
"""Converts a Hugging Face Llama folder (config.json, model.safetensors, tokenizer.json with a
byte-level BPE, as `ferry model create --arch llama` writes) to a GGUF file llama.cpp runs.

llama.cpp's own convert_hf_to_gguf.py needs torch, which this host cannot install; this does the
same for the one case the comparison needs, on llama.cpp's gguf-py (put its folder on PYTHONPATH)
and numpy alone:

    PYTHONPATH=llama.cpp/gguf-py python3 ferry_to_gguf.py MODEL_DIR OUT.gguf --outtype f32|f16

Ids the tokenizer does not use (the preset's vocab is larger than its tokenizer) get the text
"[PAD<id>]" as control tokens, so a random-weights model's greedy output, which lands on them often,
prints and can be compared token for token.
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

try:
    import gguf
except ImportError:
    sys.exit("ferry_to_gguf.py: put llama.cpp's gguf-py folder on PYTHONPATH (import gguf failed)")

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None}


def read_safetensors(path):
    """Every tensor of one safetensors file as float32 numpy arrays (BF16 widened)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[start:end]
        if info["dtype"] not in SAFETENSORS_DTYPES:
            sys.exit(f"{path}: tensor {name} has dtype {info['dtype']}; expected F32, F16 or BF16")
        if info["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[info["dtype"]]).astype(np.float32)
        tensors[name] = a.reshape(info["shape"])
    return tensors


def permute_for_rope(w, n_head):
    """HF rotates the two halves of each head (rotate_half); llama.cpp's llama arch rotates adjacent
    pairs. Reordering q's and k's output rows per head turns one into the other (as
    convert_hf_to_gguf.py's LlamaModel.permute does)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tensor_names(n_layers):
    """HF name -> GGUF name for the llama arch."""
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    per_layer = {
        "input_layernorm": "attn_norm",
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "post_attention_layernorm": "ffn_norm",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
    }
    for i in range(n_layers):
        for hf, gg in per_layer.items():
            names[f"model.layers.{i}.{hf}.weight"] = f"blk.{i}.{gg}.weight"
    return names


def add_tokenizer(writer, model_dir, vocab_size):
    tok = json.loads((model_dir / "tokenizer.json").read_text())
    model = tok["model"]
    if model.get("type") != "BPE" or (tok.get("pre_tokenizer") or {}).get("type") != "ByteLevel":
        sys.exit(f"{model_dir}/tokenizer.json: expected a byte-level BPE (model BPE, pre_tokenizer ByteLevel)")
    tokens = [None] * vocab_size
    types = [gguf.TokenType.CONTROL] * vocab_size
    for text, i in model["vocab"].items():
        tokens[i] = text
        types[i] = gguf.TokenType.NORMAL
    for added in tok.get("added_tokens", []):
        tokens[added["id"]] = added["content"]
        types[added["id"]] = gguf.TokenType.CONTROL if added["special"] else gguf.TokenType.USER_DEFINED
    for i in range(vocab_size):
        if tokens[i] is None:
            tokens[i] = f"[PAD{i}]"
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]

    writer.add_tokenizer_model("gpt2")
    # HF's ByteLevel pre-tokenizer with use_regex is GPT-2's split, which llama.cpp calls "gpt-2"
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)

    config = json.loads((model_dir / "config.json").read_text())
    generation = model_dir / "generation_config.json"
    gen = json.loads(generation.read_text()) if generation.exists() else {}
    bos = gen.get("bos_token_id", config.get("bos_token_id"))
    eos = gen.get("eos_token_id", config.get("eos_token_id"))
    eos_ids = eos if isinstance(eos, list) else [eos]
    if bos is not None:
        writer.add_bos_token_id(bos)
    if eos_ids and eos_ids[0] is not None:
        writer.add_eos_token_id(eos_ids[0])
    if len(eos_ids) > 1:
        writer.add_eot_token_id(eos_ids[1])
    # a TemplateProcessing post-processor that starts with BOS is HF's "add BOS"
    post = json.dumps(tok.get("post_processor"))
    writer.add_add_bos_token(bos is not None and '"SpecialToken"' in post)


def convert(model_dir, out, outtype):
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("architectures") != ["LlamaForCausalLM"]:
        sys.exit(f"{model_dir}/config.json: architectures {config.get('architectures')}; this converter takes LlamaForCausalLM")
    if config.get("rope_scaling"):
        sys.exit(f"{model_dir}/config.json: rope_scaling {config['rope_scaling']} is not converted here")
    n_layers = config["num_hidden_layers"]
    n_head = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads", n_head)
    hidden = config["hidden_size"]
    head_dim = config.get("head_dim") or hidden // n_head
    vocab = config["vocab_size"]

    ftype = gguf.LlamaFileType.ALL_F32 if outtype == "f32" else gguf.LlamaFileType.MOSTLY_F16
    writer = gguf.GGUFWriter(out, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    writer.add_name(model_dir.name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(hidden)
    writer.add_block_count(n_layers)
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_vocab_size(vocab)
    writer.add_file_type(ftype)
    add_tokenizer(writer, model_dir, vocab)

    names = tensor_names(n_layers)
    weights = read_safetensors(model_dir / "model.safetensors")
    if config.get("tie_word_embeddings"):
        weights.pop("lm_head.weight", None)  # llama.cpp reads token_embd when output is absent
    for hf_name, w in weights.items():
        if hf_name not in names:
            sys.exit(f"{model_dir}/model.safetensors: unexpected tensor {hf_name}")
        if hf_name.endswith("self_attn.q_proj.weight"):
            w = permute_for_rope(w, n_head)
        elif hf_name.endswith("self_attn.k_proj.weight"):
            w = permute_for_rope(w, n_kv)
        # as convert_hf_to_gguf.py: norms (1-D) stay f32 in an f16 file
        if outtype == "f16" and w.ndim > 1:
            w = w.astype(np.float16)
        writer.add_tensor(names[hf_name], np.ascontiguousarray(w))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model_dir", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--outtype", choices=["f32", "f16"], default="f32")
    a = p.parse_args()
    convert(a.model_dir, a.out, a.outtype)


if __name__ == "__main__":
    main()
