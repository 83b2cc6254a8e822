#!/bin/sh
# Takes the README's screenshots, on a virtual X screen (Xvfb):
#   docs/nudge.png  a crowded window on stock dunst at 1280x800: five nudges (one a late
#                   promise, critical) and one naming the rest
#   docs/dial.png   `ringback dial` in an 80x24 xterm
# Needs dbus, Xvfb, dunst, xterm, x11-apps (xwd) and imagemagick (convert); as root it
# apt-installs what is missing. Run from anywhere: scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
need="dbus xvfb dunst xterm x11-apps imagemagick fonts-dejavu-core"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "install:$missing" >&2
        exit 1
    fi
fi
cargo build --quiet
bin=$PWD/target/debug/ringback
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs

# A book in a zone where it is about noon now, with seven calls whose windows open in two
# minutes (the five-minute nudge is due at once), one a promise kept late.
python3 - "$work/book.toml" <<'PY'
import datetime, sys
from zoneinfo import ZoneInfo
now = datetime.datetime.now(datetime.timezone.utc)
offset = 12 - now.hour
zone = "Etc/GMT" if offset == 0 else (f"Etc/GMT-{offset}" if offset > 0 else f"Etc/GMT+{-offset}")
local = now.astimezone(ZoneInfo(zone))
every = '["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]'
today = f"{local:%Y-%m-%d}"
late = (local - datetime.timedelta(days=2)).strftime("%Y-%m-%d")

def window(their_zone):
    """A window opening two minutes from now, written in the prospect's own zone."""
    opens = (now + datetime.timedelta(minutes=2)).astimezone(ZoneInfo(their_zone))
    return f"{opens:%H:%M}-{opens + datetime.timedelta(minutes=45):%H:%M}"

book = f'''[me]
name = "Jordan Avery"
phone = "+1 617 555 0143"
timezone = "{zone}"
workdays = {every}

[defaults]
workdays = {every}
value = "month-end close in three days instead of ten"

[schedule]
digest = "0 3 1 1 *"
nudge = "5m"

[notify.email]
to = "jordan@example.com"
from = "ringback <jordan@example.com>"
transport = "file"
dir = "outbox"

[cadences.standard]
steps = [{{ wait = "0 days", action = "call" }}, {{ wait = "2 workdays", action = "call" }}]

[prospects.kevin-doyle]
name = "Kevin Doyle"
company = "Doyle Freight"
phone = "+353 1 555 0142"
timezone = "Europe/Dublin"
since = {today}
call_windows = ["{window("Europe/Dublin")}"]
hook = "their new Cork depot"

[prospects.aarav-shah]
name = "Aarav Shah"
company = "Shah Textiles"
phone = "+91 22 5555 0101"
timezone = "Asia/Kolkata"
since = {today}
call_windows = ["{window("Asia/Kolkata")}"]
hook = "the export award"

[prospects.rachel-kim]
name = "Rachel Kim"
company = "Kim & Partners"
phone = "+1 617 555 0190"
timezone = "America/New_York"
since = {today}
promised_callback = {late}
call_windows = ["{window("America/New_York")}"]
hook = "her Boston office move"
'''
# Four more in the same minute: a crowded window (five nudges on screen, one for the rest).
for id, name, company, phone, their_zone in [
    ("dev-patel", "Dev Patel", "Northwind Foods", "+44 20 7946 0011", "Europe/London"),
    ("gus-lindqvist", "Gus Lindqvist", "Nordic Timber", "+46 8 555 01 90", "Europe/Stockholm"),
    ("hana-sato", "Hana Sato", "Sato Precision", "+81 3-5555-0101", "Asia/Tokyo"),
    ("kofi-mensah", "Kofi Mensah", "Accra Ag Co-op", "+233 30 555 0100", "Africa/Accra"),
]:
    book += f'''
[prospects.{id}]
name = "{name}"
company = "{company}"
phone = "{phone}"
timezone = "{their_zone}"
since = {today}
call_windows = ["{window(their_zone)}"]
'''
open(sys.argv[1], "w").write(book)
PY

# The nudges, on stock dunst (its default geometry), then the screen's top right corner.
cat >"$work/nudge.sh" <<EOF
#!/bin/sh
Xvfb :77 -nolisten tcp -screen 0 1280x800x24 >/dev/null 2>&1 &
x=\$!
export DISPLAY=:77
sleep 1
xsetroot -solid '#3b4252' 2>/dev/null || true
dunst >/dev/null 2>&1 &
d=\$!
sleep 1
"$bin" --config "$work/book.toml" --state "$work/state.db" run >"$work/run.log" 2>&1 &
r=\$!
i=0; while [ "\$(dunstctl count displayed 2>/dev/null || echo 0)" -lt 6 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
sleep 1
# The whole height of the screen: do five nudges and the rest fit in 800 px?
xwd -root -silent | convert xwd:- -crop 460x800+820+0 +repage docs/nudge.png
kill \$r \$d \$x
EOF
chmod +x "$work/nudge.sh"
dbus-run-session -- "$work/nudge.sh"

# `ringback dial` in an 80x24 xterm.
cat >"$work/dial.sh" <<EOF
#!/bin/sh
Xvfb :78 -nolisten tcp -screen 0 1280x800x24 >/dev/null 2>&1 &
x=\$!
export DISPLAY=:78
sleep 1
xterm -geometry 80x24+0+0 -fa 'DejaVu Sans Mono' -fs 11 -bg '#1d1f21' -fg '#e0e0e0' -e "$bin" --config "$work/book.toml" --state "$work/dial.db" dial &
t=\$!
sleep 3
xwd -root -silent | convert xwd:- -trim +repage docs/dial.png
kill \$t \$x
EOF
chmod +x "$work/dial.sh"
"$work/dial.sh"
ls -l docs/nudge.png docs/dial.png
