#!/bin/sh
# Runs every test with the clock moved to other days, to find a test whose verdict depends on
# the real date: a month and a year from today, the next DST change in America/Toronto and in
# Europe/Berlin, 29 February 2028 and 31 December (this year's, or next year's from 31 Dec on).
# Slow (a full run per date), so not part of CI; see the README's development section.
#
#   scripts/faketime-sweep.sh                 # every date
#   scripts/faketime-sweep.sh 2028-02-29      # one date (anything `date -d` reads)
#
# libfaketime moves the test's clock and, through tests/it/helpers.rs, the clock of every
# `ringback` command a test runs (by the same offset from the real clock, so that they agree). It cannot move a running daemon's sleeps (a CLOCK_REALTIME
# timerfd goes straight to the kernel), so the tests that time a live daemon are skipped by
# name below, each with its reason. Each date's log is kept in target/faketime-sweep/.
set -eu
cd "$(dirname "$0")/.."

preload=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ ! -e "$preload" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime >/dev/null
    else
        echo "the sweep needs libfaketime: sudo apt-get install faketime" >&2
        exit 1
    fi
fi

# Skipped by name, each for its reason (a live daemon's timing is what it tests):
# - the wall-clock timer arms a CLOCK_REALTIME timerfd at a faked instant, which the kernel
#   then waits for in real time: it would hang until that date comes.
# - the feed flood waits for a digest due at the next real minute in a daemon's own timerfd:
#   the same.
skips="
daemon::the_wall_clock_timer_fires_at_its_instant_not_before
ics::a_flood_of_idle_connections_neither_stops_the_daemon_nor_holds_up_the_digest_or_a_nudge
"

if [ $# -gt 0 ]; then
    dates="$*"
else
    # The next DST change of a zone, as a date: the first day whose noon offset differs from
    # the day before's.
    next_change() {
        python3 - "$1" <<'PY'
import datetime, sys, zoneinfo
zone = zoneinfo.ZoneInfo(sys.argv[1])
day = datetime.date.today()
noon = lambda d: datetime.datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset()
while noon(day + datetime.timedelta(days=1)) == noon(day):
    day += datetime.timedelta(days=1)
print(day + datetime.timedelta(days=1))
PY
    }
    year=$(date +%Y)
    [ "$(date +%m-%d)" = 12-31 ] && year=$((year + 1))
    dates="$(date -d '+1 month' +%F) $(date -d '+1 year' +%F) $(next_change America/Toronto) $(next_change Europe/Berlin) 2028-02-29 $year-12-31"
fi

# Build once, with what the tests need installed (scripts/test.sh passes --no-run to cargo).
scripts/test.sh --no-run
export RINGBACK_HOLIDAYS_PYTHON="$PWD/target/holidays-venv/bin/python"
binaries=$(cargo test --locked --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')

skip_args=""
for s in $skips; do skip_args="$skip_args --skip $s"; done

mkdir -p target/faketime-sweep
failed=""
for day in $dates; do
    # 10:00 in Toronto (the tests' usual zone) on that day, as an offset from the real clock
    # rather than a fixed start: every process a test starts then reads the same time.
    offset=$(($(date -d "$day 15:00 UTC" +%s) - $(date +%s)))
    log="target/faketime-sweep/$day.log"
    : >"$log"
    echo "== $day (clock moved by ${offset}s; log in $log)"
    ok=yes
    for bin in $binaries; do
        # shellcheck disable=SC2086
        if ! LD_PRELOAD="$preload" FAKETIME="+$offset" DONT_FAKE_MONOTONIC=1 \
            "$bin" $skip_args >>"$log" 2>&1; then
            ok=no
        fi
    done
    grep -E '^test .* FAILED$|^test result' "$log" || true
    [ $ok = yes ] || failed="$failed $day"
done
if [ -n "$failed" ]; then
    echo "failed on:$failed" >&2
    exit 1
fi
echo "every test passed on: $dates"
