#!/usr/bin/python3
"""The time zones libphonenumber gives phone numbers, as src/import/zones.txt writes them.

Reads one E.164 number a line (`+16045550100`) from stdin and prints `NUMBER<TAB>ZONE[&ZONE...]`
a line, NUMBER as read (trimmed); `-` for a number that does not parse, or that libphonenumber
gives no zone (Etc/Unknown: invalid numbers, non-geographic codes). Blank lines are skipped.
Zone names go through the generator's own mapping (scripts/gen-zones.py: current tzdata names,
the number's own country's zone where libphonenumber names another's, sorted, deduplicated),
so the output compares with a lookup in the generated [phone] table.

    /usr/bin/python3 tests/it/zones_oracle.py [--prefix] < numbers.txt

By default zones come from phonenumbers.timezone.time_zones_for_number, which validates the
number and, for a non-geographic one (a mobile number in most countries, toll-free), gives the
zones of its whole calling code. `--prefix` uses time_zones_for_geographical_number instead:
the longest prefix of the number's digits in the map, whatever the number, which is exactly
what a [phone] table lookup does.

Needs Debian's python3-phonenumbers, tzdata and iso-codes (run with /usr/bin/python3).
"""

import importlib.util
import os
import sys

import phonenumbers
from phonenumbers.timezone import time_zones_for_geographical_number, time_zones_for_number

sys.dont_write_bytecode = True  # no __pycache__ beside the generator
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("gen_zones", os.path.join(REPO, "scripts", "gen-zones.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def main():
    lookup = time_zones_for_number
    if sys.argv[1:] == ["--prefix"]:
        lookup = time_zones_for_geographical_number
    elif sys.argv[1:]:
        sys.exit(__doc__)
    tz = gen.load_tz()
    sys.stdout.reconfigure(line_buffering=True)
    for line in sys.stdin:
        number = line.strip()
        if not number:
            continue
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            print(f"{number}\t-")
            continue
        regions = gen.calling_code_regions(str(parsed.country_code))
        zones = gen.canonical_zones(lookup(parsed), tz, regions)
        print(f"{number}\t{'&'.join(zones) if zones else '-'}")


if __name__ == "__main__":
    main()
