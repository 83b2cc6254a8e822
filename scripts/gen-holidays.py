#!/usr/bin/env python3
"""Generates src/config/holidays.txt, the public holiday table ringback embeds for `holidays = "CA-ON"`.

The source is the Python `holidays` package (PyPI, MIT), pinned to one exact version (PINNED
below; scripts/test.sh installs the same pin). Debian's python3-holidays is far too old (0.10.1
in bookworm: no CN, KR or AE, none of the holiday changes since 2021), so run this with a venv:

    /usr/bin/python3 -m venv target/holidays-venv
    target/holidays-venv/bin/pip install --require-hashes --only-binary=:all: -r scripts/holidays-requirements.txt
    target/holidays-venv/bin/python scripts/gen-holidays.py            # writes src/config/holidays.txt
    target/holidays-venv/bin/python scripts/gen-holidays.py --check    # exit 1 if it would differ

It refuses to run with another version of the package, so that the file only changes when the
pin does: to move to a new release, change PINNED here and in tests/it/holidays_oracle.py and
the pins and hashes in scripts/holidays-requirements.txt, then regenerate and read the diff.

What goes in: the years FIRST..LAST, for the countries in COUNTRIES (national list) and, for those
in SUBDIVIDED, every subdivision the package supports whose code is an ISO 3166-2 style code
(SUBDIV_CODE; the package's extra non-ISO "subdivisions" such as cities or school zones are
left out, see the `# skipped` header line). Only the package's default category (`public`): no
optional, bank, school, government or half-day lists. Observed days are included as the package
gives them (observed=True, its default): a shifted day off is a day off. Year Y's list is the
dates in Y of `holidays.country_holidays(country, subdiv=..., years=Y)`, exactly what
tests/it/holidays_oracle.py prints. Names are the package's English ones, asked for explicitly
(the country's own English such as en_CA or en_IN where that is its default, else en_US; the
country's own language where it has no English translation, which none of the listed lacks),
so they do not depend on the caller's locale.

The output is deterministic for a given package version (nothing depends on today's date, the
locale or dict order; everything is sorted), so a change in the file is a change in the data.
The format is described in the header the script writes (HEADER_FORMAT below).
"""

import argparse
import importlib.metadata
import os
import re
import sys

import holidays

PACKAGE = "holidays"
PINNED = "0.109"
FIRST, LAST = 2020, 2035

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "src", "config", "holidays.txt")

# National lists: the countries sales calls go to. Add a country here (and, for its subdivisions,
# to SUBDIVIDED), regenerate, and mind the file size the script prints.
# Every G20 country and the Gulf states are among them.
COUNTRIES = """
    US CA GB IE AU NZ DE AT CH FR BE NL LU ES PT IT DK SE NO FI PL CZ IS
    JP KR SG HK IN CN AE IL ZA NG KE BR MX AR CL CO PE
    ID RU TR SA QA KW BH OM
""".split()

WEEKDAYS = "mon tue wed thu fri sat sun".split()

# Countries whose subdivisions get a line each (the full list for the subdivision: national
# holidays and regional ones, as the package returns them for subdiv=...).
SUBDIVIDED = "US CA AU DE GB CH ES AT BR MX IN IT FR".split()

# An ISO 3166-2 subdivision code part (after `CC-`): AT's are digits, FR's overseas ones are
# 971..976 and 6AE. The package also offers non-ISO extras (AU "NSW Western", DE "Augsburg",
# CH "Stadt Zurich", ES "Barcelona", BR "São Paulo Capital", FR "Zone A"...): left out.
SUBDIV_CODE = re.compile(r"^[A-Z0-9]{1,3}$")

CATEGORY = "public"  # must be every listed country's default category (checked)

HEADER_FORMAT = """\
Format: UTF-8 text, LF line ends. `#` lines are comments. `[name]` starts a section; other
  lines are fields separated by one TAB. Codes are ISO 3166-1 alpha-2 (`CA`, the national
  list) or ISO 3166-2 (`CA-ON`, the subdivision's FULL list: national and regional holidays).
  [names] ID<TAB>NAME: the holiday names, IDs 0,1,2... in byte order of NAME. A day with two
    holidays has one NAME joining them with "; " as the package does; observed days carry the
    package's "(observed)" and lunar estimates its "(estimated)" in their names.
  [alias] ALIAS<TAB>CODE: other short codes the package accepts for a subdivision (`AT-W` for
    `AT-9` Wien, `FR-RE` for `FR-974`); sorted by ALIAS; an ALIAS is never a CODE.
  [dates] CODE<TAB>DATES<TAB>NAME-IDS: one line per code, sorted by CODE (byte order).
    DATES is YYYYMMDD,YYYYMMDD,... sorted and unique; NAME-IDS is ID,ID,... with one [names]
    ID for each date, in the same order. On a subdivision's line an empty ID means "the
    name the national line gives that date" (which it has, under the same name); a country's
    line always comes before its subdivisions' and has no empty ID.
  A code missing from [dates] has no table; a year outside {first}-{last} is not covered.
  [weekends] COUNTRY<TAB>DAYS: the country's weekly days off as the package gives them
    (`weekend`), DAYS being mon..sun joined by ","; one line per country, sorted. A
    subdivision keeps its country's weekend.
"""


def fail(msg):
    sys.exit(f"gen-holidays: {msg}")


def check_package():
    """The pinned version, and its licence and copyright lines from its own metadata."""
    version = importlib.metadata.version(PACKAGE)
    if version != PINNED or holidays.__version__ != PINNED:
        fail(
            f"needs {PACKAGE}=={PINNED}, found {version} (holidays.__version__ {holidays.__version__});"
            f" run it with a venv: pip install {PACKAGE}=={PINNED}"
        )
    dist = importlib.metadata.distribution(PACKAGE)
    meta = dist.metadata
    licence = meta.get("License-Expression") or meta.get("License") or ""
    if licence.strip() != "MIT":
        fail(f"{PACKAGE} {version}'s metadata says licence {licence!r}, not MIT: check before shipping")
    text = None
    for name in ("licenses/LICENSE", "LICENSE", "license_files/LICENSE"):
        text = dist.read_text(name)
        if text:
            break
    if not text:
        fail(f"{PACKAGE} {version} ships no LICENSE file in its metadata")
    return version, licence.strip(), text.strip("\n").splitlines()


def english(cls):
    """The language to ask names in: English where the package has it, always named explicitly.

    With language=None the package lets gettext pick a translation from the environment
    (LANGUAGE, LC_ALL, LANG...): IN's Diwali is "Diwali" under LANG=C.UTF-8 and "Diwali
    (Deepavali)" (its en_IN name) under LC_ALL=C. So the language is always given, and a country
    with no translations at all (NZ) is asked with the locale variables cleared (see main).
    """
    default = cls.default_language
    langs = cls.supported_languages or ()
    if not langs:
        return None  # no translations: the package's own (English) strings
    if default and default.startswith("en"):
        return default  # en_CA, en_GB, en_AU, en_IN...: the country's own English
    for lang in ("en_US", "en_GB"):
        if lang in langs:
            return lang
    for lang in sorted(langs):
        if lang.startswith("en"):
            return lang
    return default


def codes():
    """[(code, country, subdiv or None)], sorted by code; aliases {alias: code}; skipped subdivs."""
    supported = holidays.list_supported_countries(include_aliases=False)
    out, aliases, skipped = [], {}, []
    for country in COUNTRIES:
        if country not in supported:
            fail(f"{PACKAGE} {PINNED} has no country {country}")
        out.append((country, country, None))
        if country not in SUBDIVIDED:
            continue
        cls = type(holidays.country_holidays(country))
        subdivs = supported[country]
        for sub in subdivs:
            if SUBDIV_CODE.match(sub):
                out.append((f"{country}-{sub}", country, sub))
            else:
                skipped.append(f"{country}:{sub}")
        for alias, sub in getattr(cls, "subdivisions_aliases", {}).items():
            if SUBDIV_CODE.match(alias) and SUBDIV_CODE.match(sub) and alias not in subdivs:
                aliases[f"{country}-{alias}"] = f"{country}-{sub}"
    out.sort()
    if len({c for c, _, _ in out}) != len(out):
        fail("duplicate codes")
    return out, aliases, sorted(skipped)


def year_list(country, subdiv, year, language):
    """{date: name} for one code and year: the dates in `year` the package gives for it."""
    h = holidays.country_holidays(country, subdiv=subdiv, years=year, language=language)
    return {d: "; ".join(h.get_list(d)) for d in h if d.year == year}


def generate():
    version, licence, licence_lines = check_package()
    table, aliases, skipped = codes()
    rows = []  # (code, [(date, name)])
    for code, country, subdiv in table:
        cls = type(holidays.country_holidays(country))
        if cls.default_category != CATEGORY:
            fail(f"{country}'s default category is {cls.default_category!r}, not {CATEGORY!r}")
        lang = english(cls)
        days = {}
        for year in range(FIRST, LAST + 1):
            days.update(year_list(country, subdiv, year, lang))
        items = sorted(days.items())
        for _, name in items:
            if not name or any(ch in name for ch in "\t\n\r") or name != name.strip():
                fail(f"{code}: unusable holiday name {name!r}")
        rows.append((code, items))

    names = sorted({name for _, items in rows for _, name in items})
    ids = {name: i for i, name in enumerate(names)}

    lines = [
        "# ringback's public holiday table, read for `holidays = \"CC\"` / `\"CC-SUB\"`.",
        "# GENERATED by scripts/gen-holidays.py: do not edit; regenerate with",
        "#   python3 -m venv V && V/bin/pip install --require-hashes -r scripts/holidays-requirements.txt",
        "#   && V/bin/python scripts/gen-holidays.py",
        f"# Source: the Python package `{PACKAGE}` {version} (PyPI), licence {licence} (from its metadata);",
        f"#   category {CATEGORY!r} only (the package's default), observed days included, names in English.",
        f"# Years {FIRST}-{LAST}. {len(COUNTRIES)} countries, {len(table) - len(COUNTRIES)} subdivisions"
        f" (subdivisions for {' '.join(SUBDIVIDED)}).",
        "# Skipped non-ISO subdivisions: " + (" ".join(s.replace(" ", "_") for s in skipped) or "none"),
    ]
    lines += ["# " + line.rstrip() if line.strip() else "#" for line in HEADER_FORMAT.format(first=FIRST, last=LAST).splitlines()]
    lines.append(f"# The package's licence ({PACKAGE} {version}, LICENSE):")
    lines += ["#   " + line.rstrip() if line.strip() else "#" for line in licence_lines]
    lines.append("[names]")
    lines += [f"{i}\t{name}" for i, name in enumerate(names)]
    lines.append("[alias]")
    codeset = {c for c, _, _ in table}
    for alias, code in sorted(aliases.items()):
        if alias in codeset or code not in codeset:
            continue
        lines.append(f"{alias}\t{code}")
    lines.append("[dates]")
    national = {}  # country -> {date: name}; a country's line sorts before its subdivisions'
    for code, items in rows:
        country, _, sub = code.partition("-")
        if not sub:
            national[country] = dict(items)
        inherited = national[country] if sub else {}
        dates = ",".join(d.strftime("%Y%m%d") for d, _ in items)
        nids = ",".join("" if inherited.get(d) == name else str(ids[name]) for d, name in items)
        lines.append(f"{code}\t{dates}\t{nids}")
    lines.append("[weekends]")
    for country in sorted(COUNTRIES):
        weekend = sorted(holidays.country_holidays(country).weekend)
        if not weekend or len(weekend) > 3:
            fail(f"{country}: unusable weekend {weekend!r}")
        lines.append(f"{country}\t{','.join(WEEKDAYS[d] for d in weekend)}")
    return "\n".join(lines) + "\n", len(table)


def main():
    # Names must not depend on the caller's locale (see english()).
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        os.environ.pop(var, None)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if src/config/holidays.txt is not what it would write")
    ap.add_argument("--out", default=OUT, help=argparse.SUPPRESS)
    args = ap.parse_args()
    text, count = generate()
    data = text.encode("utf-8")
    if args.check:
        try:
            with open(args.out, "rb") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != data:
            print(f"{os.path.relpath(args.out)} is not what scripts/gen-holidays.py writes: regenerate it", file=sys.stderr)
            sys.exit(1)
        print(f"{os.path.relpath(args.out)} is up to date ({count} codes, {len(data)} bytes)")
        return
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.out)
    print(f"wrote {os.path.relpath(args.out)}: {count} codes, {len(data)} bytes")


if __name__ == "__main__":
    main()
