#!/usr/bin/env bash
# The GPU job: run on the device machine from the repository root, with the package made by
# bench/gpu/package.sh carried as .gpu/pkg:
#
#   bash bench/gpu/run-checks.sh
#
# Steps, each under its own timeout and within one overall deadline; a step that fails is logged
# and the next one still runs:
#   create-model   the model (default: llama 1b, f16) written to local disk; it runs in the background
#                  from the start, while the golden tests use the GPU
#   golden-fp32    engine GoldenTest (the real JUnit class, through the JUnit console) on the device in fp32
#   golden-fp16    the same in fp16
#   bf16-probe     dev.ferry.bench.Bf16Probe: whether the package's DJL JNI holds and computes bfloat16
#                  arrays on the device (each op in its own JVM: an abort is a result) -> $OUT/bf16-probe.json
#   op-counts      dev.ferry.bench.OpCounts: libtorch ops per decode step and per layer, Llama, Qwen2
#                  and GPT-2 (tiny models), f16 and f32, batch 1 and 32  -> $OUT/op-counts.json
#   ferry-bench    dev.ferry.bench.GpuBenchmark                        -> $OUT/ferry-gpu.json
#   hf-reference   bench/gpu/hf_reference.py (transformers, same model) -> $OUT/hf-reference.json
#   cpu-burst      bench/burst.sh on the CPU (tiny model, --max-queue 8 --max-num-seqs 4), bursts of 300
#                  and 1000 over HTTP and gRPC, fresh and pre-connected, server pinned to CPUs 0-7
#                  and the load generator to 8-15 with taskset -> $OUT/burst/{http,grpc}-{fresh,preconnected}-N.json
# then a comparison table on stdout. Everything is logged to $OUT/checks.log; step results and the
# golden errors go to $OUT/summary.json.
#
# environment:
#   OUT                     results folder (default <repo>/out)
#   FERRY_PKG               package folder (default <repo>/.gpu/pkg)
#   FERRY_CHECKS_DEVICE     gpu0 (default), or cpu for a dry run on a machine without a GPU; with cpu
#                           the benchmark and the reference run tiny workloads unless given their own args
#   FERRY_CHECKS_PRESET     model preset (default 1b; tiny for a dry run)
#   FERRY_CHECKS_MODEL      model folder (default /tmp/llama-<preset>)
#   FERRY_CHECKS_BUDGET_S   overall deadline in seconds (default 540)
#   FERRY_CHECKS_F16_TOLERANCE  fp16 golden tolerance, relative L2 of the last logits (default 1e-2)
#   FERRY_CHECKS_BENCH_ARGS extra GpuBenchmark arguments (e.g. "--batches 1,64 --e2e 32")
#   FERRY_CHECKS_HF_ARGS    extra hf_reference.py arguments
#   FERRY_CHECKS_SKIP       steps to leave out, e.g. "golden-fp16 hf-reference"
#   FERRY_CHECKS_BURST_CPUS server and load generator CPU lists for cpu-burst (default "0-7 8-15")
#   FERRY_PYTHON            python with torch and transformers (default python3)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/checks.log
: >"$LOG"
PKG=${FERRY_PKG:-$ROOT/.gpu/pkg}
RUN=(bash "$PKG/run-on-gpu.sh")  # through bash: works even if the carried copy lost its mode bits
DEVICE=${FERRY_CHECKS_DEVICE:-gpu0}
PRESET=${FERRY_CHECKS_PRESET:-1b}
MODEL=${FERRY_CHECKS_MODEL:-/tmp/llama-$PRESET}
BUDGET=${FERRY_CHECKS_BUDGET_S:-540}
F16_TOL=${FERRY_CHECKS_F16_TOLERANCE:-1e-2}
PY=${FERRY_PYTHON:-python3}
SKIP=" ${FERRY_CHECKS_SKIP:-} "
WORK=$(mktemp -d)
export FERRY_QUIET=${FERRY_QUIET:-0}
if [[ $DEVICE == cpu ]]; then
  BENCH_ARGS=${FERRY_CHECKS_BENCH_ARGS:---prompt 32 --new 8 --batches 1,4 --e2e 1,4 --floor-batches 1,4 --prefill-batch 2 --steps 5 --warmup 2 --engine-concurrency 1,4 --engine-rate 20 --engine-duration 3}
  HF_ARGS=${FERRY_CHECKS_HF_ARGS:---device cpu --prompt 32 --new 8 --batches 1,4 --prefill-batch 2 --repeats 2}
  BENCH_DTYPE=f32
else
  BENCH_ARGS=${FERRY_CHECKS_BENCH_ARGS:-}
  HF_ARGS=${FERRY_CHECKS_HF_ARGS:-}
  BENCH_DTYPE=f16
fi

START=$SECONDS
STEPS=()   # "name status rc seconds" per step, for summary.json

say() { echo "checks: $*" | tee -a "$LOG"; }
left() { echo $((BUDGET - (SECONDS - START))); }
# A step's timeout: what it asks for, but no more than the time left (less a margin for the summary).
limit() { local l=$(($(left) - 15)); echo $(($1 < l ? $1 : l)); }
record() { STEPS+=("$1 $2 $3 $4"); say "== $1: $2 (rc $3, $4 s)"; }

# run_step NAME TIMEOUT CMD...: runs CMD under timeout, output to the log and to $WORK/NAME.log.
run_step() {
  local name=$1 want=$2 t rc t0=$SECONDS status
  shift 2
  if [[ $SKIP == *" $name "* ]]; then record "$name" skipped 0 0; return; fi
  t=$(limit "$want")
  if ((t < 10)); then record "$name" no-time-left 0 0; return; fi
  say "== $name (timeout ${t}s): $*"
  timeout -k 10 "$t" "$@" 2>&1 | tee -a "$LOG" >"$WORK/$name.log"
  rc=${PIPESTATUS[0]}
  case $rc in 0) status=ok ;; 124|137) status=timeout ;; *) status=failed ;; esac
  record "$name" "$status" "$rc" $((SECONDS - t0))
  if [[ $status != ok ]]; then
    echo "---- last lines of $name ----"
    grep -v '^\s*at ' "$WORK/$name.log" | tail -25
    echo "----"
  fi
}

say "device=$DEVICE preset=$PRESET model=$MODEL package=$PKG out=$OUT budget=${BUDGET}s"
{
  echo "== environment"
  date -u +%Y-%m-%dT%H:%M:%SZ
  uname -a
  nproc
  free -g | head -2
  df -h /tmp | tail -1
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.max.sm --format=csv
  "$PY" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count())' 2>&1 | tail -1
  "$PY" -c 'import transformers; print("transformers", transformers.__version__)' 2>&1 | tail -1
  cat "$PKG/MANIFEST.txt" 2>/dev/null | head -7
} >>"$LOG" 2>&1
[[ -f $PKG/run-on-gpu.sh ]] || say "WARNING: no package at $PKG (run bench/gpu/package.sh and carry .gpu/pkg): the Java steps will fail"

# --- create-model, in the background while the golden tests run --------------------------
CREATE_PID=""
if [[ $SKIP == *" create-model "* ]]; then
  record create-model skipped 0 0
else
  mkdir -p "$(dirname "$MODEL")"
  say "== create-model (background, timeout $(limit 240)s): llama $PRESET f16 -> $MODEL"
  (
    t0=$(date +%s)
    timeout -k 10 "$(limit 240)" "${RUN[@]}" dev.ferry.server.cli.FerryCommand model create --arch llama --preset "$PRESET" \
      --dtype f16 --out "$MODEL"
    rc=$?
    echo $(($(date +%s) - t0)) >"$WORK/create-model.seconds"
    exit $rc
  ) >"$WORK/create-model.log" 2>&1 &
  CREATE_PID=$!
fi

# --- golden tests ---------------------------------------------------------------------------
# GoldenTest has either methods per dtype (fp32..., fp16...: fp32 alone and fp32 batched with prefix
# caching and preemption, every golden case of every architecture, Qwen3, Gemma 3 and Phi-3
# included), or one method steered by ferry.test.dtype: run each dtype's own methods where there
# are some, the whole class otherwise.
GOLDEN_CLASS=dev.ferry.engine.model.GoldenTest
GOLDEN_FILE=$(ls "$PKG"/test/classes/*/dev/ferry/engine/model/GoldenTest.class 2>/dev/null | head -1)
golden_selector() {  # one selector a line
  local ms m
  ms=$([[ -n $GOLDEN_FILE ]] && grep -aoE "$1[A-Za-z0-9_]*" "$GOLDEN_FILE" | sort -u)
  if [[ -z $ms ]]; then echo "--select-class=$GOLDEN_CLASS"; return; fi
  for m in $ms; do echo "--select-method=$GOLDEN_CLASS#$m(java.lang.String)"; done
}
mapfile -t GOLDEN_FP32 < <(golden_selector fp32)
mapfile -t GOLDEN_FP16 < <(golden_selector fp16)
JUNIT_ARGS=(execute --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests)
run_step golden-fp32 150 env FERRY_JAVA_OPTS="-Xss4m -Dferry.test.device=$DEVICE -Dferry.test.dtype=f32 \
-Dferry.golden.tolerance=1e-4 -Dferry.golden.tokens=16" "${RUN[@]}" --junit "${JUNIT_ARGS[@]}" "${GOLDEN_FP32[@]}"
run_step golden-fp16 150 env FERRY_JAVA_OPTS="-Xss4m -Dferry.test.device=$DEVICE -Dferry.test.dtype=f16 \
-Dferry.golden.tolerance=$F16_TOL -Dferry.golden.f16.tolerance=$F16_TOL -Dferry.golden.tokens=8" \
  "${RUN[@]}" --junit "${JUNIT_ARGS[@]}" "${GOLDEN_FP16[@]}"

# --- bf16 -----------------------------------------------------------------------------------
run_step bf16-probe 120 "${RUN[@]}" dev.ferry.bench.Bf16Probe --device "$DEVICE" --out "$OUT/bf16-probe.json"

# --- ops per decode step and per layer: on a GPU each op is an eager launch of some 10 us -------
run_step op-counts 60 "${RUN[@]}" dev.ferry.bench.OpCounts --device "$DEVICE" --out "$OUT/op-counts.json"

# --- the model ------------------------------------------------------------------------------
if [[ -n $CREATE_PID ]]; then
  wait "$CREATE_PID"
  rc=$?
  { echo "== create-model output"; cat "$WORK/create-model.log"; } >>"$LOG"
  case $rc in 0) status=ok ;; 124|137) status=timeout ;; *) status=failed ;; esac
  record create-model "$status" "$rc" "$(cat "$WORK/create-model.seconds" 2>/dev/null || echo 0)"
  [[ $status == ok ]] || { echo "---- last lines of create-model ----"; tail -15 "$WORK/create-model.log"; }
fi
MODEL_OK=0
[[ -f $MODEL/model.safetensors && -f $MODEL/config.json ]] && MODEL_OK=1

# --- benchmarks -----------------------------------------------------------------------------
if ((MODEL_OK)); then
  rm -f "$OUT/ferry-gpu.json"
  # shellcheck disable=SC2086
  run_step ferry-bench 300 "${RUN[@]}" dev.ferry.bench.GpuBenchmark --model "$MODEL" --device "$DEVICE" --dtype "$BENCH_DTYPE" \
    --out "$OUT/ferry-gpu.json" $BENCH_ARGS
  if "$PY" -c 'import torch, transformers' >/dev/null 2>&1; then
    rm -f "$OUT/hf-reference.json"
    # shellcheck disable=SC2086
    run_step hf-reference 240 "$PY" bench/gpu/hf_reference.py --model "$MODEL" --out "$OUT/hf-reference.json" $HF_ARGS
  else
    say "hf-reference: $PY cannot import torch and transformers"
    record hf-reference skipped 0 0
  fi
else
  say "no model at $MODEL: benchmarks not run"
  record ferry-bench skipped 0 0
  record hf-reference skipped 0 0
fi

# --- the burst on the CPU: refusals in milliseconds, the server alive after -----------------
read -r BURST_SERVER_CPUS BURST_CLIENT_CPUS <<<"${FERRY_CHECKS_BURST_CPUS:-0-7 8-15}"
run_step cpu-burst 240 env FERRY_PKG="$PKG" FERRY_BURST_ROUNDS=2 FERRY_BURST_SERVER_CPUS="$BURST_SERVER_CPUS" \
  FERRY_BURST_CLIENT_CPUS="$BURST_CLIENT_CPUS" FERRY_BURST_SERVER_ARGS="--device cpu" bash bench/burst.sh "$OUT/burst"

# --- summary and comparison -----------------------------------------------------------------
printf '%s\n' "${STEPS[@]}" >"$WORK/steps.txt"
"$PY" - "$OUT" "$WORK" "$((SECONDS - START))" <<'EOF' 2>&1 | tee -a "$LOG"
import json, os, re, sys
out, work, elapsed = sys.argv[1], sys.argv[2], int(sys.argv[3])
steps = {}
for line in open(os.path.join(work, "steps.txt")):
    if line.strip():
        name, status, rc, secs = line.split()
        steps[name] = {"status": status, "rc": int(rc), "seconds": int(secs)}
summary = {"elapsed_s": elapsed, "steps": steps, "golden": {}}
for dtype in ("fp32", "fp16"):
    path = os.path.join(work, "golden-%s.log" % dtype)
    if not os.path.exists(path):
        continue
    text = open(path, errors="replace").read()
    worst = {}
    for m in re.finditer(r"^(\S+) \[[^\]]*\] on \S+: last-logits relative L2 (\S+)$", text, re.M):
        worst[m.group(1)] = max(worst.get(m.group(1), 0.0), float(m.group(2)))
    counts = {k: int(v) for v, k in re.findall(r"\[\s*(\d+) tests (successful|failed|found)\s*\]", text)}
    failures = re.findall(r"(?:AssertionFailedError|Exception|Error): ([^\n]{0,300})", text)
    summary["golden"][dtype] = {"tests": counts, "worst_relative_l2": worst, "failures": failures[:8]}
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2)

def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception:
        return {}
f, h = load("ferry-gpu.json"), load("hf-reference.json")
print("\n================ Ferry GPU checks (%d s) ================" % elapsed)
for name, s in steps.items():
    print("  %-14s %-13s %4d s" % (name, s["status"], s["seconds"]))
for dtype, g in summary["golden"].items():
    t = g["tests"]
    print("  golden %s: %s/%s passed; worst last-logits rel L2 %s" % (dtype, t.get("successful", "?"), t.get("found", "?"),
          ", ".join("%s %.1e" % kv for kv in sorted(g["worst_relative_l2"].items())) or "-"))
    for msg in g["failures"][:3]:
        print("     ! " + msg[:160])
if f:
    print("\n  %s on %s (%s): memory read %s GB/s, matmul %s TFLOP/s, load %s s" % (
        f.get("model"), f.get("device"), f.get("dtype"), f.get("memory_read_GBps"),
        f.get("matmul_fp16_TFLOPs", f.get("matmul_fp32_TFLOPs")), f.get("load_s")))
def row(label, a, b, unit, higher_better=True):
    if a is None and b is None:
        return
    ratio = ""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a and b:
        ratio = "%.2fx" % ((a / b) if higher_better else (b / a))
    print("  %-30s %12s %12s %9s  %s" % (label, "-" if a is None else a, "-" if b is None else b, ratio, unit))
print("\n  %-30s %12s %12s %9s" % ("", "ferry", "hf", "ferry/hf"))
keys = set(f) | set(h)
for k in sorted((k for k in keys if re.fullmatch(r"prefill_\d+x\d+_(ms|tok_s)", k)), key=lambda k: (int(k.split("_")[1].split("x")[0]), k)):
    row(k, f.get(k), h.get(k), "ms" if k.endswith("_ms") else "tok/s", not k.endswith("_ms"))
bs = sorted({int(m.group(1)) for k in keys for m in [re.match(r"decode_b(\d+)_", k)] if m})
for b in bs:
    row("decode b%d step" % b, f.get("decode_b%d_step_ms" % b), h.get("decode_b%d_step_ms_est" % b), "ms (hf: estimated)", False)
    if "decode_b%d_floor_ms" % b in f:
        print("  %-30s %12s %12s %9s  %s" % ("  bandwidth floor", f["decode_b%d_floor_ms" % b], "", "", "ms; ferry is %sx the floor" % f.get("decode_b%d_vs_floor" % b)))
ns = sorted({int(m.group(1)) for k in keys for m in [re.match(r"e2e_n(\d+)_", k)] if m})
for n in ns:
    row("e2e n=%d tok/s" % n, f.get("e2e_n%d_tok_s" % n), h.get("e2e_n%d_tok_s" % n), "tok/s, %s+%s tokens each" % (f.get("prompt_tokens", h.get("prompt_tokens")), f.get("new_tokens", h.get("new_tokens"))))
cs = sorted({int(m.group(1)) for k in f for m in [re.fullmatch(r"engine_c(\d+)_tok_s", k)] if m})
if cs or "engine_load_requests" in f:
    print("\n  engine (continuous batching): %s+%s tokens a request, max-num-seqs %s, max-num-batched-tokens %s%s" % (
        f.get("engine_prompt_tokens"), f.get("engine_new_tokens"), f.get("engine_max_num_seqs"), f.get("engine_max_num_batched_tokens"),
        "; hf: static batch of n, %s+%s" % (h.get("prompt_tokens"), h.get("new_tokens")) if h else ""))
def pair(key):
    return "%s/%s" % (f.get(key + "_p50_ms", "-"), f.get(key + "_p99_ms", "-"))
for n in cs:
    e = "engine_c%d" % n
    row("engine n=%d tok/s" % n, f.get(e + "_tok_s"), h.get("e2e_n%d_tok_s" % n), "tok/s, n submitted at once (ferry static: %s)" % f.get("e2e_n%d_tok_s" % n, "-"))
    print("  %-30s all decoding %s tok/s; TTFT p50/p99 %s ms; ITL p50/p99 %s ms" % ("", f.get(e + "_decode_tok_s", "-"), pair(e + "_ttft"), pair(e + "_itl")))
if cs:
    e = "engine_c%d" % cs[-1]
    print("  %-30s %s steps, step p50/p99 %s ms (static decode b%d: %s ms), seqs a step p50 %s max %s, preemptions %s" % (
        "engine n=%d loop" % cs[-1], f.get(e + "_steps", "-"), pair(e + "_step"), cs[-1], f.get("decode_b%d_step_ms" % cs[-1], "-"),
        f.get(e + "_batch_seqs_p50", "-"), f.get(e + "_batch_seqs_max", "-"), f.get(e + "_preemptions", "-")))
if "engine_load_requests" in f:
    print("  %-30s %s requests, achieved %s req/s, %s tok/s out, preemptions %s" % (
        "engine Poisson %s req/s" % f.get("engine_load_target_req_s"), f.get("engine_load_requests"), f.get("engine_load_req_s", "-"),
        f.get("engine_load_out_tok_s", "-"), f.get("engine_load_preemptions", "-")))
    print("  %-30s TTFT p50/p99 %s ms; ITL p50/p99 %s ms; e2e p50/p99 %s ms" % (
        "", pair("engine_load_ttft"), pair("engine_load_itl"), pair("engine_load_e2e")))
ops = load("op-counts.json")
if ops:
    print("\n  libtorch ops per decode layer (per step), tiny models of each family:")
    for k in sorted(k for k in ops if k.endswith("_per_layer")):
        print("  %-30s %12s %12s" % (k[len("ops_"):-len("_per_layer")], ops[k], "(%s)" % ops.get(k[:-len("_per_layer")] + "_per_step", "-")))
errors = [(src, k, v) for src, d in (("ferry", f), ("hf", h)) for k, v in d.items() if k.endswith("_error")]
for src, k, v in errors:
    print("  ! %s %s: %s" % (src, k, str(v)[:150]))
EOF
say "results in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
rm -rf "$WORK"
