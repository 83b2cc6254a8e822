#!/bin/sh
# Times `ringback check` on generated books, clean and with one missing `]` (the drip's `items`
# array left open), and counts the error lines.
#   bench/config-errors.sh [SIZES...]      (default: 16000 100000)
#   BIN=path/to/ringback bench/config-errors.sh ...   (default: a release build)
set -eu
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=$PWD/target/release/ringback
fi
sizes=${*:-16000 100000}
work=${TMPDIR:-/tmp}/ringback-bench-errors
for n in $sizes; do
    dir=$work/$n
    rm -rf "$dir"
    python3 bench/gen.py "$n" 0 "$dir" >/dev/null
    sed 's/^items = \[{ title = "Report" }, { title = "Case study" }\]$/items = [{ title = "Report" }, { title = "Case study" }/' \
        "$dir/ringback.toml" >"$dir/broken.toml"
    for book in ringback broken; do
        start=$(date +%s.%N)
        "$BIN" --config "$dir/$book.toml" --state "$dir/state.db" check >"$dir/$book.out" 2>&1 || true
        end=$(date +%s.%N)
        printf '%7s prospects, %-8s %6.2f s, %s output lines\n' "$n" "$book:" \
            "$(echo "$end - $start" | bc)" "$(wc -l <"$dir/$book.out")"
    done
done
