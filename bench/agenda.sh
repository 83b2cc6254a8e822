#!/bin/sh
# Times the real binary on generated books and compares with `remind -n` on as many reminders.
#   bench/agenda.sh [SIZES...]        (default: 1000 10000 100000; 10 events per prospect)
# Needs hyperfine, remind and sqlite3-capable python3 (installed by scripts/test.sh as root,
# plus `apt-get install hyperfine remind`). Prints median wall time and peak RSS per command.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/ringback
sizes=${*:-1000 10000 100000}
events=${EVENTS:-10}
work=${TMPDIR:-/tmp}/ringback-bench
for n in $sizes; do
    dir=$work/$n
    rm -rf "$dir"
    python3 bench/gen.py "$n" "$events" "$dir"
    "$bin" --config "$dir/ringback.toml" --state "$dir/state.db" check >/dev/null
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read())" \
        "$dir/state.db" "$dir/events.sql"
    at=2026-11-24T07:00
    echo "== $n prospects x $events events"
    hyperfine --warmup 2 --runs 10 --export-json "$dir/h.json" -N \
        "$bin --config $dir/ringback.toml --state $dir/state.db agenda --json --at $at" \
        "$bin --config $dir/ringback.toml --state $dir/state.db check" \
        "remind -n $dir/reminders.rem 2026-11-24" >/dev/null 2>&1
    python3 - "$dir/h.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = [statistics.median(x["times"]) for x in r]
for x, m in zip(r, med):
    print(f"  {x['command'].split('/')[-1][:60]:<60} median {m*1000:8.1f} ms")
print(f"  agenda/remind ratio: {med[0]/med[2]:.2f}")
PY
    for cmd in "agenda --json --at $at" "check"; do
        python3 - "$bin" "$dir" $cmd <<'PY'
import resource, subprocess, sys
b, d, *args = sys.argv[1:]
subprocess.run([b, "--config", f"{d}/ringback.toml", "--state", f"{d}/state.db", *args], stdout=subprocess.DEVNULL, check=True)
print(f"  peak RSS {' '.join(args[:1])}: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024:.1f} MB")
PY
    done
done
