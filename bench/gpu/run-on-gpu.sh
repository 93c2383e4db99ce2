#!/usr/bin/env bash
# Runs a Ferry main class on a CUDA machine that has PyTorch (python3 + torch) but no Java,
# using a package made by bench/gpu/package.sh (bundled Java runtime + Ferry jars).
#
#   run-on-gpu.sh <main-class> [args...]
#   run-on-gpu.sh --junit [JUnit console arguments...]
#       runs the JUnit Platform console launcher on the package's test classes (test/classes/*,
#       put by package.sh) with test/lib/* and lib/* on the classpath; system properties for the
#       tests go in FERRY_JAVA_OPTS, e.g.
#       FERRY_JAVA_OPTS="-Xss4m -Dferry.test.device=gpu0" run-on-gpu.sh --junit execute \
#           --select-class dev.ferry.engine.model.GoldenTest
#
# Where things come from (each can be overridden by setting the variable yourself):
#   FERRY_PKG               package folder (default: the folder holding this script if it has
#                           runtime/ and lib/, else <repo>/.gpu/pkg)
#   PYTORCH_LIBRARY_PATH    libtorch folder (default: <python3 torch package>/lib)
#   PYTORCH_VERSION         e.g. 2.11.0   (default: torch.__version__ without the +local part)
#   PYTORCH_FLAVOR          e.g. cu130    (default: from torch.version.cuda, or cpu)
#   FERRY_DJL_JNI           DJL's JNI library built against that libtorch
#                           (default: $FERRY_PKG/jni/libdjl_torch.so); see docs/gpu.md
#   ENGINE_CACHE_DIR        DJL engine cache; the JNI is installed there under the name DJL
#                           looks for (default: ${XDG_CACHE_HOME:-$HOME/.cache}/ferry-djl)
#   FERRY_PYTHON            python interpreter that has torch (default: python3)
#   FERRY_JAVA_OPTS         extra JVM options (e.g. -Xmx8g)
#   FERRY_EXTRA_CLASSPATH   entries put in front of the package classpath
#   DJL_OFFLINE             default true: never download models or natives
#   FERRY_QUIET=1           do not print the resolved settings
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
fi

die() { echo "run-on-gpu: $*" >&2; exit 1; }
say() { [[ ${FERRY_QUIET:-0} == 1 ]] || echo "run-on-gpu: $*" >&2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -n ${FERRY_PKG:-} ]]; then
  PKG=$FERRY_PKG
elif [[ -d $HERE/runtime && -d $HERE/lib ]]; then
  PKG=$HERE
else
  PKG=$(cd "$HERE/../.." && pwd)/.gpu/pkg
fi
PKG=$(cd "$PKG" 2>/dev/null && pwd) || die "package folder not found: ${FERRY_PKG:-$PKG} (run bench/gpu/package.sh first)"

JAVA=${FERRY_JAVA:-$PKG/runtime/bin/java}
[[ -x $JAVA ]] || die "no Java runtime at $JAVA"
[[ -d $PKG/lib ]] || die "no lib/ folder in $PKG"

# --- libtorch: take it from the installed PyTorch unless told otherwise -------------------
PY=${FERRY_PYTHON:-python3}
if [[ -z ${PYTORCH_LIBRARY_PATH:-} || -z ${PYTORCH_VERSION:-} || -z ${PYTORCH_FLAVOR:-} ]]; then
  command -v "$PY" >/dev/null 2>&1 \
    || die "$PY not found: set PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR yourself"
  # One python start: prints torch dir, version, flavor, and the folder holding libcudart.
  TORCH_INFO=$("$PY" - <<'EOF'
import glob, os, torch
d = os.path.dirname(torch.__file__)
v = torch.__version__.split("+")[0]
c = torch.version.cuda
flavor = "cpu"
if c:
    parts = (c.split(".") + ["0"])[:2]
    flavor = "cu%s%s" % (parts[0], parts[1])
site = os.path.dirname(d)
rt = sorted(glob.glob(os.path.join(site, "nvidia", "**", "libcudart.so*"), recursive=True))
print(d)
print(v)
print(flavor)
print(os.path.dirname(rt[0]) if rt else "-")
EOF
) || die "could not import torch with $PY (set FERRY_PYTHON, or PYTORCH_LIBRARY_PATH/PYTORCH_VERSION/PYTORCH_FLAVOR)"
  { read -r TORCH_DIR; read -r T_VERSION; read -r T_FLAVOR; read -r CUDART_DIR; } <<<"$TORCH_INFO" || true
  [[ ${CUDART_DIR:-} == - ]] && CUDART_DIR=""
  : "${PYTORCH_LIBRARY_PATH:=$TORCH_DIR/lib}"
  : "${PYTORCH_VERSION:=$T_VERSION}"
  : "${PYTORCH_FLAVOR:=$T_FLAVOR}"
fi
[[ -f $PYTORCH_LIBRARY_PATH/libtorch.so ]] || die "no libtorch.so in PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH"
export PYTORCH_LIBRARY_PATH PYTORCH_VERSION PYTORCH_FLAVOR
# DJL loads every library in that folder; leave out PyTorch's test/Python-only ones.
export PYTORCH_LIBRARY_EXCLUSION=${PYTORCH_LIBRARY_EXCLUSION:-libtorch_python.so,libjitbackend_test.so,libtorchbind_test.so,libbackend_with_compiler.so,libaoti_custom_ops.so}
export DJL_OFFLINE=${DJL_OFFLINE:-true}

# --- DJL's JNI library ---------------------------------------------------------------------
DJL_VERSION=$(ls "$PKG"/lib/ | sed -n 's/^pytorch-engine-\([0-9][0-9.]*\)\.jar$/\1/p' | head -1)
[[ -n $DJL_VERSION ]] || die "no pytorch-engine-<version>.jar in $PKG/lib"
export ENGINE_CACHE_DIR=${ENGINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-djl}
case $(uname -m) in
  x86_64) CLASSIFIER=linux-x86_64 ;;
  aarch64) CLASSIFIER=linux-aarch64 ;;
  *) die "unsupported machine: $(uname -m)" ;;
esac
JNI_DIR=$ENGINE_CACHE_DIR/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-$CLASSIFIER
JNI_DEST=$JNI_DIR/$DJL_VERSION-libdjl_torch.so
JNI_SRC=${FERRY_DJL_JNI:-$PKG/jni/libdjl_torch.so}
if [[ -f $JNI_SRC ]]; then
  mkdir -p "$JNI_DIR"
  if ! cmp -s "$JNI_SRC" "$JNI_DEST" 2>/dev/null; then
    cp "$JNI_SRC" "$JNI_DEST.tmp.$$" && mv -f "$JNI_DEST.tmp.$$" "$JNI_DEST"
  fi
elif [[ -n ${FERRY_DJL_JNI:-} ]]; then
  die "FERRY_DJL_JNI=$FERRY_DJL_JNI does not exist"
elif [[ ! -f $JNI_DEST ]]; then
  say "WARNING: no JNI library in $PKG/jni/ and none at $JNI_DEST;"
  say "         DJL will try to download one (fails offline). Build it as docs/gpu.md says."
fi

# --- classpath and launch ------------------------------------------------------------------
CP="$PKG/lib/*"
if [[ $1 == --junit ]]; then
  shift
  ls "$PKG"/test/lib/junit-platform-console-standalone-*.jar >/dev/null 2>&1 \
    || die "no JUnit console launcher in $PKG/test/lib (package.sh puts it there)"
  # Test classes are folders, not jars: tests find their resources (golden models) as files.
  for d in "$PKG"/test/classes/*/; do
    [[ -d $d ]] && CP="${d%/}:$CP"
  done
  CP="$CP:$PKG/test/lib/*"
  set -- org.junit.platform.console.ConsoleLauncher "$@"
fi
[[ -n ${FERRY_EXTRA_CLASSPATH:-} ]] && CP="$FERRY_EXTRA_CLASSPATH:$CP"
JNA_OPT=()
[[ -n ${CUDART_DIR:-} ]] && JNA_OPT=("-Djna.library.path=$CUDART_DIR")
# Logback prints its whole status report at start when it finds a configuration twice (as it did
# while ferry-server.jar, which this class path holds twice, carried a logback.xml); kept quiet.
# FERRY_JAVA_OPTS comes later and can set it back.
LOG_OPT=(-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener)

say "package=$PKG"
say "PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH PYTORCH_VERSION=$PYTORCH_VERSION PYTORCH_FLAVOR=$PYTORCH_FLAVOR"
say "jni=$JNI_DEST"
# shellcheck disable=SC2086
exec "$JAVA" "${LOG_OPT[@]}" ${FERRY_JAVA_OPTS:-} "${JNA_OPT[@]}" -cp "$CP" "$@"
