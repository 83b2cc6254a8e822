#!/usr/bin/env python3
"""Generates a book of N prospects with M events each, and an equivalent remind file.

    bench/gen.py N M OUTDIR

Writes OUTDIR/ringback.toml, OUTDIR/events.sql (rows for the state's events table) and
OUTDIR/reminders.rem (N dated reminders, one per prospect, for `remind -n`)."""
import os
import random
import sys

n, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = random.Random(42)
zones = ["America/Toronto", "America/Vancouver", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"]
outcomes = ["voicemail", "no-answer", "gatekeeper", "emailed", "spoke", "snooze", "drip-sent"]

with open(os.path.join(out, "ringback.toml"), "w") as f:
    f.write("""[me]
name = "Bench"
timezone = "America/Toronto"
holidays = [2026-12-25]
max_calls_per_day = 50

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
                f'since = 2026-{rng.randint(6, 11):02d}-{rng.randint(1, 28):02d}\n'
                f'hook = "hook {i}"\nvalue = "value {i}"\n')

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
        f.write(f"REM {rng.randint(1, 28)} {rng.choice(['Nov', 'Dec', 'Jan'])} 2026 AT 07:30 "
                f"MSG Call Prospect {i} (Company {i}) +1 555 {i:07d}\n")
