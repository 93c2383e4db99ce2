#!/usr/bin/env bash
# Ferry beside llama.cpp on this host: the small preset (Llama, 125M parameters) created by Ferry,
# converted to GGUF F32 and F16 (bench/peers/ferry_to_gguf.py on llama.cpp's gguf-py) and quantized
# to Q8_0 (llama-quantize); llama.cpp's greedy tokens checked against Ferry's; then, in one window,
# 2 threads each: prefill of 128 tokens, batch-1 decode and decode at 32 streams, llama.cpp in
# F32/F16/Q8_0 and Ferry in f32/f16/int8. Prints the table and the Ferry/llama.cpp ratios and appends
# the run to the results file. bench/peers/README.md says how to build llama.cpp and what each
# figure measures.
#
#   bench/peers/llamacpp.sh LLAMA_CPP_DIR [RESULTS_JSON]
#
# LLAMA_CPP_DIR: a llama.cpp source folder built with cmake into LLAMA_CPP_DIR/build (llama-bench,
# llama-batched-bench, llama-simple, llama-quantize). RESULTS_JSON defaults to
# bench/results/<today>-cpu-llamacpp.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
llama="$(cd "${1:?usage: llamacpp.sh LLAMA_CPP_DIR [RESULTS_JSON]}" && pwd)"
results="${2:-$root/bench/results/$(date -u +%F)-cpu-llamacpp.json}"
bin="$llama/build/bin"
threads=2
for tool in llama-bench llama-batched-bench llama-simple llama-quantize; do
  [ -x "$bin/$tool" ] || { echo "llamacpp.sh: $bin/$tool is missing; build it (bench/peers/README.md)" >&2; exit 1; }
done
export PYTHONPATH="$llama/gguf-py${PYTHONPATH:+:$PYTHONPATH}"

work="$root/bench/target/peers"
model="$work/llama-small"
run="$work/run-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$run"
cd "$root"

# The model, its GGUF forms, and the greedy check: once, outside the timed window.
[ -f "$model/model.safetensors" ] || ./ferry model create --arch llama --preset small --out "$model"
for t in f32 f16; do
  [ -f "$work/llama-small-$t.gguf" ] || python3 bench/peers/ferry_to_gguf.py "$model" "$work/llama-small-$t.gguf" --outtype "$t"
done
[ -f "$work/llama-small-q8_0.gguf" ] || "$bin/llama-quantize" "$work/llama-small-f32.gguf" "$work/llama-small-q8_0.gguf" Q8_0 "$threads" \
  >"$work/quantize.log" 2>&1
prompt="The quick brown fox jumps over the lazy dog"
./ferry generate --model "$model" --prompt "$prompt" --max-tokens 32 --temperature 0 --json >"$run/ferry-greedy.json" 2>"$run/ferry-greedy.log"
"$bin/llama-simple" -m "$work/llama-small-f32.gguf" -n 32 "$prompt" >"$run/llama-greedy.txt" 2>"$run/llama-greedy.log"
python3 bench/peers/greedy_check.py "$model" "$run/ferry-greedy.json" "$run/llama-greedy.txt"

# the build measured, taken before the window (its code changed since: "+changes"; results do not count)
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- engine bench ':!bench/results' || echo +changes)"
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before="$(load)"
echo "timed window starts, load average $load_before" >&2
# Each llama.cpp type, then Ferry's matching dtype (int8 = f32 quantized at load), so that a pair
# sees the same machine even as the load of other work moves.
for pair in f32:f32 f16:f16 q8_0:int8; do
  t="${pair%%:*}" dtype="${pair##*:}"
  gguf="$work/llama-small-$t.gguf"
  echo "$t/$dtype: $(load)" >>"$run/load-by-pair.txt"
  # prefill of 128 tokens into an empty cache; decode from a 128-token context, as Ferry's benchmark
  "$bin/llama-bench" -m "$gguf" -t "$threads" -p 128 -n 0 -r 3 -o json >"$run/llama-bench-$t-pp.json" 2>>"$run/llama.log"
  "$bin/llama-bench" -m "$gguf" -t "$threads" -p 0 -n 64 -d 128 -r 3 -o json >"$run/llama-bench-$t-tg.json" 2>>"$run/llama.log"
  # 32 sequences, each its own 128-token prompt, then 32 decode steps of all 32 together
  # (it prints nothing for a size it skips; once, under load, the F32 run did: try again then)
  for try in 1 2; do
    "$bin/llama-batched-bench" -m "$gguf" -t "$threads" -tb "$threads" -c 8192 -fit off -npp 128 -ntg 32 -npl 32 \
      --output-format jsonl >"$run/llama-batched-$t.jsonl" 2>>"$run/llama.log"
    grep -q '"pl": 32' "$run/llama-batched-$t.jsonl" && break
    [ "$try" = 2 ] && { echo "llamacpp.sh: llama-batched-bench printed no result for $t" >&2; exit 1; }
  done
  # Ferry's forward benchmark: the same three figures, its CPU layers tuned at load inside this window
  bench/forward.sh --model "$model" --dtype "$dtype" --batch 32 --context 128 --rounds 3 \
    --out "$run/ferry-forward-$dtype.json" >"$run/ferry-forward-$dtype.txt" 2>"$run/ferry-forward-$dtype.log"
done
load_after="$(load)"

python3 - "$run/host.json" "$load_before" "$load_after" "$threads" "$llama" "$run/load-by-pair.txt" "$model" "$commit" <<'EOF'
import json, subprocess, sys
out, before, after, threads, llama, by_pair, model, commit = sys.argv[1:]
lscpu = dict(l.split(":", 1) for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if ":" in l)
flags = lscpu.get("Flags", "").split()
json.dump({"cpu_model": lscpu.get("Model name", "?").strip(), "cpus": int(lscpu.get("CPU(s)", "0")),
           "simd_flags": [f for f in flags if f.startswith(("avx", "amx", "f16c", "fma"))],
           "threads": int(threads), "load_before": before, "load_after": after,
           "load_by_pair": open(by_pair).read().strip().splitlines(), "llama_cpp_dir": llama, "model_dir": model,
           "ferry_commit": commit},
          open(out, "w"), indent=2)
EOF
python3 bench/peers/peers_table.py "$run" "$results"
