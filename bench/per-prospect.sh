#!/bin/sh
# Times the commands a seller types about one prospect, and the calendar feed, on the book of
# issue 20: 10k prospects x 5 events each (bench/gen.py), with its daily cap of 50 calls and
# without it. Goals: log, undo, why, next, set <= 50 ms; ics and one feed GET <= 150 ms.
#   bench/per-prospect.sh            BIN=path/to/ringback bench/per-prospect.sh
#   OLD=path/to/another/ringback bench/per-prospect.sh   times that binary too
# Needs hyperfine and curl. Prints the median of 10 runs (2 warm-up runs; the file cache is
# warm), in milliseconds. `log`, `undo` and `set` change the book or the state: each run works
# on a fresh copy (the copy is not timed; hyperfine's --prepare).
set -eu
for tool in hyperfine curl python3; do
    command -v "$tool" >/dev/null || { echo "bench/per-prospect.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
[ -n "${BIN:-}" ] && BIN=$(realpath "$BIN")
[ -n "${OLD:-}" ] && OLD=$(realpath "$OLD")
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=$PWD/target/release/ringback
fi
work=${TMPDIR:-/tmp}/ringback-bench
at=2026-11-24T07:00
dir=$work/10000x5
# A state an older build cannot read (made by a newer one in an earlier run) is made again.
if [ -f "$dir/done" ] && [ -n "${OLD:-}" ] \
    && ! "$OLD" --config "$dir/ringback.toml" --state "$dir/state.db" next --at 2026-11-24T07:00 >/dev/null 2>&1; then
    rm "$dir/done"
fi
if [ ! -f "$dir/done" ]; then
    rm -rf "$dir"
    python3 bench/gen.py 10000 5 "$dir"
    # Made by the older build when there are two: a newer one reads (and migrates) its state.
    "${OLD:-$BIN}" --config "$dir/ringback.toml" --state "$dir/state.db" log p0 spoke --at 2026-01-02 >/dev/null
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript('DELETE FROM events; DELETE FROM seen;' + open(sys.argv[2]).read())" \
        "$dir/state.db" "$dir/events.sql"
    touch "$dir/done"
fi
# The same book without its cap: prospects are then planned each on their own.
sed 's/^max_calls_per_day = 50$//' "$dir/ringback.toml" > "$dir/nocap.toml"
scratch=$work/scratch
mkdir -p "$scratch"
# Each binary times its own copy of the state, as it stands once that build has run on the book
# (the daemon keeps what the numbers read as, and a newer build migrates the state): a command
# that writes, then its undo.
warm() {
    cp "$dir/state.db" "$dir/$2"
    "$1" --config "$dir/nocap.toml" --state "$dir/$2" log p0 spoke --at 2026-01-02 >/dev/null
    "$1" --config "$dir/nocap.toml" --state "$dir/$2" undo p0 >/dev/null
    # The two commands dated every first sighting today: as a daemon would have left them,
    # long before the bench's day (so no timed command records them again), and no undone row.
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript('UPDATE seen SET at = 1767312000; DELETE FROM undone;')" "$dir/$2"
}
warm "$BIN" bin.db
[ -n "${OLD:-}" ] && warm "$OLD" old.db

median() {
    hyperfine -N --warmup 2 --runs 10 --export-json "$work/h.json" "$@" >/dev/null 2>&1
    python3 -c "
import json, statistics
print(' '.join(f\"{statistics.median(r['times']) * 1000:.1f}\" for r in json.load(open('$work/h.json'))['results']))"
}

# One row: a label, the book (ringback.toml or nocap.toml), the arguments; with PREPARE set, a
# fresh copy of the book and state before each run.
row() {
    label=$1 book=$2 args=$3
    set -- "$BIN --config $scratch/$book --state $scratch/bin.db $args"
    [ -n "${OLD:-}" ] && set -- "$@" "$OLD --config $scratch/$book --state $scratch/old.db $args"
    prepare="cp $dir/$book $dir/bin.db $dir/old.db $scratch/"
    [ -n "${OLD:-}" ] || prepare="cp $dir/$book $dir/bin.db $scratch/"
    $prepare
    printf '%-44s %s\n' "$label" "$(median --prepare "$prepare" "$@")"
}

echo "10k prospects x 5 events; ms (median of 10)${OLD:+; this binary, then \$OLD}"
for book in nocap.toml ringback.toml; do
    case $book in nocap.toml) cap="no cap";; *) cap="cap 50";; esac
    # p17's next item is an email; p18's a call, which a binding cap rolls for weeks.
    row "why p17 ($cap)" "$book" "why p17 --at $at"
    row "why p18 ($cap)" "$book" "why p18 --at $at"
    row "log p18 no-answer ($cap)" "$book" "log p18 no-answer --at $at"
    row "undo p3 ($cap)" "$book" "undo p3"
    row "set p18 hook=... ($cap)" "$book" "set p18 hook=sails"
    row "next ($cap)" "$book" "next --at $at"
    row "ics, 30 days ($cap)" "$book" "ics --at $at"
done

# One feed GET from a running daemon: after a change (planned), then an unchanged one (served
# from the last build). The daemon runs on the scratch copy with the feed on a free port.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
cp "$dir/nocap.toml" "$dir/bin.db" "$scratch/"
printf '\n[calendar]\nlisten = "127.0.0.1:%s"\n\n[notify.desktop]\nenabled = false\n' "$port" >> "$scratch/nocap.toml"
url=$("$BIN" --config "$scratch/nocap.toml" --state "$scratch/bin.db" ics --url)
"$BIN" --config "$scratch/nocap.toml" --state "$scratch/bin.db" run 2>/dev/null &
daemon=$!
trap 'kill $daemon 2>/dev/null' EXIT
i=0; until curl -s -o /dev/null "$url" || [ $i -gt 100 ]; do sleep 0.1; i=$((i+1)); done
# Planned: an event logged before each GET changes the state, so the feed is built again.
planned=$(median --prepare "$BIN --config $scratch/nocap.toml --state $scratch/bin.db log p5 no-answer" "curl -s -o /dev/null $url")
again=$(median "curl -s -o /dev/null $url")
printf '%-44s %s\n' "feed GET after a change (no cap)" "$planned"
printf '%-44s %s\n' "feed GET, unchanged (no cap)" "$again"
