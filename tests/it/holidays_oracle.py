#!/usr/bin/env python3
"""The public holidays the `holidays` package gives one code in one year, as src/config/holidays.txt has them.

    V/bin/python tests/it/holidays_oracle.py CODE YEAR [CODE YEAR ...]

CODE is `CA` (national) or `CA-ON` (ISO 3166-2: the package's subdiv). For each pair it prints
the dates in YEAR of holidays.country_holidays(COUNTRY, subdiv=SUB, years=YEAR) with the
package's defaults (category `public`, observed days included), sorted, one `YYYY-MM-DD` a
line; with several pairs each block starts with a `CODE YEAR` line. It asks the package
directly (nothing shared with scripts/gen-holidays.py) and exits 2 on an unknown code, or when
the package is not the version the generator pins (holidays==0.109).

Run it with the interpreter that has the pinned package: a venv with
scripts/holidays-requirements.txt installed (scripts/test.sh makes target/holidays-venv).
"""

import importlib.metadata
import sys

import holidays

PINNED = "0.109"  # keep equal to PINNED in scripts/gen-holidays.py and scripts/holidays-requirements.txt


def main(argv):
    if not argv or len(argv) % 2:
        sys.stderr.write(__doc__)
        return 2
    version = importlib.metadata.version("holidays")
    if version != PINNED:
        print(f"holidays_oracle: needs holidays=={PINNED}, found {version}", file=sys.stderr)
        return 2
    pairs = list(zip(argv[0::2], argv[1::2]))
    for code, year in pairs:
        country, _, subdiv = code.partition("-")
        try:
            year = int(year)
            h = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
        except (ValueError, NotImplementedError) as e:
            print(f"holidays_oracle: {code} {year}: {e}", file=sys.stderr)
            return 2
        if len(pairs) > 1:
            print(f"{code} {year}")
        for d in sorted(d for d in h if d.year == year):
            print(d.isoformat())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
