#!/bin/sh
# Feeds DSMR telegrams through a socat pseudo-terminal pair at 115200 baud and checks that
# p1_reader reads every one of them (with garbage and a torn telegram in between).
#   run_pty_test.sh P1_READER TELEGRAM_FILE...
set -eu
reader=$1; shift
dir=$(mktemp -d)
trap 'kill $socat_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
socat pty,raw,echo=0,b115200,link="$dir/meter" pty,raw,echo=0,b115200,link="$dir/host" &
socat_pid=$!
i=0
while [ ! -e "$dir/meter" ] || [ ! -e "$dir/host" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "socat did not create the ptys"; exit 1; }; sleep 0.05
done
n=0
for f in "$@"; do n=$((n + 1)); done
"$reader" --count "$n" --timeout-ms 5000 "$dir/host" > "$dir/out" &
reader_pid=$!
sleep 0.3
{
  printf 'line noise\r\n'
  first=1
  for f in "$@"; do
    if [ $first = 1 ]; then head -c 150 "$f"; first=0; fi   # a torn telegram before the first
    cat "$f"
    sleep 0.1
  done
} > "$dir/meter"
wait $reader_pid
cat "$dir/out"
got=$(grep -c '^telegram ' "$dir/out")
[ "$got" -eq "$n" ] || { echo "expected $n telegrams, got $got"; exit 1; }
echo "p1_reader pty test: $got telegrams"
