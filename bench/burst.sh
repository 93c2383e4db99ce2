#!/usr/bin/env bash
# Burst benchmark (issue 24): `ferry serve` on the tiny preset with --max-queue 8 --max-num-seqs 4,
# then `ferry bench --burst N` (N requests at once from one process, 128-token prompts, 64-token
# outputs) over HTTP and gRPC: admitted/refused/other counts, refusal latency p50/p99 at the client
# beside the server's ferry_request_refusal_seconds, and whether /health answers after each burst.
# Each burst runs twice: with fresh connections (HTTP: every request opens its own; gRPC: the
# channel connects with the first round's calls) and pre-connected (`--preconnect`: the round's
# connections opened and warmed by a cheap request before it), so connection set-up and the
# requests themselves are told apart. The server is checked alive (and serving) at the end.
# The server's CPU time (user and system) over each configuration's rounds is split by thread
# group (event loops, accept loop, gRPC call executor, engine, JIT, GC; from /proc/PID/task/*/stat),
# so a slow refusal can be told apart into the server's work and the time it waited for a CPU; the
# kernel's TCP counters over the same span (retransmits, listen queue overflows: machine-wide) sit
# beside it.
#
#   bench/burst.sh [OUT_DIR]    results: OUT_DIR/{http,grpc}-{fresh,preconnected}-N.json, the server's
#                               CPU by thread group in OUT_DIR/{http,grpc}-{fresh,preconnected}-N.cpu.txt,
#                               machine.txt, server.log
#
# environment:
#   FERRY_BURST_SIZES      bursts to send (default "300 1000")
#   FERRY_BURST_ROUNDS     bursts of each size, one after another's answers (default 3)
#   FERRY_BURST_PROTOCOLS  default "http grpc"
#   FERRY_BURST_CONNECTIONS  default "fresh preconnected"
#   FERRY_BURST_HTTP_CLIENT  `ferry bench --http-client`: netty (default) or jdk
#   FERRY_BURST_CLIENT_JAVA_OPTS  the load generator's JVM options (default -XX:TieredStopAtLevel=1: C1
#                          code is fast enough for a client, and C2's compiles on a 2-core machine took
#                          the CPU the server needed: against nginx, p99 26-84 ms with C2, 8-18 ms without)
#   FERRY_BURST_SERVER_CPUS, FERRY_BURST_CLIENT_CPUS  taskset CPU lists to pin the server and the load
#                          generator apart (default: unpinned, as on a 2-core machine)
#   FERRY_BURST_SERVER_ARGS  extra `ferry serve` arguments
#   FERRY_PKG              run from a bench/gpu/package.sh package (no Java here) instead of ./ferry
#   FERRY_BURST_HTTP_PORT, FERRY_BURST_GRPC_PORT  default 18080, 15051
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-$ROOT/bench/results/burst-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
SIZES=${FERRY_BURST_SIZES:-300 1000}
ROUNDS=${FERRY_BURST_ROUNDS:-3}
PROTOCOLS=${FERRY_BURST_PROTOCOLS:-http grpc}
CONNECTIONS=${FERRY_BURST_CONNECTIONS:-fresh preconnected}
HTTP_CLIENT=${FERRY_BURST_HTTP_CLIENT:-netty}
CLIENT_JAVA_OPTS=${FERRY_BURST_CLIENT_JAVA_OPTS:--XX:TieredStopAtLevel=1}
HTTP_PORT=${FERRY_BURST_HTTP_PORT:-18080}
GRPC_PORT=${FERRY_BURST_GRPC_PORT:-15051}
STORE=$(mktemp -d)

if [[ -n ${FERRY_PKG:-} ]]; then  # a package's launcher, which execs java like ./ferry
  SERVE=(bash "$FERRY_PKG/run-on-gpu.sh" dev.ferry.server.cli.FerryCommand)
  BENCH=(env FERRY_JAVA_OPTS="$CLIENT_JAVA_OPTS ${FERRY_JAVA_OPTS:-}" bash "$FERRY_PKG/run-on-gpu.sh"
    dev.ferry.bench.load.BenchCommand)
else
  SERVE=("$ROOT/ferry")
  BENCH=(env FERRY_JAVA_OPTS="$CLIENT_JAVA_OPTS ${FERRY_JAVA_OPTS:-}" "$ROOT/ferry" bench)
fi
PIN_SERVER=()
PIN_CLIENT=()
[[ -n ${FERRY_BURST_SERVER_CPUS:-} ]] && PIN_SERVER=(taskset -c "$FERRY_BURST_SERVER_CPUS")
[[ -n ${FERRY_BURST_CLIENT_CPUS:-} ]] && PIN_CLIENT=(taskset -c "$FERRY_BURST_CLIENT_CPUS")

{ lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core)'; echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; } >"$OUT/machine.txt"
"${SERVE[@]}" model create --arch llama --preset tiny --out "$STORE/tiny" >/dev/null
# shellcheck disable=SC2086
"${PIN_SERVER[@]}" "${SERVE[@]}" serve --model-store "$STORE" --host 127.0.0.1 --http-port "$HTTP_PORT" \
  --grpc-port "$GRPC_PORT" --max-queue 8 --max-num-seqs 4 --no-watch-store ${FERRY_BURST_SERVER_ARGS:-} \
  >"$OUT/server.log" 2>&1 &
SERVER=$!  # java itself: taskset and the launchers exec it
trap 'kill $SERVER 2>/dev/null; rm -rf "$STORE"' EXIT
for _ in $(seq 120); do
  curl -fs "localhost:$HTTP_PORT/ready" >/dev/null && break
  kill -0 $SERVER 2>/dev/null || { echo "burst: the server did not start; see $OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
if [[ " ${FERRY_BURST_SERVER_ARGS:-} " != *" --no-warmup "* ]]; then  # ready first, then the front ends' warm-up
  for _ in $(seq 240); do grep -q 'front ends warmed' "$OUT/server.log" && break; sleep 0.5; done
fi

# user and system CPU ms by thread group (the thread's name without its numbers), summed over the server's threads
thread_cpu() {
  local tick_ms=$((1000 / $(getconf CLK_TCK))) pid
  pid=$(pgrep -P "$SERVER" -x java || echo "$SERVER") # the launcher does not exec java when it writes its CDS archive
  for stat in /proc/"$pid"/task/*/stat; do
    # comm may hold spaces: the fields after its closing parenthesis count from there
    sed -E 's/^[0-9]+ \((.*)\) (.*)$/\1|\2/' "$stat" 2>/dev/null
  done | awk -F'|' -v ms="$tick_ms" '{ split($2, f, " "); name = $1; gsub(/[-#]?[0-9]+/, "", name); gsub(/-$/, "", name)
    gsub(/ /, "_", name); user[name] += f[12] * ms; sys[name] += f[13] * ms }
    END { for (n in user) print n, user[n], sys[n] }' | LC_ALL=C sort
}

tcp_counters() {
  nstat -az TcpRetransSegs TcpExtListenOverflows TcpExtListenDrops TcpExtTCPTimeouts | awk 'NR > 1 { print $1, $2 }' \
    | LC_ALL=C sort
}

for proto in $PROTOCOLS; do
  port=$([[ $proto == http ]] && echo "$HTTP_PORT" || echo "$GRPC_PORT")
  for n in $SIZES; do
    for conn in $CONNECTIONS; do
      echo "== $proto burst of $n, $conn connections, $ROUNDS rounds"
      preconnect=()
      [[ $conn == preconnected ]] && preconnect=(--preconnect)
      thread_cpu >"$OUT/cpu-before"
      tcp_counters >"$OUT/tcp-before"
      "${PIN_CLIENT[@]}" "${BENCH[@]}" --target "$proto://127.0.0.1:$port" --model tiny --burst "$n" \
        --rounds "$ROUNDS" "${preconnect[@]}" --http-client "$HTTP_CLIENT" --prompt-tokens 128 --output-tokens 64 \
        --metrics-url "http://127.0.0.1:$HTTP_PORT/metrics" --drain-timeout 120s --out "$OUT/$proto-$conn-$n.json" \
        | grep -vE '^(TTFT|ITL|send lag|throughput|goodput) '
      kill -0 $SERVER 2>/dev/null || { echo "burst: the server is gone; see $OUT/server.log" >&2; exit 1; }
      thread_cpu | LC_ALL=C join -a1 -e0 -o 0,1.2,1.3,2.2,2.3 - "$OUT/cpu-before" \
        | awk -v rounds="$ROUNDS" '{ u = ($2 - $4) / rounds; k = ($3 - $5) / rounds
            if (u + k > 0) printf "%-24s %8.1f ms a round (user %.1f, system %.1f)\n", $1, u + k, u, k }' \
        | sort -k2 -rn | tee "$OUT/$proto-$conn-$n.cpu.txt"
      tcp_counters | LC_ALL=C join - "$OUT/tcp-before" | awk '{ printf "%-24s %8d (kernel, all processes)\n", $1, $2 - $3 }' \
        | tee -a "$OUT/$proto-$conn-$n.cpu.txt"
      rm "$OUT/cpu-before" "$OUT/tcp-before"
    done
  done
done
echo "== after the bursts: /health $(curl -s -o /dev/null -w '%{http_code}' "localhost:$HTTP_PORT/health"), one more request:"
curl -fsS "localhost:$HTTP_PORT/v1/completions" -H 'content-type: application/json' \
  -d '{"model":"tiny","prompt":[1,2,3],"max_tokens":4}' | head -c 300
echo
echo "results in $OUT"
