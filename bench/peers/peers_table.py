#!/usr/bin/env python3
"""Reads one run of bench/peers/llamacpp.sh (llama-bench JSON, llama-batched-bench JSON Lines, Ferry's
ForwardBenchmark JSON per dtype and the host facts), prints the table and the Ferry/llama.cpp ratios, and
appends the run to the results file:

    peers_table.py RUN_DIR RESULTS_JSON
"""
import json
import sys
from pathlib import Path

# (llama.cpp GGUF type, Ferry dtype name) compared like for like
PAIRS = [("F32", "f32"), ("F16", "f16"), ("Q8_0", "int8")]
# bytes per weight llama.cpp streams: Q8_0 is 32 int8 weights plus one fp16 scale per block
BYTES_PER_WEIGHT = {"F32": 4.0, "F16": 2.0, "Q8_0": 34 / 32}
COLUMNS = ["prefill_128", "decode_b1", "decode_b32"]

# The must-hold comparisons: (what, Ferry row, llama.cpp row, column)
MUST_HOLD = [
    ("f32 batch-1 decode", "f32", "F32", "decode_b1"),
    ("f16 batch-1 decode", "f16", "F16", "decode_b1"),
    ("int8 vs Q8_0 batch-1 decode", "int8", "Q8_0", "decode_b1"),
    ("decode at 32 streams (f32)", "f32", "F32", "decode_b32"),
    ("prefill 128 (f32)", "f32", "F32", "prefill_128"),
]


def llama_rows(run):
    rows, build = {}, {}
    for gtype, _ in PAIRS:
        key = gtype.lower()
        pp = json.loads((run / f"llama-bench-{key}-pp.json").read_text())[0]
        tg = json.loads((run / f"llama-bench-{key}-tg.json").read_text())[0]
        batched = [json.loads(line) for line in (run / f"llama-batched-{key}.jsonl").read_text().splitlines()
                   if line.startswith("{")]
        b32 = next(b for b in batched if b.get("pl") == 32)
        rows[gtype] = {
            "prefill_128": round(pp["avg_ts"], 1),
            "prefill_128_stddev": round(pp["stddev_ts"], 1),
            "decode_b1": round(tg["avg_ts"], 1),
            "decode_b1_stddev": round(tg["stddev_ts"], 1),
            "decode_b32": round(b32["speed_tg"], 1),
            "threads": tg["n_threads"],
            "flash_attn": tg.get("flash_attn"),
            "decode_b1_depth": tg.get("n_depth", 0),
            "model_bytes": tg["model_size"],
        }
        build = {"build_number": tg["build_number"], "build_commit": tg["build_commit"], "cpu_info": tg["cpu_info"],
                 "backends": tg["backends"]}
    return rows, build


def ferry_rows(run):
    rows, f = {}, {}
    for _, dtype in PAIRS:
        f.update({k: v for k, v in json.loads((run / f"ferry-forward-{dtype}.json").read_text()).items()
                  if k.startswith(dtype + "_") or k == "dense_parameters"})
        rows[dtype] = {
            "prefill_128": f[f"{dtype}_prefill_tok_s_128"],
            "decode_b1": f[f"{dtype}_decode_b1_tok_s"],
            "decode_b32": f[f"{dtype}_decode_b32_tok_s"],
            "b1_fraction_of_own_bandwidth_floor": f.get(f"{dtype}_b1_fraction_of_own_bandwidth_floor"),
            "memory_read_GBps": f.get(f"{dtype}_memory_read_GBps"),
        }
    return rows, f


def add_llama_b1_fraction_of_floor(llama, ferry, dense_parameters, config):
    """llama.cpp's batch-1 rate against the bandwidth floor of the bytes it streams per token (dense
    weights at its type's width plus its fp16 KV cache at the mean depth of its 64 decoded tokens),
    at the memory bandwidth Ferry's benchmark probed in the same pair."""
    kv_per_token = 2 * config["num_hidden_layers"] * config["num_key_value_heads"] * config["head_dim"] * 2
    for gtype, dtype in PAIRS:
        r = llama[gtype]
        streamed = dense_parameters * BYTES_PER_WEIGHT[gtype] + kv_per_token * (r["decode_b1_depth"] + 32)
        r["b1_fraction_of_own_bandwidth_floor"] = round(r["decode_b1"] / (ferry[dtype]["memory_read_GBps"] * 1e9 / streamed), 3)


def main():
    run, results_path = Path(sys.argv[1]), Path(sys.argv[2])
    host = json.loads((run / "host.json").read_text())
    llama, build = llama_rows(run)
    ferry, ferry_raw = ferry_rows(run)
    config = json.loads((Path(host["model_dir"]) / "config.json").read_text())
    add_llama_b1_fraction_of_floor(llama, ferry, ferry_raw["dense_parameters"], config)

    print(f"\n{host['cpu_model']}, {host['threads']} threads each, llama.cpp b{build['build_number']} "
          f"({build['build_commit']}), load average {host['load_before']} before, {host['load_after']} after "
          f"(before each pair: {host['load_by_pair']})")
    print("\n| tok/s | prefill 128 | batch-1 decode (fraction of its bandwidth floor) | decode @32 |\n|---|---|---|---|")
    for name, rows in (("llama.cpp", llama), ("Ferry", ferry)):
        for row, r in rows.items():
            print(f"| {name} {row} | {r['prefill_128']} | {r['decode_b1']} ({r['b1_fraction_of_own_bandwidth_floor']}) "
                  f"| {r['decode_b32']} |")

    like_for_like = {}
    print("\nFerry / llama.cpp, like for like:")
    for gtype, dtype in PAIRS:
        like_for_like[f"{dtype}/{gtype}"] = {c: round(ferry[dtype][c] / llama[gtype][c], 3) for c in COLUMNS}
        cells = ", ".join(f"{c} {v:.2f}" for c, v in like_for_like[f"{dtype}/{gtype}"].items())
        print(f"  Ferry {dtype} / llama.cpp {gtype}: {cells}")
    must_hold = []
    print("\nMust hold (ratio >= 1):")
    for what, dtype, gtype, column in MUST_HOLD:
        ratio = round(ferry[dtype][column] / llama[gtype][column], 3)
        must_hold.append({"what": what, "ferry": ferry[dtype][column], "llama_cpp": llama[gtype][column],
                          "ratio": ratio, "holds": ratio >= 1.0})
        print(f"  {what}: {ferry[dtype][column]} / {llama[gtype][column]} = {ratio:.2f} {'holds' if ratio >= 1 else 'SHORT'}")

    results = json.loads(results_path.read_text()) if results_path.exists() else {"runs": []}
    results["runs"].append({
        "host": host,
        "llama_cpp": {"build": build, "rows": llama},
        "ferry": {"rows": ferry, "forward_benchmark": ferry_raw},
        "ratios_like_for_like": like_for_like,
        "must_hold": must_hold,
    })
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nappended to {results_path}")


if __name__ == "__main__":
    main()
