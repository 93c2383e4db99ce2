#!/usr/bin/env bash
# Runs dev.ferry.bench.Bf16Probe (can DJL hold and compute bfloat16 arrays?) against the project's
# DJL, or against another DJL release with everything else unchanged:
#
#   bench/bf16-probe.sh [--djl VERSION] [--device cpu|gpu0] [--out FILE.json]
#
# --djl VERSION puts ai.djl:api, ai.djl.pytorch:pytorch-engine VERSION and pytorch-jni
# <torch>-VERSION from the local Maven repository (M2_REPO, default ~/.m2/repository; fetched once with mvn dependency:get when
# missing) in place of the project's; libtorch stays the project's pytorch-native-cpu.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
djl=""
if [[ ${1:-} == --djl ]]; then
  djl=$2
  shift 2
fi
"$root/ferry" --version >/dev/null   # builds when stale
cp="bench/target/classes"
for jar in bench/target/lib/*.jar; do
  if [[ -n $djl ]]; then
    case $(basename "$jar") in api-0.*|pytorch-engine-*|pytorch-jni-*) continue ;; esac
  fi
  cp+=":$jar"
done
if [[ -n $djl ]]; then
  torch=$(sed -n 's:.*<pytorch.version>\(.*\)</pytorch.version>.*:\1:p' pom.xml)
  repo=${M2_REPO:-$HOME/.m2/repository}
  for gav in ai.djl:api:$djl ai.djl.pytorch:pytorch-engine:$djl ai.djl.pytorch:pytorch-jni:$torch-$djl; do
    IFS=: read -r group artifact version <<<"$gav"
    jar="$repo/${group//.//}/$artifact/$version/$artifact-$version.jar"
    [[ -f $jar ]] || mvn -q dependency:get -Dartifact="$gav" -Dtransitive=false >&2
    cp="$jar:$cp"
  done
fi
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
exec java ${FERRY_JAVA_OPTS:-} -cp "$cp" dev.ferry.bench.Bf16Probe "$@"
