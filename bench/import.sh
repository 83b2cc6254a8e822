#!/bin/sh
# Times `ringback import` on generated contact exports (issue 18: import was quadratic; goal
# 100k rows <= 5 s). Each row has a unique name, email and phone (+1 416, so every zone is
# guessed from the phone).
#   bench/import.sh              BIN=path/to/ringback bench/import.sh   (default: a release build)
# Prints the wall time and peak RSS of one run per size (GNU time: `apt-get install time`), into a fresh copy of a
# small book each time.
set -eu
[ -n "${BIN:-}" ] && BIN=$(realpath "$BIN")
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=$PWD/target/release/ringback
fi
work=${TMPDIR:-/tmp}/ringback-import-bench
mkdir -p "$work"
cat > "$work/base.toml" <<'TOML'
[me]
name = "Dana"
phone = "+1 416 555 0199"
timezone = "America/Toronto"
[cadences.standard]
steps = [{ wait = "0 days", action = "call" }]
TOML
for n in 2000 10000 20000 100000; do
    csv=$work/c$n.csv
    [ -f "$csv" ] || python3 -c "
import sys
n = int(sys.argv[1])
with open(sys.argv[2], 'w') as f:
    f.write('First Name,Last Name,Company,Email,Phone,Country\n')
    for i in range(n):
        f.write(f'Ann{i},Lee{i},Co {i},ann{i}@example.com,+1 416 {200 + i // 10000:03d} {i % 10000:04d},Canada\n')
" "$n" "$csv"
    cp "$work/base.toml" "$work/book.toml"
    rm -f "$work/state.db"
    size=$(wc -c < "$csv")
    /usr/bin/time -f "$n rows ($size bytes): %e s, peak %M KB" \
        "$BIN" --config "$work/book.toml" --state "$work/state.db" import "$csv" > /dev/null
done
