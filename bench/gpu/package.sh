#!/usr/bin/env bash
# Packages what a CUDA machine without Java needs to run Ferry main classes:
#   <dest>/runtime/        a trimmed Java runtime made with jlink
#   <dest>/lib/            Ferry's jars and their runtime dependencies (no pytorch-native-cpu:
#                          the CUDA machine's own libtorch is used instead)
#   <dest>/jni/            DJL's JNI library built against that libtorch (only if given, see --jni)
#   <dest>/test/classes/M/ module M's compiled tests and test resources (folders: tests read their
#                          resources, the golden models, as files)
#   <dest>/test/lib/       the JUnit Platform console launcher (standalone jar) that runs them
#   <dest>/run-on-gpu.sh   the launcher: run-on-gpu.sh <main-class> [args...] | --junit [args...]
#
# usage: bench/gpu/package.sh [--skip-build] [--jni PATH/libdjl_torch.so] [DEST]
#   DEST           default <repo>/.gpu/pkg (emptied first)
#   --skip-build   do not run 'mvn install' (use the jars already in ~/.m2 and */target)
#   --jni PATH     copy a DJL JNI library you built (docs/gpu.md) into DEST/jni/
# environment:
#   FERRY_PKG_MODULES    Maven modules whose jars and runtime dependencies go in (default: engine bench
#                        server; modules without a pom.xml or not listed in the parent POM are skipped)
#   FERRY_PKG_TEST_MODULES  modules whose target/test-classes go in (default: engine; empty: none,
#                        and no JUnit launcher either)
#   FERRY_JUNIT_PLATFORM_VERSION  JUnit console launcher version (default: the platform version
#                        matching the parent POM's junit.version, 5.x.y -> 1.x.y)
#   FERRY_JLINK_MODULES  Java modules for the runtime
#   FERRY_PKG_MAX_MB     size limit for the whole package (default 60)
#   MVN                  Maven command (default: mvn)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKIP_BUILD=0
JNI=""
DEST=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --skip-build) SKIP_BUILD=1; shift ;;
    --jni) JNI=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) DEST=$1; shift ;;
  esac
done
DEST=${DEST:-$ROOT/.gpu/pkg}
MAX_MB=${FERRY_PKG_MAX_MB:-60}
MVN=${MVN:-mvn}
JLINK_MODULES=${FERRY_JLINK_MODULES:-java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.management}
# Natives for other platforms inside dependency jars (tokenizers, JNA) are removed to save space:
# a path segment matching this names another platform.
OTHER_PLATFORM_RE='^(linux-aarch64|linux-arm[^/]*|linux-x86|linux-ppc[^/]*|linux-s390x|linux-mips[^/]*|linux-riscv[^/]*|linux-loongarch[^/]*|osx-[^/]+|darwin[^/]*|win-[^/]+|win32-[^/]+|freebsd-[^/]+|openbsd-[^/]+|sunos-[^/]+|aix-[^/]+|dragonflybsd-[^/]+)$'

log() { echo "package: $*" >&2; }
die() { echo "package: ERROR: $*" >&2; exit 1; }

command -v jlink >/dev/null || die "jlink not found (needs a full JDK 17+ on PATH)"
[[ $(uname -m) == x86_64 ]] || log "WARNING: building on $(uname -m); the runtime only runs on that architecture"
[[ -z $JNI || -f $JNI ]] || die "--jni $JNI: no such file"

cd "$ROOT"
MODULES=()
for m in ${FERRY_PKG_MODULES:-engine bench server}; do
  if [[ -f $m/pom.xml ]] && grep -q "<module>$m</module>" pom.xml; then
    MODULES+=("$m")
  else
    log "skipping module '$m' (no $m/pom.xml or not in the parent POM)"
  fi
done
[[ ${#MODULES[@]} -gt 0 ]] || die "no Maven module to package"
PL=$(IFS=,; echo "${MODULES[*]}")

if [[ $SKIP_BUILD == 0 ]]; then
  log "mvn install (tests skipped)"
  $MVN -q -B -DskipTests install
fi

TEST_MODULES=${FERRY_PKG_TEST_MODULES-engine}
for m in $TEST_MODULES; do
  [[ -d $m/target/test-classes ]] || die "no $m/target/test-classes (build first, or drop --skip-build)"
done
JUNIT_VERSION=${FERRY_JUNIT_PLATFORM_VERSION:-$(sed -n 's:.*<junit.version>5\.\([0-9][0-9.]*\)</junit.version>.*:1.\1:p' pom.xml | head -1)}
[[ -z $TEST_MODULES || -n $JUNIT_VERSION ]] || die "cannot tell the JUnit platform version from pom.xml: set FERRY_JUNIT_PLATFORM_VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/lib" "$DEST/jni"

log "copying runtime dependencies of: $PL"
$MVN -q -B -pl "$PL" dependency:copy-dependencies \
  -DincludeScope=runtime \
  -DexcludeArtifactIds=pytorch-native-cpu,pytorch-native-cpu-precxx11,pytorch-native-cu128,pytorch-jni \
  -DoutputDirectory="$DEST/lib"
for m in "${MODULES[@]}"; do
  found=0
  for j in "$m"/target/*.jar; do
    [[ -f $j ]] || continue
    case $j in *-tests.jar|*-sources.jar|*-javadoc.jar|*/original-*.jar) continue ;; esac
    cp "$j" "$DEST/lib/"
    found=1
  done
  [[ $found == 1 ]] || die "no jar in $m/target (build first, or drop --skip-build)"
done
# tests-only jars must not be there
rm -f "$DEST"/lib/*-tests.jar
# Without an SLF4J provider DJL's log lines (native loading errors included) are dropped.
if ! ls "$DEST"/lib | grep -Eq '^(logback-classic|slf4j-simple|slf4j-jdk14|slf4j-reload4j|log4j-slf4j2?-impl)-'; then
  SLF4J_VERSION=$(ls "$DEST"/lib | sed -n 's/^slf4j-api-\(.*\)\.jar$/\1/p' | head -1)
  if [[ -n $SLF4J_VERSION ]]; then
    log "no SLF4J provider among the dependencies: adding slf4j-simple $SLF4J_VERSION"
    $MVN -q -B dependency:copy -Dartifact="org.slf4j:slf4j-simple:$SLF4J_VERSION" -DoutputDirectory="$DEST/lib"
  fi
fi

if [[ -n $TEST_MODULES ]]; then
  log "test classes of: $TEST_MODULES; JUnit console launcher $JUNIT_VERSION"
  mkdir -p "$DEST/test/classes" "$DEST/test/lib"
  for m in $TEST_MODULES; do
    cp -r "$m/target/test-classes" "$DEST/test/classes/$m"
  done
  # -N: resolve once, from the parent POM, not once per module
  $MVN -q -B -N dependency:copy \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$JUNIT_VERSION" -DoutputDirectory="$DEST/test/lib"
fi

# Strip natives for other platforms from dependency jars.
if command -v zip >/dev/null && command -v unzip >/dev/null; then
  for j in "$DEST"/lib/*.jar; do
    mapfile -t drop < <(unzip -Z1 "$j" | awk -F/ -v re="$OTHER_PLATFORM_RE" '
      /\.(so|so\.[0-9.]+|dll|dylib|jnilib|a)$/ { for (i = 1; i < NF; i++) if ($i ~ re) { print; break } }')
    if [[ ${#drop[@]} -gt 0 ]]; then
      zip -q -d "$j" "${drop[@]}" >/dev/null
      log "slimmed $(basename "$j"): removed ${#drop[@]} natives for other platforms"
    fi
  done
else
  log "zip/unzip not found: keeping natives for all platforms in the jars (package is larger)"
fi

log "jlink runtime: $JLINK_MODULES"
jlink --add-modules "$JLINK_MODULES" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$DEST/runtime"
# Some JDK builds (Debian's) ship libjvm.so with its full symbol table: 4 MB that nothing reads at run time.
if command -v strip >/dev/null; then
  find "$DEST/runtime/lib" -name '*.so' -exec strip --strip-unneeded {} +
fi

cp "$ROOT/bench/gpu/run-on-gpu.sh" "$DEST/run-on-gpu.sh"
chmod +x "$DEST/run-on-gpu.sh"
if [[ -n $JNI ]]; then
  cp "$JNI" "$DEST/jni/libdjl_torch.so"
  chmod 755 "$DEST/jni/libdjl_torch.so"
  command -v strip >/dev/null && strip --strip-unneeded "$DEST/jni/libdjl_torch.so" || true
fi

{
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "java: $("$DEST/runtime/bin/java" -version 2>&1 | head -1)"
  echo "jlink modules: $JLINK_MODULES"
  echo "maven modules: $PL"
  echo "jni: $( [[ -f $DEST/jni/libdjl_torch.so ]] && echo "jni/libdjl_torch.so (from $JNI)" || echo "none (supply one, see docs/gpu.md)")"
  echo "test classes: ${TEST_MODULES:-none}"
  [[ -d $DEST/test/lib ]] && echo "test launcher: $(ls "$DEST/test/lib")"
  echo "jars:"
  (cd "$DEST/lib" && ls -1 | sed 's/^/  /')
} >"$DEST/MANIFEST.txt"

SIZE_MB=$(du -sm "$DEST" | cut -f1)
echo "package: $DEST ($SIZE_MB MB; runtime $(du -sm "$DEST/runtime" | cut -f1) MB, lib $(du -sm "$DEST/lib" | cut -f1) MB, jni $(du -sm "$DEST/jni" | cut -f1) MB, test $( [[ -d $DEST/test ]] && du -sm "$DEST/test" | cut -f1 || echo 0) MB)"
if [[ $SIZE_MB -gt $MAX_MB ]]; then
  die "package is $SIZE_MB MB, over the ${MAX_MB} MB limit"
fi
