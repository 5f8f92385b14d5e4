#!/usr/bin/env bash
# joule vs smartmeter-obis (npm) and vs a plain memchr line scan on the DSMR and IEC 62056-21
# test telegrams, in one run; prints ratio= lines. smartmeter-obis is installed by npm into a
# scratch directory outside the repository (nothing is committed).
# Usage: benchmarks/compare/meter/compare_dsmr.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
scratch="${JOULE_BENCH_SCRATCH:-${TMPDIR:-/tmp}/joule-bench-dsmr}"
mkdir -p "$scratch"
if [ ! -d "$scratch/node_modules/smartmeter-obis" ]; then
  (cd "$scratch" && npm install --silent --no-audit --no-fund smartmeter-obis >/dev/null)
fi
files=("$root"/tests/data/meter/dsmr/*.txt "$root"/tests/data/meter/iec62056-21/*.txt)
g++ -std=c++20 -O2 -DNDEBUG -I"$root/include" "$here/compare_dsmr.cpp" "$root"/src/core/*.cpp \
    "$root/src/meter/core/obis_text.cpp" "$root/src/meter/core/dsmr.cpp" "$root/src/meter/core/iec62056_21.cpp" \
    -o "$scratch/compare_dsmr"
ours=$("$scratch/compare_dsmr" "${files[@]}")
peer=$(SMARTMETER_OBIS="$scratch/node_modules/smartmeter-obis" node "$here/compare_dsmr.js" "${files[@]}")
echo "$ours"
echo "$peer"
j=$(echo "$ours" | sed -n 's/^joule .*mb_per_s=\([0-9.]*\).*/\1/p')
m=$(echo "$ours" | sed -n 's/^memchr .*mb_per_s=\([0-9.]*\).*/\1/p')
p=$(echo "$peer" | sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p')
echo "ratio=$(python3 -c "print(round($j/$p, 1))") dsmr+d0 joule/smartmeter-obis bytes per second (target >= 50)"
echo "ratio=$(python3 -c "print(round($m/$j, 2))") dsmr+d0 memchr-scan/joule time (target <= 4)"
