#!/bin/sh
# Runs every ringback test, the end-to-end ones included, after installing what they need.
# As root on Debian it installs missing packages with apt-get; otherwise it names them and stops.
set -eu
cd "$(dirname "$0")/.."

# Debian packages the end-to-end tests start: a session bus, a notification server under a
# virtual X display, libphonenumber (the oracle for import's zone guesses), libical and
# icalendar (two parsers that read the calendar feed back), and what builds and checks the
# Debian package (dpkg-dev for its dependencies, groff for its manual page), and Chromium, the
# real browser the digest's HTML is read in.
packages="dbus dbus-x11 dunst xvfb libnotify-bin python3-aiosmtpd openssl systemd python3-phonenumbers tzdata iso-codes gir1.2-ical-3.0 python3-gi python3-icalendar dpkg-dev groff-base man-db gzip tmux python3-venv chromium dovecot-imapd"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The zone tables (src/import/zones.txt) were generated against tzdata 2026f, and the tests
# read zones from the system: as root, tzdata is brought up to date as well (a stale image
# would, for one, still move Vancouver's clocks in November 2026).
tzdata_version=$(dpkg-query -W -f='${Version}' tzdata 2>/dev/null || echo none)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && dpkg --compare-versions "$tzdata_version" lt 2026f; then
    missing="$missing tzdata"
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "the tests need these Debian packages:$missing" >&2
        echo "install them (sudo apt-get install$missing) or run this script as root" >&2
        exit 1
    fi
fi

# The holiday table is checked against the `holidays` package it is generated from (PyPI,
# pinned with hashes), in a venv of its own.
holidays_venv=target/holidays-venv
if ! "$holidays_venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("holidays") != "0.109")' 2>/dev/null; then
    echo "installing holidays 0.109 into $holidays_venv"
    rm -rf "$holidays_venv"
    /usr/bin/python3 -m venv "$holidays_venv"
    "$holidays_venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: -r scripts/holidays-requirements.txt
fi
"$holidays_venv/bin/python" -B scripts/gen-holidays.py --check
export RINGBACK_HOLIDAYS_PYTHON="$PWD/$holidays_venv/bin/python"

# The package test builds the Debian package with cargo-deb.
if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "installing cargo-deb"
    cargo install cargo-deb --locked --version 3.8.0
fi

cargo test --locked "$@"
