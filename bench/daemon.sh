#!/bin/sh
# Measures `ringback run` on a generated book of 1000 prospects:
#   - idle wakeups: context switches of all its threads (from /proc) over DURATION seconds
#   - CPU seconds per hour and RSS while idle
#   - how long a config save takes to be seen and replanned
#   - how late the digest is sent after its scheduled second
#   bench/daemon.sh [DURATION]   (default 300 seconds)
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/ringback
duration=${1:-300}
dir=${TMPDIR:-/tmp}/ringback-daemon-bench
rm -rf "$dir"
python3 bench/gen.py 1000 10 "$dir" >/dev/null
# UTC, desktop off, email to files; the digest is set below.
sed -i 's/timezone = "America\/Toronto"/timezone = "UTC"/' "$dir/ringback.toml"
cat >>"$dir/ringback.toml" <<'TOML'

[notify.desktop]
enabled = false

[notify.email]
to = "bench@example.com"
from = "ringback <bench@example.com>"
transport = "file"
dir = "outbox"
TOML
# The state lives apart from the config, as it does by default (~/.local/state): the config
# folder is watched, and a state inside it would wake the watcher on every write.
mkdir -p "$dir/state"
"$bin" --config "$dir/ringback.toml" --state "$dir/state/state.db" check >/dev/null
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read())" "$dir/state/state.db" "$dir/events.sql"

# The digest fires 40 s after start, at a whole second.
digest_at=$(date -u -d "+40 seconds" +%s)
set -- $(date -u -d "@$digest_at" "+%S %M %H")
sed -i "/^\[me\]/i [schedule]\ndigest = \"$1 $2 $3 * * *\"\n" "$dir/ringback.toml"

RUST_LOG=info "$bin" --config "$dir/ringback.toml" --state "$dir/state/state.db" run 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 60
switches() { cat /proc/$pid/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
forced() { cat /proc/$pid/task/*/status | awk '/^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }'; }
# Nanoseconds on CPU, all threads (schedstat; /proc/PID/stat counts 10 ms ticks, too coarse).
cpu() { cat /proc/$pid/task/*/schedstat | awk '{ s += $1 } END { print s }'; }
per_thread() { for t in /proc/$pid/task/*; do echo "    $(cat $t/comm): $(awk '/^voluntary_ctxt/ { print $2 }' $t/status) voluntary switches"; done; }
s0=$(switches); f0=$(forced); c0=$(cpu); t0=$(date +%s.%N)
before=$(per_thread)
sleep "$duration"
s1=$(switches); f1=$(forced); c1=$(cpu); t1=$(date +%s.%N)
after=$(per_thread)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status)
threads=$(ls /proc/$pid/task | wc -l)
tick=$(getconf CLK_TCK)
python3 - "$s0" "$s1" "$c0" "$c1" "$t0" "$t1" "$rss" "$threads" "$tick" "$f0" "$f1" <<'PY'
import sys
s0, s1, c0, c1, t0, t1, rss, threads, tick, f0, f1 = map(float, sys.argv[1:])
minutes = (t1 - t0) / 60
print(f"idle over {minutes:.1f} min, {int(threads)} threads:")
print(f"  wakeups (voluntary context switches, all threads): {(s1 - s0) / minutes:.2f} per minute")
print(f"  preemptions (nonvoluntary context switches): {(f1 - f0) / minutes:.2f} per minute")
print(f"  CPU: {(c1 - c0) / 1e9 / (t1 - t0) * 3600:.4f} s per hour")
print(f"  RSS: {rss / 1024:.1f} MB")
PY
echo "  per thread, before and after:"; echo "$before"; echo "$after"

# Digest latency: the log line's timestamp against the scheduled second.
python3 - "$dir/log" "$digest_at" <<'PY'
import re, sys, datetime
for line in open(sys.argv[1]):
    if "email sent: email:digest" in line:
        ts = datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
        print(f"  digest sent {ts - int(sys.argv[2]):.3f} s after its scheduled second")
        break
else:
    print("  digest: not sent (see the log)")
PY

# Reload latency: save by rename, then read when the daemon logged the reload.
for i in 1 2 3 4 5; do
    cp "$dir/ringback.toml" "$dir/ringback.toml.new"
    echo "# save $i" >>"$dir/ringback.toml.new"
    before=$(date +%s.%N)
    mv "$dir/ringback.toml.new" "$dir/ringback.toml"
    n=0; until [ "$(grep -c 'config reloaded' "$dir/log")" -ge "$i" ] || [ $n -gt 100 ]; do sleep 0.01; n=$((n+1)); done
    python3 - "$dir/log" "$before" "$i" <<'PY'
import sys, datetime
lines = [l for l in open(sys.argv[1]) if "config reloaded" in l]
ts = datetime.datetime.fromisoformat(lines[int(sys.argv[3]) - 1].split()[0].replace("Z", "+00:00")).timestamp()
print(f"  save {sys.argv[3]}: reloaded {(ts - float(sys.argv[2])) * 1000:.0f} ms after the rename")
PY
    sleep 1
done
