#!/usr/bin/env bash
# Cache levels benchmark: the latency a client sees for one completion answered by each level of the
# response cache of a live `ferry serve` (tiny preset, created on first run), over HTTP, measured by
# curl (time_total, loopback): computed (miss), replayed in-process (l1), from Redis (l2: a second
# server sharing the Redis, without a results store) and from the results database (l3: the first
# server restarted on its H2 file with Redis flushed). Each answer's x-ferry-cache header is checked
# against the level measured. Needs redis-server and curl.
#
#   bench/cache-levels.sh [--requests N] [--tokens N] [--preset tiny|small]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requests=50 tokens=32 preset=tiny
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --tokens) tokens="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    *) echo "cache-levels.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "cache-levels.sh: needs redis-server (apt-get install -y redis-server)" >&2; exit 1; }
"$root/ferry" --version >/dev/null   # builds when stale

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$root/ferry" model create --arch llama --preset "$preset" --out "$work/store/model" >/dev/null 2>&1
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
pids+=($!)
redis="redis://127.0.0.1:$redis_port"

server_pid=""
server_port=""
# start_server NAME FLAGS...: a ferry serve on free ports; waits until it is ready
start_server() {
  local name="$1"; shift
  server_port="$(free_port)"
  FERRY_HOME="$work/home" "$root/ferry" serve --model-store "$work/store" --host 127.0.0.1 --grpc-port 0 \
    --http-port "$server_port" --no-watch-store --redis "$redis" "$@" 2>"$work/$name.log" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$server_port/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cache-levels.sh: $name did not become ready; its log:" >&2; cat "$work/$name.log" >&2; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

# lookup LEVEL: the server's own mean time from the start of a lookup to a hit at LEVEL (its /metrics)
lookup() {
  curl -s "http://127.0.0.1:$server_port/metrics" | awk -v l="level=\"$1\"" '
    index($0, "ferry_response_cache_hit_seconds_sum{") == 1 && index($0, l) { sum = $NF }
    index($0, "ferry_response_cache_hit_seconds_count{") == 1 && index($0, l) { n = $NF }
    END { if (n > 0) printf "      server side: lookup to hit, mean %.3f ms over %d hits\n", sum / n * 1000, n }'
}

# measure LEVEL: sends the N requests once each, records curl's time_total where the header says LEVEL
measure() {
  local level="$1" wrong=0
  : >"$work/$level.times"
  for i in $(seq "$requests"); do
    local body="{\"model\":\"model\",\"prompt\":\"cache levels request $i\",\"max_tokens\":$tokens,\"temperature\":0,\"ignore_eos\":true}"
    local out
    out="$(curl -s -o /dev/null -D "$work/headers" -w '%{http_code} %{time_total}' \
      -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$server_port/v1/completions")"
    local got
    got="$(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1)=="x-ferry-cache"{print $2}')"
    if [ "${out%% *}" = 200 ] && [ "$got" = "$level" ]; then
      echo "${out#* }" >>"$work/$level.times"
    else
      wrong=$((wrong + 1))
    fi
  done
  sort -n "$work/$level.times" | awk -v level="$level" -v wrong="$wrong" '
    function at(q,  i) { i = int(NR * q + 0.5); if (i < 1) i = 1; return t[i] }
    { t[NR] = $1 * 1000; sum += $1 * 1000 }
    END {
      if (NR == 0) { printf "%-5s no answer from this level (%d answered otherwise)\n", level, wrong; exit }
      printf "%-5s n=%-4d p50 %8.2f ms   p95 %8.2f ms   p99 %8.2f ms   mean %8.2f ms   (answered otherwise: %d)\n",
        level, NR, at(0.5), at(0.95), at(0.99), sum / NR, wrong }'
}

echo "cache-levels.sh: $requests greedy completions of $tokens tokens, preset $preset, on $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p'))"
start_server first --results-db "jdbc:h2:file:$work/results/results"
measure miss      # computed by the engine, stored at every level
measure l1        # the same requests again: in-process
lookup l1
sleep 2           # the database's writes are asynchronous
stop_server
start_server second --no-results-store
measure l2        # a fresh process sharing the Redis
lookup l2
stop_server
redis-cli -p "$redis_port" flushall >/dev/null
start_server first-again --results-db "jdbc:h2:file:$work/results/results"
measure l3        # Redis empty, in-process empty: the results database
lookup l3
stop_server
