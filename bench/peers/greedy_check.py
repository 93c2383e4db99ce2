#!/usr/bin/env python3
"""Checks that llama.cpp's greedy continuation equals Ferry's, token for token:

    greedy_check.py MODEL_DIR FERRY_JSON LLAMA_SIMPLE_STDOUT

FERRY_JSON is `ferry generate --json` output (prompt_ids, token_ids); llama-simple prints every
prompt and generated token's piece (special tokens spelled out). The expected bytes are the pieces
of Ferry's ids spelled as the GGUF from ferry_to_gguf.py spells them (byte-level BPE text, special
tokens' content, "[PAD<id>]" for ids the tokenizer does not use), so equal output means equal
prompt ids and equal greedy tokens. Exits 1 at the first difference.
"""
import json
import sys
from pathlib import Path


def byte_decoder():
    """tokenizer.json's byte-level characters -> the bytes they stand for (GPT-2's alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def pieces(model_dir):
    tok = json.loads((model_dir / "tokenizer.json").read_text())
    decoder = byte_decoder()
    out = {i: bytes(decoder[ch] for ch in text) for text, i in tok["model"]["vocab"].items()}
    for added in tok.get("added_tokens", []):
        out[added["id"]] = added["content"].encode()
    return out


def main():
    model_dir, ferry_json, llama_out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    ferry = json.loads(ferry_json.read_text())
    table = pieces(model_dir)
    spell = lambda i: table.get(i, f"[PAD{i}]".encode())
    prompt = b"".join(spell(i) for i in ferry["prompt_ids"])
    got = llama_out.read_bytes().rstrip(b"\n")
    if not got.startswith(prompt):
        sys.exit(f"greedy check: llama.cpp printed the prompt as {got[:len(prompt) + 40]!r}, Ferry's ids spell {prompt!r}")
    rest = got[len(prompt):]
    for k, i in enumerate(ferry["token_ids"]):
        piece = spell(i)
        if not rest.startswith(piece):
            sys.exit(f"greedy check: token {k} differs: Ferry {i} ({piece!r}), llama.cpp printed {rest[:40]!r}")
        rest = rest[len(piece):]
    if rest:
        sys.exit(f"greedy check: llama.cpp printed more than Ferry's {len(ferry['token_ids'])} tokens: {rest[:40]!r}")
    print(f"greedy check: {len(ferry['token_ids'])} tokens identical (prompt of {len(ferry['prompt_ids'])} ids)")


if __name__ == "__main__":
    main()
