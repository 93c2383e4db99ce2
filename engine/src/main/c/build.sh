#!/usr/bin/env bash
# Builds ferry_kernels.c into OUT/<JNA platform folder>/libferrykernels.so, where JNA finds it on the
# class path (run by Maven in generate-resources). Without a working C compiler it builds nothing and
# says so: the engine then runs its products through OpenBLAS or libtorch (NativeKernels.available()).
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ferry_kernels.c"
out="$1"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86-64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  *) echo "ferry: no native kernels for $(uname -s) $(uname -m); the engine uses OpenBLAS or libtorch" >&2; exit 0 ;;
esac
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null; then
  echo "ferry: no C compiler ($cc): native kernels left out; batch-1 CPU decode steps take 5-22% longer" \
       "(apt-get install -y gcc libc6-dev)" >&2
  exit 0
fi
lib="$out/$platform/libferrykernels.so"
[ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "${BASH_SOURCE[0]}" ] && exit 0
mkdir -p "$out/$platform"
# No -march: the library must run on any CPU of its architecture; the loader picks the kernels'
# instruction set at run time. A compiler that cannot build it (no C library headers, say) leaves
# the engine as without one; NativeKernelsTest fails where cc exists and the kernels do not load.
# -Wno-psabi: GCC notes that 32-byte vector arguments changed ABI in 4.6; the kernels are one library, so it cannot matter
if ! "$cc" -O3 -fPIC -shared -Wall -Wno-psabi -o "$lib" "$src"; then
  rm -f "$lib"
  echo "ferry: the native kernels did not compile (above); the engine runs without them" \
       "(apt-get install -y gcc libc6-dev)" >&2
fi
