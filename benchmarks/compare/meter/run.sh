#!/usr/bin/env bash
# Times joule against libmbus (C source bundled in the npm package node-mbus 2.2.6) and against
# pymodbus's Modbus TCP/RTU framers, in one run, and prints ratio= lines.
# Usage: benchmarks/compare/meter/run.sh        (needs npm, gcc, python3-pymodbus)
# The peer is fetched by npm into a scratch directory outside the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
scratch="${JOULE_BENCH_SCRATCH:-${TMPDIR:-/tmp}/joule-bench-meter}"
mkdir -p "$scratch"
cd "$scratch"
if [ ! -d package/libmbus ]; then
  npm pack node-mbus@2.2.6 >/dev/null
  tar xzf node-mbus-2.2.6.tgz
fi
lib="$scratch/package/libmbus"
frames=("$repo"/tests/data/meter/mbus/frames/*.hex)
gcc -O2 -w -I"$lib/mbus" -I"$scratch/package" "$here/libmbus_bench.c" "$lib/mbus/mbus-protocol.c" \
    "$lib/mbus/mbus-protocol-aux.c" "$lib/mbus/mbus-serial.c" "$lib/mbus/mbus-tcp.c" -lm -o libmbus_bench
g++ -std=c++20 -O2 -DNDEBUG -I"$repo/include" "$here/joule_mbus_bench.cpp" "$repo/src/meter/core/mbus.cpp" \
    "$repo/src/core/decimal.cpp" "$repo/src/core/units.cpp" -o joule_mbus_bench
g++ -std=c++20 -O2 -DNDEBUG -I"$repo/include" "$here/joule_modbus_bench.cpp" "$repo/src/meter/core/modbus.cpp" \
    -o joule_modbus_bench
peer=$(./libmbus_bench "${frames[@]}")
ours=$(./joule_mbus_bench "${frames[@]}")
echo "$peer"
echo "$ours"
p=$(echo "$peer" | sed -n 's/.*frames_per_s=\([0-9.]*\).*/\1/p')
o=$(echo "$ours" | sed -n 's/.*frames_per_s=\([0-9.]*\).*/\1/p')
echo "ratio=$(python3 -c "print(round($o/$p, 1))") mbus joule/libmbus frames per second"
/usr/bin/python3 "$here/pymodbus_framing.py" "$scratch/joule_modbus_bench"
