#!/usr/bin/env bash
# joule vs libsml (Debian libsml-dev) on the SML streams of the test data, in one run.
# Builds our C harness over libsml and the joule side from source with -O3 into a
# temporary directory (nothing binary is committed), then prints ratio= lines.
# Usage: benchmarks/compare/meter/compare_sml.sh [stream.bin ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
shared="$(cd "$root/.." && pwd)/shared/testdata/meter/sml/streams"
if [ $# -eq 0 ]; then
  if [ -d "$shared" ]; then set -- "$shared"/*.bin; else set -- "$root"/tests/data/meter/sml/streams/*.bin; fi
fi
pkg-config --exists sml || { echo "libsml-dev missing: scripts/bootstrap bench" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
gcc -O3 -c "$here/libsml_harness.c" -o "$out/libsml_harness.o" $(pkg-config --cflags sml)
g++ -O3 -DNDEBUG -std=c++20 -I"$root/include" -I"$out" "$here/compare_sml.cpp" \
  "$root"/src/core/*.cpp "$root/src/meter/core/sml.cpp" "$out/libsml_harness.o" \
  $(pkg-config --libs sml) -o "$out/compare_sml"
"$out/compare_sml" "$@"
