#!/bin/sh
# Logs a few weeks of history for the example book into a scratch state, so that
# `ringback agenda` on config/ringback.toml shows every situation the example describes.
#   config/example-log.sh [STATE]    (default: target/example.db; an existing file is replaced)
set -eu
cd "$(dirname "$0")/.."
state=${1:-target/example.db}
mkdir -p "$(dirname "$state")"
rm -f "$state" "$state-wal" "$state-shm"
rb() { ${RINGBACK:-cargo run --quiet --release --} --config config/ringback.toml --state "$state" "$@" >/dev/null; }
rb log carla-mendes voicemail --at 2026-11-09T17:10
rb log carla-mendes voicemail --at 2026-11-11T17:05
rb log dev-patel no-answer --at 2026-11-12T08:40
rb log dev-patel voicemail --at 2026-11-16T08:45 --promise 2026-11-18
rb log erin-oconnor gatekeeper --at 2026-11-23T07:35 --note "Tom says try Wednesday"
rb log farid-haddad no-answer --at 2026-11-05T17:20
rb log farid-haddad voicemail --at 2026-11-09T17:15 --no-promise
rb log gus-lindqvist voicemail --at 2026-10-05T08:00
rb log gus-lindqvist no-answer --at 2026-10-07T08:00
rb log gus-lindqvist emailed --at 2026-10-12T09:00
rb log gus-lindqvist voicemail --at 2026-10-19T08:00
rb log gus-lindqvist no-answer --at 2026-10-26T08:00
rb log gus-lindqvist voicemail --at 2026-11-09T08:00 --no-promise
rb log hana-sato spoke --at 2026-08-03T18:00 --note "interested, but budget is frozen"
rb log hana-sato not-interested --at 2026-08-24T18:00 --note "revisit next year"
rb log ivan-petrov meeting --at 2026-10-20T10:00 --note "renewal signed"
echo "example history logged into $state; try:"
echo "  cargo run --release -- --config config/ringback.toml --state $state agenda --at 2026-11-24T07:00"
