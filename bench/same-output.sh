#!/bin/sh
# Checks that two ringback binaries print the same bytes for the same books and times:
#   bench/same-output.sh OLD_BINARY NEW_BINARY BOOK_DIR...
# Each BOOK_DIR holds ringback.toml and state.db (bench/agenda.sh leaves them under
# ${TMPDIR:-/tmp}/ringback-bench). Prints one line per difference; exits 1 if there is any.
set -u
if [ $# -lt 3 ]; then
    echo "usage: bench/same-output.sh OLD_BINARY NEW_BINARY BOOK_DIR..." >&2
    exit 2
fi
old=$1 new=$2
shift 2
status=0
for dir in "$@"; do
    # `check` shows the next digest from now: once per book, the two builds right after each other.
    a=$("$old" --config "$dir/ringback.toml" --state "$dir/state.db" check 2>&1; echo "exit $?")
    b=$("$new" --config "$dir/ringback.toml" --state "$dir/state.db" check 2>&1; echo "exit $?")
    if [ "$a" != "$b" ]; then
        echo "differs: $dir check"
        status=1
    fi
    for at in 2026-11-24T07:00 2026-11-24T12:30 2026-11-28T09:00 2026-12-31T18:00; do
        for args in "agenda --json" "agenda" "agenda --days 7" "agenda --days 7 --json" "next" "next --json" "digest"; do
            # shellcheck disable=SC2086
            a=$("$old" --config "$dir/ringback.toml" --state "$dir/state.db" $args --at "$at" 2>&1; echo "exit $?")
            # shellcheck disable=SC2086
            b=$("$new" --config "$dir/ringback.toml" --state "$dir/state.db" $args --at "$at" 2>&1; echo "exit $?")
            if [ "$a" != "$b" ]; then
                echo "differs: $dir $args --at $at"
                status=1
            fi
        done
    done
done
[ $status = 0 ] && echo "same output for every book, time and command"
exit $status
