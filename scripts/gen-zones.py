#!/usr/bin/python3
"""Generates src/import/zones.txt, the tables `ringback import` guesses a time zone from.

Run with Debian's python (not a pyenv one), from anywhere:

    apt-get install -y python3-phonenumbers tzdata iso-codes
    /usr/bin/python3 scripts/gen-zones.py            # writes src/import/zones.txt
    /usr/bin/python3 scripts/gen-zones.py --check    # exit 1 if the file is not what it would write

Sources, all read offline from Debian packages:
  * python3-phonenumbers: libphonenumber's prefix -> time zones map (phonenumbers.tzdata);
  * tzdata: /usr/share/zoneinfo/{tzdata.zi,zone.tab}, for current names and per-country zones;
  * iso-codes: /usr/share/iso-codes/json/iso_3166-{1,2}.json, for country and subdivision names.
The per-region zones and the name aliases below are hand-kept (see the comments at each).

The output is deterministic for given package versions (no dates, everything sorted), so a
change in the file is a change in the data. tests/it/zones_oracle.py imports `load_tz` and
`canonical_zones` from here so the oracle and the table map zone names the same way.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import unicodedata

ZONEINFO = "/usr/share/zoneinfo"
ISO_CODES = "/usr/share/iso-codes/json"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "src", "import", "zones.txt")

UNKNOWN_ZONE = "Etc/Unknown"  # ICU's "no idea"; libphonenumber returns it for unknown numbers

# Legacy names whose link in tzdata.zi points at another place (tzdata merged zones that agree
# since 1970, and tzdata.zi links the old name straight to the merged zone), while tzdata's
# `backward` file names the renamed zone with a `#=` comment, e.g.
#     Link Pacific/Guadalcanal Pacific/Ponape #= Pacific/Pohnpei
# Followed blindly, Micronesian numbers would get the Solomon Islands' zone (and then both of
# Micronesia's UTC+11 zones, see _own_zone). Hand-kept; a new case shows in the generator's
# notes as a `phone PREFIX: OLD -> NEW` line with a zone of another place.
RENAMED = {
    "Africa/Asmera": "Africa/Asmara",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
}


# --- time zone names ---------------------------------------------------------------------------


class Tz:
    """tzdata as installed: its zones, its links (name -> target) and zone.tab."""

    def __init__(self, root=ZONEINFO):
        self.root = root
        self.zones = set()
        self.links = {}
        self.version = None
        with open(os.path.join(root, "tzdata.zi"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("# version "):
                    self.version = line.split()[2]
                parts = line.split()
                if parts and parts[0] == "Z":
                    self.zones.add(parts[1])
                elif parts and parts[0] == "L":  # L TARGET LINK-NAME
                    self.links[parts[2]] = parts[1]
        # zone.tab: one line per zone a country uses, with that country's own name for it.
        self.tab = []  # (cc, zone, comment)
        with open(os.path.join(root, "zone.tab"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                self.tab.append((cols[0], cols[2], cols[3] if len(cols) > 3 else ""))
        self.tab_zones = {zone: cc for cc, zone, _ in self.tab}

    def exists(self, name):
        return os.path.isfile(os.path.join(self.root, name))

    def canonical(self, name):
        """The current name for a zone name libphonenumber (or CLDR) uses.

        A name zone.tab lists is kept: it is the name of a place in its country and exists on
        every tzdata install (Europe/Oslo stays, though some builds link it to Europe/Berlin).
        Otherwise a renamed zone (RENAMED) or tzdata.zi's links are followed: Asia/Calcutta ->
        Asia/Kolkata, America/Buenos_Aires -> America/Argentina/Buenos_Aires."""
        seen = []
        while name not in self.tab_zones:
            if name in seen:
                raise SystemExit(f"link loop: {seen}")
            seen.append(name)
            if name in RENAMED:
                name = RENAMED[name]
            elif name in self.links:
                name = self.links[name]
            else:
                break  # a zone zone.tab does not list (none today): kept if it exists
        if not self.exists(name):
            raise SystemExit(f"{seen[0] if seen else name} -> {name}: no such file under {self.root}")
        return name


def load_tz(root=ZONEINFO):
    return Tz(root)


def _offsets(zone):
    """A zone's UTC offsets in mid-January and mid-July of a fixed year (for a given tzdata,
    the same on every run)."""
    import datetime
    import zoneinfo

    tzinfo = zoneinfo.ZoneInfo(zone)
    return tuple(datetime.datetime(2026, m, 15, 12, tzinfo=tzinfo).utcoffset() for m in (1, 7))


def _own_zone(tz, zone, regions):
    """`zone` or, when it is another country's, the zone of the number's own country that keeps
    the same time.

    libphonenumber (from CLDR's metazones) often names one zone for all of an offset: Lithuania
    gets Europe/Bucharest, Algeria Europe/Paris, Nicaragua America/Chicago, Kaliningrad
    Europe/Bucharest. Some of those keep another summer time than the country, and all of them
    read wrong. Among the zone.tab zones of the calling code's regions, the one with the same
    January and July offsets is taken, else the ones with the same January offset, else the
    calling code's main region's only zone; else `zone` stays (its country has no zone.tab line,
    as Kosovo and Ascension)."""
    if not regions or tz.tab_zones.get(zone) in regions:
        return [zone]
    candidates = [z for cc, z, _ in tz.tab if cc in regions]
    if not candidates:
        return [zone]
    want = _offsets(zone)
    same = [z for z in candidates if _offsets(z) == want]
    if not same:
        same = [z for z in candidates if _offsets(z)[0] == want[0]]
    if not same:
        main = [z for cc, z, _ in tz.tab if cc == regions[0]]
        same = main if len(main) == 1 else [zone]
    return same


def calling_code_regions(digits):
    """The regions (main one first) of the calling code an E.164 digit string starts with."""
    import phonenumbers

    for n in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:n]) if digits[:n] else -1)
        if regions:
            return tuple(regions)
    return ()


def canonical_zones(names, tz, regions=()):
    """Zone names as zones.txt writes them: current names, each of the number's own country
    where libphonenumber names another country's (see _own_zone; `regions` are those of the
    number's calling code, main one first), sorted, no duplicates, no Etc/Unknown."""
    out = set()
    for name in names:
        if name != UNKNOWN_ZONE:
            out.update(tz.canonical(z) for z in _own_zone(tz, tz.canonical(name), regions))
    return sorted(out)


# --- hand-kept regions -------------------------------------------------------------------------
#
# Each subdivision's zone is the one covering most of its people. Checked against zone.tab's
# comments (tzdata 2026f) and the subdivisions' published time zone areas; the one-line reasons
# are where a state is split.

US = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
    "FL": "America/New_York",  # the panhandle west of the Apalachicola is Central
    "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise",  # south (Boise) Mountain; the panhandle is Pacific
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",  # zone.tab: Eastern - IN (most areas)
    "IA": "America/Chicago",
    "KS": "America/Chicago",  # four western counties Mountain
    "KY": "America/New_York",  # Lexington and the east; Louisville's own zone and the west differ
    "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",  # zone.tab: Eastern - MI (most areas)
    "MN": "America/Chicago", "MS": "America/Chicago", "MO": "America/Chicago",
    "MT": "America/Denver", "NE": "America/Chicago",  # the panhandle is Mountain
    "NV": "America/Los_Angeles", "NH": "America/New_York", "NJ": "America/New_York",
    "NM": "America/Denver", "NY": "America/New_York", "NC": "America/New_York",
    "ND": "America/Chicago",  # the south-west is Mountain
    "OH": "America/New_York", "OK": "America/Chicago",
    "OR": "America/Los_Angeles",  # Malheur County is Mountain (America/Boise)
    "PA": "America/New_York", "RI": "America/New_York", "SC": "America/New_York",
    "SD": "America/Chicago",  # Sioux Falls Central; the west river country is Mountain
    "TN": "America/Chicago",  # Nashville and Memphis Central; Knoxville, Chattanooga Eastern
    "TX": "America/Chicago",  # El Paso is Mountain
    "UT": "America/Denver", "VT": "America/New_York", "VA": "America/New_York",
    "WA": "America/Los_Angeles", "WV": "America/New_York", "WI": "America/Chicago",
    "WY": "America/Denver",
    # Outlying areas (ISO 3166-2 lists them under US too; each is also its own country code).
    "PR": "America/Puerto_Rico", "GU": "Pacific/Guam", "VI": "America/St_Thomas",
    "AS": "Pacific/Pago_Pago", "MP": "Pacific/Saipan",
}

CA = {
    "AB": "America/Edmonton", "BC": "America/Vancouver",  # Peace River and the East Kootenays differ
    "MB": "America/Winnipeg", "NB": "America/Moncton",
    "NL": "America/St_Johns",  # the island; most of Labrador is America/Goose_Bay
    "NS": "America/Halifax", "NT": "America/Edmonton",  # zone.tab: Edmonton covers NT(E), Yellowknife
    "NU": "America/Iqaluit",  # Qikiqtaaluk (Iqaluit) is the most people; Kivalliq is Central
    "ON": "America/Toronto",  # the north-west is Central (America/Winnipeg)
    "PE": "America/Halifax", "QC": "America/Toronto", "SK": "America/Regina",
    "YT": "America/Whitehorse",
}

AU = {
    "ACT": "Australia/Sydney", "NSW": "Australia/Sydney",  # Broken Hill is Australia/Broken_Hill
    "NT": "Australia/Darwin", "QLD": "Australia/Brisbane", "SA": "Australia/Adelaide",
    "TAS": "Australia/Hobart", "VIC": "Australia/Melbourne", "WA": "Australia/Perth",
}

BR = {  # zone.tab names the states each zone covers
    "AC": "America/Rio_Branco", "AL": "America/Maceio", "AP": "America/Belem",
    "AM": "America/Manaus",  # Amazonas (east); the far west is America/Eirunepe
    "BA": "America/Bahia", "CE": "America/Fortaleza", "DF": "America/Sao_Paulo",
    "ES": "America/Sao_Paulo", "GO": "America/Sao_Paulo", "MA": "America/Fortaleza",
    "MT": "America/Cuiaba", "MS": "America/Campo_Grande", "MG": "America/Sao_Paulo",
    "PA": "America/Belem",  # Para (east), Belem; the west is America/Santarem (same offset)
    "PB": "America/Fortaleza", "PR": "America/Sao_Paulo", "PE": "America/Recife",
    "PI": "America/Fortaleza", "RJ": "America/Sao_Paulo", "RN": "America/Fortaleza",
    "RS": "America/Sao_Paulo", "RO": "America/Porto_Velho", "RR": "America/Boa_Vista",
    "SC": "America/Sao_Paulo", "SP": "America/Sao_Paulo", "SE": "America/Maceio",
    "TO": "America/Araguaina",
}

MX = {  # zone.tab names the states each zone covers
    "AGU": "America/Mexico_City", "BCN": "America/Tijuana", "BCS": "America/Mazatlan",
    "CAM": "America/Merida", "CHP": "America/Mexico_City",
    "CHH": "America/Chihuahua",  # most areas; Ciudad Juarez has its own zone
    "CMX": "America/Mexico_City", "COA": "America/Monterrey", "COL": "America/Mexico_City",
    "DUR": "America/Monterrey", "GRO": "America/Mexico_City", "GUA": "America/Mexico_City",
    "HID": "America/Mexico_City", "JAL": "America/Mexico_City", "MEX": "America/Mexico_City",
    "MIC": "America/Mexico_City", "MOR": "America/Mexico_City",
    "NAY": "America/Mazatlan",  # most areas; Bahia de Banderas is Central
    "NLE": "America/Monterrey", "OAX": "America/Mexico_City", "PUE": "America/Mexico_City",
    "QUE": "America/Mexico_City", "ROO": "America/Cancun", "SIN": "America/Mazatlan",
    "SLP": "America/Mexico_City", "SON": "America/Hermosillo", "TAB": "America/Mexico_City",
    "TAM": "America/Monterrey",  # most areas; the US border is America/Matamoros
    "TLA": "America/Mexico_City", "VER": "America/Mexico_City", "YUC": "America/Merida",
    "ZAC": "America/Mexico_City",
}

# Russia: every federal subject ISO 3166-2 (as iso-codes has it) lists, by its local time
# (MSK+n) and zone.tab's comments; Sakha's and the Kurils' small eastern zones aside.
# Code -> (zone, English names). Kinds: "oblast" gets "X oblast" and "X region" too, "krai"
# gets "X krai" and "X territory", "rep" gets "republic of X" and "X republic".
RU = {
    "AD": ("Europe/Moscow", "rep", ["adygea", "adygeya"]),
    "AL": ("Asia/Barnaul", "rep", ["altai republic"]),
    "ALT": ("Asia/Barnaul", "krai", ["altai"]),
    "AMU": ("Asia/Yakutsk", "oblast", ["amur"]),
    "ARK": ("Europe/Moscow", "oblast", ["arkhangelsk"]),
    "AST": ("Europe/Astrakhan", "oblast", ["astrakhan"]),
    "BA": ("Asia/Yekaterinburg", "rep", ["bashkortostan", "bashkiria"]),
    "BEL": ("Europe/Moscow", "oblast", ["belgorod"]),
    "BRY": ("Europe/Moscow", "oblast", ["bryansk"]),
    "BU": ("Asia/Irkutsk", "rep", ["buryatia"]),
    "CE": ("Europe/Moscow", "rep", ["chechnya", "chechen republic"]),
    "CHE": ("Asia/Yekaterinburg", "oblast", ["chelyabinsk"]),
    "CHU": ("Asia/Anadyr", None, ["chukotka", "chukotka autonomous okrug"]),
    "CU": ("Europe/Moscow", "rep", ["chuvashia", "chuvash republic"]),
    "DA": ("Europe/Moscow", "rep", ["dagestan"]),
    "IN": ("Europe/Moscow", "rep", ["ingushetia"]),
    "IRK": ("Asia/Irkutsk", "oblast", ["irkutsk"]),
    "IVA": ("Europe/Moscow", "oblast", ["ivanovo"]),
    "KAM": ("Asia/Kamchatka", "krai", ["kamchatka"]),
    "KB": ("Europe/Moscow", "rep", ["kabardino-balkaria"]),
    "KC": ("Europe/Moscow", "rep", ["karachay-cherkessia"]),
    "KDA": ("Europe/Moscow", "krai", ["krasnodar"]),
    "KEM": ("Asia/Novokuznetsk", "oblast", ["kemerovo", "kuzbass"]),
    "KGD": ("Europe/Kaliningrad", "oblast", ["kaliningrad"]),
    "KGN": ("Asia/Yekaterinburg", "oblast", ["kurgan"]),
    "KHA": ("Asia/Vladivostok", "krai", ["khabarovsk"]),
    "KHM": ("Asia/Yekaterinburg", None, ["khanty-mansi autonomous okrug", "khanty-mansia", "yugra"]),
    "KIR": ("Europe/Kirov", "oblast", ["kirov"]),
    "KK": ("Asia/Krasnoyarsk", "rep", ["khakassia"]),
    "KL": ("Europe/Moscow", "rep", ["kalmykia"]),
    "KLU": ("Europe/Moscow", "oblast", ["kaluga"]),
    "KO": ("Europe/Moscow", "rep", ["komi"]),
    "KOS": ("Europe/Moscow", "oblast", ["kostroma"]),
    "KR": ("Europe/Moscow", "rep", ["karelia"]),
    "KRS": ("Europe/Moscow", "oblast", ["kursk"]),
    "KYA": ("Asia/Krasnoyarsk", "krai", ["krasnoyarsk"]),
    "LEN": ("Europe/Moscow", "oblast", ["leningrad"]),
    "LIP": ("Europe/Moscow", "oblast", ["lipetsk"]),
    "MAG": ("Asia/Magadan", "oblast", ["magadan"]),
    "ME": ("Europe/Moscow", "rep", ["mari el"]),
    "MO": ("Europe/Moscow", "rep", ["mordovia"]),
    "MOS": ("Europe/Moscow", "oblast", []),  # "moscow oblast", "moscow region": below
    "MOW": ("Europe/Moscow", None, ["moscow", "moscow city", "moskva"]),
    "MUR": ("Europe/Moscow", "oblast", ["murmansk"]),
    "NEN": ("Europe/Moscow", None, ["nenets autonomous okrug", "nenetsia"]),
    "NGR": ("Europe/Moscow", "oblast", ["novgorod"]),
    "NIZ": ("Europe/Moscow", "oblast", ["nizhny novgorod"]),
    "NVS": ("Asia/Novosibirsk", "oblast", ["novosibirsk"]),
    "OMS": ("Asia/Omsk", "oblast", ["omsk"]),
    "ORE": ("Asia/Yekaterinburg", "oblast", ["orenburg"]),
    "ORL": ("Europe/Moscow", "oblast", ["oryol", "orel"]),
    "PER": ("Asia/Yekaterinburg", "krai", ["perm"]),
    "PNZ": ("Europe/Moscow", "oblast", ["penza"]),
    "PRI": ("Asia/Vladivostok", "krai", ["primorsky", "primorye"]),
    "PSK": ("Europe/Moscow", "oblast", ["pskov"]),
    "ROS": ("Europe/Moscow", "oblast", ["rostov"]),
    "RYA": ("Europe/Moscow", "oblast", ["ryazan"]),
    "SA": ("Asia/Yakutsk", "rep", ["sakha", "yakutia"]),
    "SAK": ("Asia/Sakhalin", "oblast", ["sakhalin"]),
    "SAM": ("Europe/Samara", "oblast", ["samara"]),
    "SAR": ("Europe/Saratov", "oblast", ["saratov"]),
    "SE": ("Europe/Moscow", "rep", ["north ossetia", "north ossetia-alania"]),
    "SMO": ("Europe/Moscow", "oblast", ["smolensk"]),
    "SPE": ("Europe/Moscow", None, ["saint petersburg", "sankt-peterburg", "petersburg"]),
    "STA": ("Europe/Moscow", "krai", ["stavropol"]),
    "SVE": ("Asia/Yekaterinburg", "oblast", ["sverdlovsk"]),
    "TA": ("Europe/Moscow", "rep", ["tatarstan"]),
    "TAM": ("Europe/Moscow", "oblast", ["tambov"]),
    "TOM": ("Asia/Tomsk", "oblast", ["tomsk"]),
    "TUL": ("Europe/Moscow", "oblast", ["tula"]),
    "TVE": ("Europe/Moscow", "oblast", ["tver"]),
    "TY": ("Asia/Krasnoyarsk", "rep", ["tuva", "tyva"]),
    "TYU": ("Asia/Yekaterinburg", "oblast", ["tyumen"]),
    "UD": ("Europe/Samara", "rep", ["udmurtia", "udmurt republic"]),
    "ULY": ("Europe/Ulyanovsk", "oblast", ["ulyanovsk"]),
    "VGG": ("Europe/Volgograd", "oblast", ["volgograd"]),
    "VLA": ("Europe/Moscow", "oblast", ["vladimir"]),
    "VLG": ("Europe/Moscow", "oblast", ["vologda"]),
    "VOR": ("Europe/Moscow", "oblast", ["voronezh"]),
    "YAN": ("Asia/Yekaterinburg", None, ["yamalo-nenets autonomous okrug", "yamalia", "yamal"]),
    "YAR": ("Europe/Moscow", "oblast", ["yaroslavl"]),
    "YEV": ("Asia/Vladivostok", None, ["jewish autonomous oblast"]),
    "ZAB": ("Asia/Chita", "krai", ["zabaykalsky", "zabaikalsky", "transbaikal"]),
}

REGIONS = {
    "US": US, "CA": CA, "AU": AU, "BR": BR, "MX": MX,
    "RU": {code: zone for code, (zone, _, _) in RU.items()},
}

# Names for subdivisions besides ISO 3166-2's own name and code (which are always in):
# postal and older abbreviations, other spellings, the other official language's name.
REGION_ALIASES = {
    "US": {
        "DC": ["washington dc", "washington d.c.", "d.c.", "washington, d.c.", "dist. of columbia"],
        "VI": ["us virgin islands", "u.s. virgin islands", "usvi"],
        "MP": ["cnmi", "northern marianas"],
        "PR": ["p.r."],
        # AP style abbreviations, with and without the dot.
        "AL": ["ala."], "AZ": ["ariz."], "AR": ["ark."], "CA": ["calif.", "cal."],
        "CO": ["colo."], "CT": ["conn."], "DE": ["del."], "FL": ["fla."], "GA": ["ga."],
        "IL": ["ill."], "IN": ["ind."], "KS": ["kan.", "kans."], "KY": ["ky."], "LA": ["la."],
        "MD": ["md."], "MA": ["mass."], "MI": ["mich."], "MN": ["minn."], "MS": ["miss."],
        "MO": ["mo."], "MT": ["mont."], "NE": ["neb.", "nebr."], "NV": ["nev."],
        "NH": ["n.h."], "NJ": ["n.j."], "NM": ["n.m.", "n.mex."], "NY": ["n.y."],
        "NC": ["n.c."], "ND": ["n.d.", "n.dak."], "OK": ["okla."], "OR": ["ore.", "oreg."],
        "PA": ["pa.", "penn.", "penna."], "RI": ["r.i."], "SC": ["s.c."],
        "SD": ["s.d.", "s.dak."], "TN": ["tenn."], "TX": ["tex."], "VT": ["vt."],
        "VA": ["va."], "WA": ["wash.", "washington state"], "WV": ["w.va.", "w.v."],
        "WI": ["wis.", "wisc."], "WY": ["wyo."],
    },
    "CA": {
        "AB": ["alta.", "alb."], "BC": ["b.c.", "colombie-britannique"],
        "MB": ["man."], "NB": ["n.b.", "nouveau-brunswick"],
        "NL": ["nfld.", "nf", "nfld", "newfoundland", "labrador", "n.l.",
               "terre-neuve-et-labrador"],
        "NS": ["n.s.", "nouvelle-écosse"], "NT": ["n.w.t.", "nwt", "territoires du nord-ouest"],
        "NU": ["nvt."], "ON": ["ont."], "PE": ["p.e.i.", "pei", "île-du-prince-édouard"],
        "QC": ["que.", "qué.", "pq", "p.q.", "québec"], "SK": ["sask."],
        "YT": ["y.t.", "yk", "yukon territory"],
    },
    "AU": {
        "ACT": ["a.c.t."], "NSW": ["n.s.w."], "NT": ["n.t."], "QLD": ["qld.", "q'ld"],
        "SA": ["s.a."], "TAS": ["tas.", "tassie"], "VIC": ["vic."], "WA": ["w.a."],
    },
    "BR": {"DF": ["brasília", "federal district"]},
    "MX": {
        "AGU": ["ags", "ags."], "BCN": ["bc", "b.c."], "BCS": ["b.c.s."], "CAM": ["camp."],
        "CHP": ["chis", "chis."], "CHH": ["chih", "chih."],
        "CMX": ["cdmx", "mexico city", "distrito federal", "df", "d.f."],
        "COA": ["coahuila", "coah", "coah."], "COL": ["col."], "DUR": ["dgo", "dgo."],
        "GRO": ["gro."], "GUA": ["gto", "gto."], "HID": ["hgo", "hgo."], "JAL": ["jal."],
        "MEX": ["estado de méxico", "state of mexico", "edomex", "edo. mex.", "méx."],
        "MIC": ["michoacán", "mich", "mich."], "MOR": ["mor."], "NAY": ["nay."],
        "NLE": ["nl", "n.l."], "OAX": ["oax."], "PUE": ["pue."], "QUE": ["qro", "qro."],
        "ROO": ["qroo", "q. roo", "q.roo", "q.r."], "SIN": ["sin."],
        "SLP": ["s.l.p."], "SON": ["son."], "TAB": ["tab."], "TAM": ["tamps", "tamps."],
        "TLA": ["tlax", "tlax."], "VER": ["veracruz", "ver."], "YUC": ["yuc."],
        "ZAC": ["zac."],
    },
    "RU": {
        "MOS": ["moscow oblast", "moscow region", "moskovskaya oblast"],
        "SPE": ["st. petersburg", "st petersburg", "st.petersburg", "spb"],
        "LEN": ["leningradskaya oblast"],
    },
}

# --- hand-kept countries -----------------------------------------------------------------------

# Countries with several zones in zone.tab where one zone's offset covers about 90% of the
# people or more (or all the zones keep the same offset today). A guess, kept apart from the
# exact one-zone countries in [country-main]. The big split countries (US, CA, AU, MX, RU, ID,
# CD, ...) are left out: their [region] lines and the phone table guess better.
COUNTRY_MAIN = {
    "AR": "America/Argentina/Buenos_Aires",  # all of Argentina's zones are UTC-3 today
    "BR": "America/Sao_Paulo",  # UTC-3 everywhere but the far west and the islands (~93%)
    "CL": "America/Santiago",  # Magallanes, Aysen and Easter Island are small
    "CN": "Asia/Shanghai",  # Xinjiang's Asia/Urumqi aside, officially Beijing time everywhere
    "CY": "Asia/Nicosia",
    "DE": "Europe/Berlin",  # Europe/Busingen is one village
    "EC": "America/Guayaquil",  # the Galapagos aside
    "ES": "Europe/Madrid",  # the Canaries are ~5%
    "GL": "America/Nuuk",
    "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty",  # one offset (UTC+5) nationwide since 2024
    "MH": "Pacific/Majuro",  # Kwajalein keeps the same offset
    "MY": "Asia/Kuala_Lumpur",  # Asia/Kuching keeps the same offset
    "NZ": "Pacific/Auckland",  # the Chathams are ~600 people
    "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby",  # Bougainville ~3%
    "PT": "Europe/Lisbon",  # Madeira keeps the same offset, the Azores ~2%
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",  # Asia/Samarkand keeps the same offset
}

# Country names as CSV exports write them, besides iso-codes' names and codes. Lowercase.
COUNTRY_ALIASES = {
    "US": ["usa", "u.s.a.", "u.s.", "america", "united states of america", "the united states",
           "the us", "the usa", "estados unidos", "états-unis", "vereinigte staaten"],
    "GB": ["uk", "u.k.", "great britain", "britain", "england", "scotland", "wales",
           "northern ireland", "the united kingdom", "the uk", "united kingdom (uk)"],
    "DE": ["deutschland", "brd"],
    "CH": ["schweiz", "suisse", "svizzera", "svizra", "confoederatio helvetica"],
    "AT": ["österreich"],
    "NL": ["holland", "the netherlands", "nederland"],
    "BE": ["belgië", "belgique", "belgien"],
    "FR": ["république française"],
    "ES": ["españa"], "IT": ["italia"], "SE": ["sverige"], "NO": ["norge"], "DK": ["danmark"],
    "FI": ["suomi"], "PL": ["polska"], "CZ": ["česko", "česká republika"],
    "IE": ["éire", "republic of ireland"], "IS": ["ísland"], "GR": ["hellas", "ελλάδα"],
    "HR": ["hrvatska"], "HU": ["magyarország"], "RO": ["românia"],
    "BR": ["brasil"], "MX": ["méxico"], "RU": ["russia", "россия", "rossiya"],
    "KR": ["korea", "republic of korea", "s. korea", "korea (south)", "korea, south"],
    "KP": ["korea (north)", "korea, north", "dprk"],
    "TW": ["republic of china", "roc"], "CN": ["prc", "people's republic of china", "中国"],
    "JP": ["nippon", "日本"], "IN": ["bharat"],
    "AE": ["uae", "u.a.e.", "emirates"], "SA": ["ksa"], "ZA": ["rsa"],
    "NZ": ["aotearoa"], "VN": ["vietnam"], "LA": ["laos"], "SY": ["syria"], "IR": ["iran"],
    "TR": ["turkey"], "CI": ["ivory coast"],
    "CD": ["dr congo", "drc", "democratic republic of the congo", "congo-kinshasa",
           "congo (kinshasa)", "congo, democratic republic of the"],
    "CG": ["republic of the congo", "congo-brazzaville", "congo (brazzaville)"],
    "MK": ["macedonia"], "MD": ["moldova"], "VA": ["vatican", "vatican city"],
    "FM": ["micronesia"], "BO": ["bolivia"], "VE": ["venezuela"], "TZ": ["tanzania"],
    "PS": ["palestine"], "CV": ["cape verde"], "SZ": ["swaziland"], "MM": ["burma"],
    "TL": ["east timor"], "BN": ["brunei"], "FK": ["falklands"], "BS": ["the bahamas"],
    "GM": ["the gambia"], "BA": ["bosnia"], "LC": ["st lucia"], "KN": ["st kitts"],
    "VC": ["st vincent"], "VG": ["bvi", "british virgin islands"],
    "VI": ["us virgin islands", "u.s. virgin islands", "usvi"],
    "HK": ["hong kong sar"], "MO": ["macau", "macao sar"], "CW": ["curacao"],
    "SX": ["st maarten", "st. maarten"], "MF": ["st martin", "st. martin"],
}


# --- names ---------------------------------------------------------------------------------


def norm(s):
    """A lookup key: lowercase, whitespace collapsed. The Rust side normalises the same way."""
    return " ".join(s.lower().split())


FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l",
                      "þ": "th", "ð": "d", "ı": "i", "’": "'", "‘": "'"})


def ascii_fold(s):
    s = unicodedata.normalize("NFKD", s.translate(FOLD))
    return "".join(c for c in s if not unicodedata.combining(c))


def spellings(name):
    """A name and the spellings a spreadsheet may have of it: accents dropped, dots dropped,
    & for and, St. for Saint, a `Name, The Thing of` turned round, a leading `the` dropped."""
    base = norm(name)
    out = {base}
    if ", " in base:
        head, tail = base.split(", ", 1)
        if tail.endswith(" of") or tail.endswith(" of the") or tail in ("british", "u.s."):
            out.add(f"{tail} {head}")
    for s in list(out):
        if s.startswith("the "):
            out.add(s[4:])
    for s in list(out):
        out.add(s.replace(" and ", " & "))
        if s.startswith("saint "):
            out.add("st. " + s[6:])
            out.add("st " + s[6:])
    for s in list(out):  # "Washington D.C." as "washington dc", "St. Lucia" as "st lucia"
        undotted = " ".join(s.replace(". ", " ").replace(".", "").split())
        if undotted:
            out.add(undotted)
    for s in list(out):
        folded = ascii_fold(s)
        if folded.isascii():
            out.add(folded)
    return out


class Keys:
    """name -> value, refusing a key two values claim."""

    def __init__(self, what):
        self.what, self.map = what, {}

    def add(self, key, value, why):
        old = self.map.get(key)
        if old is not None and old[0] != value:
            raise SystemExit(f"{self.what}: `{key}` is both {old[0]} ({old[1]}) and {value} ({why})")
        if "\t" in key or "\n" in key or not key:
            raise SystemExit(f"{self.what}: bad key {key!r}")
        self.map.setdefault(key, (value, why))

    def items(self):
        return sorted((k, v) for k, (v, _) in self.map.items())


# --- building the file ---------------------------------------------------------------------


def package_version(pkg):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        raise SystemExit(f"{pkg} is not installed: apt-get install -y python3-phonenumbers tzdata iso-codes")
    return out.stdout


def phone_section(tz, warnings):
    from phonenumbers.tzdata import TIMEZONE_DATA

    lines = []
    for prefix in sorted(TIMEZONE_DATA):
        raw = TIMEZONE_DATA[prefix]
        if isinstance(raw, str):  # some versions join the names with '&'
            raw = raw.split("&")
        regions = calling_code_regions(prefix)
        zones = canonical_zones(raw, tz, regions)
        if not zones:
            warnings.append(f"phone {prefix}: only {UNKNOWN_ZONE}; left out")
            continue
        changed = sorted(set(zones) - {tz.canonical(z) for z in raw})
        if changed:
            warnings.append(f"phone {prefix}: {'&'.join(sorted(raw))} -> {'&'.join(zones)}")
        # What is left of another country's zones: those of a region zone.tab has no line for.
        for zone in zones:
            cc = tz.tab_zones.get(zone)
            if cc is None or cc not in regions:
                warnings.append(f"phone {prefix}: {zone} ({cc or 'not in zone.tab'}) is not in "
                                f"{'/'.join(regions)}, as libphonenumber has it")
        lines.append(f"{prefix}\t{'&'.join(zones)}")
    return lines


def country_sections(tz, countries):
    per = collections.defaultdict(list)
    for cc, zone, _ in tz.tab:
        per[cc].append(zone)
    single = [f"{cc}\t{tz.canonical(z[0])}" for cc, z in sorted(per.items()) if len(z) == 1]
    main = []
    for cc, zone in sorted(COUNTRY_MAIN.items()):
        if len(per.get(cc, ())) < 2 or zone not in per[cc]:
            raise SystemExit(f"COUNTRY_MAIN {cc} {zone}: not one of its several zone.tab zones")
        main.append(f"{cc}\t{tz.canonical(zone)}")
    missing = sorted(set(countries) - set(per))
    return single, main, missing


def region_section(tz, subdivisions):
    lines = []
    for cc, table in REGIONS.items():
        iso = {s["code"].split("-", 1)[1] for s in subdivisions if s["code"].startswith(cc + "-")}
        unknown = set(table) - iso
        if unknown:
            raise SystemExit(f"{cc}: {sorted(unknown)} are not ISO 3166-2 codes")
        want = iso - {"UM"}  # US Minor Outlying Islands: no people to call
        if set(table) != want:
            raise SystemExit(f"{cc}: no zone for {sorted(want - set(table))}")
        for sub, zone in table.items():
            if zone not in tz.tab_zones or tz.tab_zones[zone] not in (cc, sub):
                raise SystemExit(f"{cc}-{sub} {zone}: zone.tab does not list it for {cc}")
            lines.append((f"{cc}-{sub}", tz.canonical(zone)))
    return [f"{code}\t{zone}" for code, zone in sorted(lines)]


def country_name_section(countries):
    keys = Keys("country-name")
    for c in countries:
        cc = c["alpha_2"]
        keys.add(cc.lower(), cc, "alpha-2")
        keys.add(c["alpha_3"].lower(), cc, "alpha-3")
        for field in ("name", "official_name", "common_name"):
            if field in c:
                for s in spellings(c[field]):
                    keys.add(s, cc, f"iso-codes {field}")
    for cc, names in COUNTRY_ALIASES.items():
        for name in names:
            for s in spellings(name):
                keys.add(s, cc, "alias")
    return [f"{k}\t{v}" for k, v in keys.items()]


def region_name_section(subdivisions):
    keys = Keys("region-name")
    for cc, table in REGIONS.items():
        names = collections.defaultdict(list)
        for s in subdivisions:
            sub = s["code"].split("-", 1)[1]
            if s["code"].startswith(cc + "-") and sub in table:
                names[sub] += [sub, s["name"]]
                if ", " in s["name"]:  # iso-codes' "Adygeja, Respublika"
                    names[sub].append(s["name"].split(", ")[0])
        for sub, aliases in REGION_ALIASES.get(cc, {}).items():
            names[sub] += aliases
        if cc == "RU":
            for sub, (_, kind, english) in RU.items():
                names[sub] += english
                stem = english[0] if english else None
                if kind == "oblast" and stem:
                    names[sub] += [f"{stem} oblast", f"{stem} region"]
                elif kind == "krai" and stem:
                    names[sub] += [f"{stem} krai", f"{stem} kray", f"{stem} territory"]
                elif kind == "rep" and stem:
                    names[sub] += [f"republic of {stem}", f"{stem} republic"]
        for sub, ns in names.items():
            for name in ns:
                for s in spellings(name):
                    keys.add(f"{cc.lower()}:{s}", f"{cc}-{sub}", name)
    return [f"{k}\t{v}" for k, v in keys.items()]


HEADER = """\
# ringback's time zone guessing tables, read by `ringback import`.
# GENERATED by scripts/gen-zones.py: do not edit; regenerate with
#   apt-get install -y python3-phonenumbers tzdata iso-codes && /usr/bin/python3 scripts/gen-zones.py
# From Debian packages (dpkg-query -W): python3-phonenumbers {pn} (phonenumbers {pnv}),
#   tzdata {tzd} (tzdata.zi version {tzv}), iso-codes {iso}.
# Licences (see src/import/ZONES-LICENSE.md): [phone] is derived from libphonenumber's
#   time zone data, Copyright The Libphonenumber Authors, Apache License 2.0, zone names
#   changed to current tzdata names; zone names and zone.tab data are from the tz database,
#   public domain; country and subdivision names are from iso-codes, LGPL-2.1-or-later.
# Format: `#` lines are comments; `[name]` starts a section; other lines are KEY<TAB>VALUE,
#   sorted by KEY (byte order), each KEY once per section. Zones are IANA names, several
#   joined by `&` (sorted). Name keys are lowercased with whitespace collapsed to one space.
#   [phone] E.164 digit prefix (no +) -> zones: take the longest prefix of the number's digits.
#   [country] ISO 3166-1 alpha-2 -> its one zone (countries zone.tab gives one zone).
#   [country-main] alpha-2 -> the zone of most of its people, for countries with several zones.
#   [region] ISO 3166-2 code (US-NY) -> zone of most of its people (US, CA, AU, BR, MX, RU).
#   [country-name] country name, alias or alpha-2/alpha-3 code -> alpha-2.
#   [region-name] alpha-2 lowercased `:` subdivision name, alias or code -> ISO 3166-2 code.
#   [link] an old or alias zone name (Asia/Calcutta) -> its current name (Asia/Kolkata).
"""


def generate():
    import phonenumbers

    tz = load_tz()
    with open(os.path.join(ISO_CODES, "iso_3166-1.json"), encoding="utf-8") as f:
        countries = json.load(f)["3166-1"]
    with open(os.path.join(ISO_CODES, "iso_3166-2.json"), encoding="utf-8") as f:
        subdivisions = json.load(f)["3166-2"]

    warnings = []
    phone = phone_section(tz, warnings)
    single, main, missing = country_sections(tz, [c["alpha_2"] for c in countries])
    if missing:
        warnings.append(f"countries zone.tab has no zone for: {' '.join(missing)}")
    region = region_section(tz, subdivisions)
    country_names = country_name_section(countries)
    region_names = region_name_section(subdivisions)
    # A zone a file names by an old name is written with its current one.
    links = sorted(f"{name}\t{tz.canonical(name)}" for name in tz.links
                   if "/" in name and tz.canonical(name) != name)

    # Every zone written exists, and every name points somewhere the file defines.
    for line in phone + single + main + region:
        for zone in line.split("\t")[1].split("&"):
            if not tz.exists(zone):
                raise SystemExit(f"{zone}: no such zone file")
    ccs = {c["alpha_2"] for c in countries}
    for line in country_names:
        assert line.split("\t")[1] in ccs, line
    region_codes = {line.split("\t")[0] for line in region}
    for line in region_names:
        assert line.split("\t")[1] in region_codes, line

    header = HEADER.format(pn=package_version("python3-phonenumbers"), pnv=phonenumbers.__version__,
                           tzd=package_version("tzdata"), tzv=tz.version,
                           iso=package_version("iso-codes"))
    parts = [header]
    for name, lines in (("phone", phone), ("country", single), ("country-main", main),
                        ("region", region), ("country-name", country_names),
                        ("region-name", region_names), ("link", links)):
        parts.append(f"[{name}]\n" + "".join(line + "\n" for line in lines))
    counts = {"phone": len(phone), "country": len(single), "country-main": len(main),
              "region": len(region), "country-name": len(country_names),
              "region-name": len(region_names), "link": len(links)}
    return "".join(parts), counts, warnings


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    ap.add_argument("--out", default=OUT, help=f"where to write (default {OUT})")
    args = ap.parse_args()
    text, counts, warnings = generate()
    for w in warnings:
        print(f"note: {w}", file=sys.stderr)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    if args.check:
        try:
            with open(args.out, encoding="utf-8") as f:
                same = f.read() == text
        except FileNotFoundError:
            same = False
        print(f"{args.out}: {'up to date' if same else 'DIFFERS'} ({summary})", file=sys.stderr)
        sys.exit(0 if same else 1)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {args.out}: {len(text.encode())} bytes ({summary})", file=sys.stderr)


if __name__ == "__main__":
    main()
