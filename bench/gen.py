#!/usr/bin/env python3
"""Generates a book of N prospects with M events each, and an equivalent remind file.

    bench/gen.py N M OUTDIR [due]

With `due`, a book where every prospect is due on the bench's day (2026-11-24): no daily cap,
each `since` in the month before, and one prospect in seven with a promised callback that day.
Its remind file has one reminder per prospect, all on that day, so `remind -n` prints as many
lines as there are prospects (the default file's dates are spread over three months, and
`remind -n` leaves out those past).

Writes OUTDIR/ringback.toml, OUTDIR/events.sql (rows for the state's events table) and
OUTDIR/reminders.rem (N dated reminders, one per prospect, for `remind -n`)."""
import os
import random
import sys

n, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
due = sys.argv[4:] == ["due"]
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
zones = ["America/Toronto", "America/Vancouver", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"]
outcomes = ["voicemail", "no-answer", "gatekeeper", "emailed", "spoke", "snooze", "drip-sent"]

def since_line(i):
    """A day in the month before 2026-11-24."""
    day = 25 + rng.randint(0, 29)
    return f"since = 2026-10-{day}\n" if day <= 31 else f"since = 2026-11-{day - 31:02d}\n"


with open(os.path.join(out, "ringback.toml"), "w") as f:
    f.write("""[me]
name = "Bench"
timezone = "America/Toronto"
holidays = [2026-12-25]
""" + ("" if due else "max_calls_per_day = 50\n") + """
[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email" },
  { wait = "1 week", action = "call" },
  { wait = "1 week", action = "call" },
  { wait = "2 weeks", action = "call" },
  { wait = "2 weeks", action = "email", template = "off_the_hook" },
]
then = "quarterly"

[drips.quarterly]
every = "3 months"
items = [{ title = "Report" }, { title = "Case study" }]
""")
    for i in range(n):
        f.write(f'\n[prospects.p{i}]\nname = "Prospect {i}"\ncompany = "Company {i}"\n'
                f'phone = "+1 555 {i:07d}"\ntimezone = "{rng.choice(zones)}"\n'
                f'relationship = "{rng.choice(["cold", "met", "warm", "client"])}"\n'
                + (since_line(i) if due else f'since = 2026-{rng.randint(6, 11):02d}-{rng.randint(1, 28):02d}\n')
                + f'hook = "hook {i}"\nvalue = "value {i}"\n'
                + ('promised_callback = 2026-11-24\n' if due and i % 7 == 0 else ''))

# 2026-06-01 to 2026-11-23, Toronto-ish seconds.
start, end = 1780315200, 1795435200
with open(os.path.join(out, "events.sql"), "w") as f:
    f.write("BEGIN;\n")
    for i in range(n):
        times = sorted(rng.randint(start, end) for _ in range(m))
        for t in times:
            o = rng.choice(outcomes)
            until = "'2026-12-01'" if o == "snooze" else "NULL"
            f.write(f"INSERT INTO events (prospect, at, outcome, promise, until, logged_at) "
                    f"VALUES ('p{i}', {t}, '{o}', 'auto', {until}, {t});\n")
    f.write("COMMIT;\n")

with open(os.path.join(out, "reminders.rem"), "w") as f:
    for i in range(n):
        # Due on the bench's day in `due` mode, as the prospects are.
        when = "24 Nov" if due else f"{rng.randint(1, 28)} {rng.choice(['Nov', 'Dec', 'Jan'])}"
        f.write(f"REM {when} 2026 AT 07:30 "
                f"MSG Call Prospect {i} (Company {i}) +1 555 {i:07d}\n")
