#!/bin/sh
# Times the real binary on generated books (bench/gen.py), the rows issue 9 sets targets for:
#   bench/agenda.sh            BIN=path/to/ringback bench/agenda.sh    (default: a release build)
#   OLD=path/to/another/ringback bench/agenda.sh   times that binary too, in the same hyperfine
#                                                  invocation, right after this one
#   1. agenda --json, 1k prospects, no history        (target <= 5 ms)
#   2. agenda --json, 10k prospects, no history        (target <= 35 ms, <= 30 MB)
#   3. agenda (text and --json), 10k, against `remind -n` on 10k dated reminders (targets
#      <= 3x remind for text, <= 4x for JSON)
#   4. agenda --json, 100k prospects x 10 events       (target <= 0.35 s, <= 200 MB)
# Needs hyperfine and remind (`apt-get install hyperfine remind`) and python3. Prints the median
# of 20 runs (3 warm-up runs first: the file cache is warm, as for a person at a terminal) and
# the peak RSS of one run.
set -eu
for tool in hyperfine remind python3; do
    command -v "$tool" >/dev/null || { echo "bench/agenda.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
# Paths given relative to where the script was started from, before moving to the repository.
[ -n "${BIN:-}" ] && BIN=$(realpath "$BIN")
[ -n "${OLD:-}" ] && OLD=$(realpath "$OLD")
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=$PWD/target/release/ringback
fi
work=${TMPDIR:-/tmp}/ringback-bench
at=2026-11-24T07:00

# A book and its state: the state is created by one `log`, emptied, then filled from events.sql.
book() {
    dir=$work/$1x$2${3:-}
    # A state an older build cannot read (made by a newer one in an earlier run) is made again.
    if [ -f "$dir/done" ] && [ -n "${OLD:-}" ] \
        && ! "$OLD" --config "$dir/ringback.toml" --state "$dir/state.db" next --at 2026-11-24T07:00 >/dev/null 2>&1; then
        rm "$dir/done"
    fi
    if [ ! -f "$dir/done" ]; then
        rm -rf "$dir"
        python3 bench/gen.py "$1" "$2" "$dir" ${3:-}
        # Made by the older build when there are two: a newer one reads (and migrates) its state.
        "${OLD:-$BIN}" --config "$dir/ringback.toml" --state "$dir/state.db" log p0 spoke --at 2026-01-02 >/dev/null
        python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript('DELETE FROM events; DELETE FROM seen;' + open(sys.argv[2]).read())" \
            "$dir/state.db" "$dir/events.sql"
        touch "$dir/done"
    fi
    echo "$dir"
}

median() {
    hyperfine -N --warmup 3 --runs 20 --export-json "$work/h.json" "$@" >/dev/null 2>&1
    python3 -c "
import json, statistics
for r in json.load(open('$work/h.json'))['results']:
    print(f\"{statistics.median(r['times']) * 1000:.1f}\")"
}

rss() {
    python3 -c "
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(f'{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}')" "$@"
}

# Each build reads its own copy of a book's state, as it stands once that build has run on the
# book (the daemon keeps what the numbers read as, and a newer build migrates the state): a
# command that writes, then its undo.
warm() {
    cp "$2/state.db" "$2/$3"
    "$1" --config "$2/ringback.toml" --state "$2/$3" log p0 spoke --at 2026-01-02 >/dev/null
    "$1" --config "$2/ringback.toml" --state "$2/$3" undo p0 >/dev/null
    # The two commands dated every first sighting today: as a daemon would have left them,
    # long before the bench's day (so no timed command records them again), and no undone row.
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript('UPDATE seen SET at = 1767312000; DELETE FROM undone;')" "$2/$3"
}

mkdir -p "$work"
d1=$(book 1000 0)
d10=$(book 10000 0)
# Every prospect due on the bench's day, no cap: the 1 MB agenda the remind ratio is about.
ddue=$(book 10000 0 due)
d100=$(book 100000 10)
for dir in "$d1" "$d10" "$d100" "$ddue"; do
    warm "$BIN" "$dir" bin.db
    [ -n "${OLD:-}" ] && warm "$OLD" "$dir" old.db
done
rb() { echo "$BIN --config $1/ringback.toml --state $1/bin.db $2 --at $at"; }
old() { echo "$OLD --config $1/ringback.toml --state $1/old.db $2 --at $at"; }

# Every command once, outside any $(...): one that fails stops the script here, with its error,
# rather than leaving a blank cell below.
for dir in "$d1" "$d10" "$d100" "$ddue"; do
    for build in rb ${OLD:+old}; do
        # shellcheck disable=SC2046
        $($build "$dir" "agenda --json") >/dev/null
    done
done
# shellcheck disable=SC2046
$(rb "$ddue" agenda) > "$ddue/out.txt"

# One row: the median and peak RSS of this binary, then of $OLD when given (timed one after the
# other in the same hyperfine invocation).
row() {
    label=$1 dir=$2 args=$3
    if [ -n "${OLD:-}" ]; then
        times=$(median "$(rb "$dir" "$args")" "$(old "$dir" "$args")" | tr '\n' ' ')
        # shellcheck disable=SC2046
        printf '%-36s %10s %8s %11s %8s\n' "$label" "${times%% *}" "$(rss $(rb "$dir" "$args"))" \
            "$(echo "$times" | cut -d' ' -f2)" "$(rss $(old "$dir" "$args"))"
    else
        # shellcheck disable=SC2046
        printf '%-36s %10s %8s\n' "$label" "$(median "$(rb "$dir" "$args")")" "$(rss $(rb "$dir" "$args"))"
    fi
}

# The agenda (text, or with a second argument `agenda --json`) against remind in one run: the
# ratio the targets are about (3x for text, 4x for JSON).
ratio() {
    both=$(median "$($1 "$ddue" "${2:-agenda}")" "remind -n $ddue/reminders.rem 2026-11-24" | tr '\n' ' ')
    python3 -c "a, b = '$both'.split(); print(f'{float(a):.1f} ms / {float(b):.1f} ms = {float(a) / float(b):.2f}x')"
}

printf '%-36s %10s %8s %11s %8s\n' "" "median ms" "peak MB" "${OLD:+old median}" "${OLD:+old MB}"
row "agenda --json, 1k, no history" "$d1" "agenda --json"
row "agenda --json, 10k, no history" "$d10" "agenda --json"
row "agenda (text), 10k" "$d10" agenda
row "agenda --json, 100k x 10 events" "$d100" "agenda --json"
echo "every prospect due, 10k: $(wc -c < "$ddue/out.txt") bytes, $(wc -l < "$ddue/out.txt") lines of text"
echo "agenda (text) 10k due / remind -n 10k: $(ratio rb)"
echo "agenda --json 10k due / remind -n 10k: $(ratio rb "agenda --json")"
if [ -n "${OLD:-}" ]; then
    echo "old agenda (text) / remind -n:          $(ratio old)"
    echo "old agenda --json / remind -n:          $(ratio old "agenda --json")"
fi
